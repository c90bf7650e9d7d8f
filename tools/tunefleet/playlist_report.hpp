#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workers/recommend/similar_reader.hpp"

// What `tunefleet playlist` prints: the reasons of each kind, a stored playlist as text,
// JSON and M3U, and the list of a listener's playlists (docs/PLAYLISTS.md). Pure.
namespace playlist {

// One playlist_tracks row with its track.
struct Entry {
  int position = 0;
  double score = 0;
  std::string reason;
  std::optional<std::int64_t> seed_track_id;
  std::vector<std::string> shared_tags;
  recommend::TrackSummary track;  // artist, title and where an M3U entry points
};

struct Playlist {
  std::int64_t id = 0;
  std::string user;  // listeners.name
  std::string kind;
  int size = 0;  // the size asked for; tracks may hold fewer
  int days = 0;
  std::string created_at;     // RFC 3339 UTC
  std::vector<Entry> tracks;  // by position
};

struct PlaylistSummary {
  std::int64_t id = 0;
  std::string kind;
  int size = 0;
  int days = 0;
  std::string created_at;
  std::int64_t tracks = 0;
};

// "similar to Slowdive - Alison (played 3 times, last 1 day ago)"; 0 days: "last today".
std::string SimilarReason(const std::string& seed_artist, const std::string& seed_title, std::int64_t plays,
                          std::int64_t days_ago);
// "shares shoegaze, dream pop with your top genres and dreamy with your top moods".
std::string DiscoveryReason(const std::vector<std::string>& genres, const std::vector<std::string>& moods);
// "played 4 times by 2 listeners in the last 30 days".
std::string TrendingReason(std::int64_t plays, std::int64_t listeners, int days);

// A header line, then "rank  score  artist - title  [why]" per entry.
std::string FormatText(const Playlist& playlist);
// {id, user, kind, size, days, created_at, tracks: [{position, track_id, artist, title, score,
// reason, seed_track_id, shared_tags}]}, no trailing newline.
std::string FormatJson(const Playlist& playlist);
// The extended M3U `tunefleet similar --m3u` writes (recommend::FormatM3u), in position order.
std::string FormatM3u(const Playlist& playlist);

std::string FormatList(const std::string& user, const std::vector<PlaylistSummary>& playlists);
std::string FormatListJson(const std::string& user, const std::vector<PlaylistSummary>& playlists);

}  // namespace playlist
