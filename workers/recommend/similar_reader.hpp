#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

namespace pqxx {
class row;
}

// The read side of track_similar, for `tunefleet similar`: find a track, list its neighbours,
// write them as an M3U playlist.
namespace recommend {

struct TrackSummary {
  std::int64_t id = 0;
  std::string artist;
  std::string title;
  std::optional<std::int64_t> duration_ms;
  std::string spotify_id;  // empty when unknown
  std::string mbid;        // MusicBrainz recording id; empty when unknown
  std::vector<std::string> genres;
  std::vector<std::string> moods;
};

struct SimilarTrack {
  int rank = 0;
  double score = 0;
  TrackSummary track;
  std::vector<std::string> shared_genres;
  std::vector<std::string> shared_moods;
  std::string computed_at;  // as PostgreSQL prints timestamptz
};

// Tracks whose name matches "<artist> - <title>", how they were matched, best first.
struct NameMatch {
  std::string artist;  // the split of the input that matched (or the first tried, when none did)
  std::string title;
  std::vector<std::string> tried_keys;  // the tracks.name_key values looked up, in order
  std::vector<TrackSummary> tracks;     // tracks with neighbours first, then by id
};

// Not thread safe; opens one connection lazily and reopens it after a failure. Errors:
// kTransient when the database is unreachable (the message names host and port).
class SimilarReader {
 public:
  explicit SimilarReader(std::string postgres_dsn);
  ~SimilarReader();
  SimilarReader(const SimilarReader&) = delete;
  SimilarReader& operator=(const SimilarReader&) = delete;

  // The track with that id or, when a merge absorbed it, the survivor (whose id differs).
  core::Result<std::optional<TrackSummary>> FindById(std::int64_t id);
  // "<artist> - <title>" split at each " - " in turn (artists and titles may contain one);
  // the first split whose tracks.name_key exists wins.
  core::Result<NameMatch> FindByName(std::string_view artist_dash_title);
  core::Result<std::vector<SimilarTrack>> Neighbours(std::int64_t id, std::size_t limit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where an M3U entry points: spotify:track:<id>, else https://musicbrainz.org/recording/<mbid>,
// else tunefleet:track:<id> (our catalog id; players skip it, but the line keeps the playlist
// valid and the track identifiable).
std::string M3uLocation(const TrackSummary& track);

// An extended M3U playlist: #EXTM3U, then per track #EXTINF:<seconds>,<artist> - <title> (-1
// seconds when the duration is unknown) and its location line.
std::string FormatM3u(const std::vector<TrackSummary>& tracks);

// A track's id, artist_name, title, duration_ms, spotify_id and mbid::text, in that order,
// read from `row` starting at column `first` (genres and moods left empty): the columns every
// reader of track summaries selects first (`tunefleet similar`, `tunefleet playlist`).
TrackSummary ReadTrackColumns(const pqxx::row& row, int first);

}  // namespace recommend
