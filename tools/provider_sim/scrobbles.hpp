#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/provider_sim/settings.hpp"

namespace provider_sim {

// One scrobble of a simulated Last.fm user: the catalog track it names and when.
struct Scrobble {
  std::uint64_t track_key = 0;  // Catalog::Track(track_key) gives its names
  std::int64_t uts = 0;         // unix seconds
  bool with_mbid = false;       // Last.fm knows its MusicBrainz recording id
};

// The listening histories user.getRecentTracks pages: for each configured user
// (SimSettings::lastfm_users) a deterministic history drawn from the seed, newest first,
// strictly decreasing timestamps spread over the ~60 days before `history_end`, about one
// play in six a repeat of an earlier track, about one track in five with an MBID. Tests add
// newer scrobbles while an import runs (Append). Not thread safe (the simulator's loop).
class ScrobbleBook {
 public:
  // history_end: unix seconds of the newest generated scrobble.
  ScrobbleBook(std::uint64_t seed, const std::vector<LastfmUser>& users, std::int64_t history_end);

  // The user's history, newest first; nullptr for an unknown user (names are case-insensitive).
  const std::vector<Scrobble>* Find(std::string_view user);
  // The track the user is listening to now (page 1 of the newest window shows it first).
  std::uint64_t NowPlaying(std::string_view user) const;
  // Adds `count` scrobbles newer than any so far, the first at `at` (or one second after the
  // newest, if that is later), one second apart. An error names what is wrong.
  std::optional<std::string> Append(std::string_view user, int count, std::int64_t at);

  static constexpr std::int64_t kHistorySpanSeconds = 60LL * 24 * 3600;

 private:
  struct History {
    int count = 0;
    bool generated = false;
    std::uint64_t salt = 0;
    std::uint64_t appended = 0;
    std::vector<Scrobble> scrobbles;
  };
  void Generate(History& history) const;
  bool WithMbid(std::uint64_t track_key) const;

  std::uint64_t seed_;
  std::int64_t history_end_;
  std::map<std::string, History, std::less<>> users_;  // by lower-cased name
};

}  // namespace provider_sim
