#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

// `tunefleet playlist`'s flags (docs/PLAYLISTS.md): pure, so tests/unit/cli_playlist checks
// every accepted and refused form.
namespace playlist {

enum class Kind { kSimilarRecent, kDiscovery, kTrending };

std::string_view KindName(Kind kind);  // "similar-recent", "discovery", "trending"
std::optional<Kind> ParseKind(std::string_view name);

inline constexpr int kDefaultSize = 25;
inline constexpr int kMaxSize = 500;
inline constexpr int kDefaultDays = 30;
inline constexpr int kMaxDays = 3650;

struct Options {
  enum class Action { kBuild, kList, kShow, kExport, kHelp };
  Action action = Action::kBuild;
  std::string user;                  // build, list
  Kind kind = Kind::kSimilarRecent;  // build
  int size = kDefaultSize;           // build
  int days = kDefaultDays;           // build
  std::int64_t id = 0;               // show, export
  std::string m3u;                   // build, export: write an M3U file
  bool json = false;                 // print one JSON document instead of text
};

// `args` are the words after "playlist". Flags take their value as the next word or after
// "=" (--size=10). An error (kInvalidInput) holds one line saying which word is wrong and
// why, without the "tunefleet playlist: " prefix.
core::Result<Options> ParseArgs(const std::vector<std::string>& args);

}  // namespace playlist
