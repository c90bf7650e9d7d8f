#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "tools/tunefleet/playlist_options.hpp"
#include "tools/tunefleet/playlist_report.hpp"

// `tunefleet playlist`'s database side (docs/PLAYLISTS.md): builds a playlist from listens,
// track_similar and the tags of tracks, stores it in playlists / playlist_tracks
// (migrations/0011_listeners.sql), and reads stored ones back. Every "now" is the database's
// now(). Errors are the database's (kTransient: unreachable).
namespace playlist {

// A seed's weight halves every kHalfLifeDays: each play counts exp(-ln 2 * age_days / 7).
inline constexpr double kHalfLifeDays = 7.0;
// Discovery: the listener's top genres and top moods, this many of each.
inline constexpr int kTopTags = 5;
// Discovery: a shared mood counts this much of a shared genre of the same weight.
inline constexpr double kMoodFactor = 0.5;

struct BuildRequest {
  std::string user;
  Kind kind = Kind::kSimilarRecent;
  int size = kDefaultSize;
  int days = kDefaultDays;
};

// Either the stored playlist or, when nothing was stored, why (one line, for the user).
struct BuildOutcome {
  std::optional<Playlist> playlist;
  std::string refusal;
};

// Builds and stores a playlist in one transaction (the worker role: it writes).
core::Result<BuildOutcome> Build(const std::string& dsn, const BuildRequest& request);

// A stored playlist, its entries by position; nullopt when there is none with that id.
core::Result<std::optional<Playlist>> Read(const std::string& dsn, std::int64_t id);

struct ListenerPlaylists {
  bool listener_found = false;
  std::string user;                        // listeners.name
  std::vector<PlaylistSummary> playlists;  // newest first
};
core::Result<ListenerPlaylists> List(const std::string& dsn, const std::string& user);

// EXPLAIN of the discovery statement for `request` (tests check it probes the GIN indexes);
// empty when there is no such listener.
core::Result<std::string> ExplainDiscovery(const std::string& dsn, const BuildRequest& request);

// The line for an unknown listener.
std::string NoListener(const std::string& user);

}  // namespace playlist
