#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/db/catalog_writer.hpp"
#include "tests/support/test_database.hpp"
#include "workers/fleet/fleet.hpp"

// Rows merged the way workers merge them (db::CatalogWriter, migrations/0009_identity_merge.sql),
// for the tests of what reads merged ids: builders, `tunefleet similar`, `tunefleet identity`.
// Link workers::fleet.
namespace test_support {

struct MergedTracks {
  std::int64_t survivor = 0;
  std::int64_t absorbed = 0;
};

// Spotify stores "<artist> - <title>" keyed by `isrc`; then Last.fm stores "<artist> - <title>
// (Live)" by name and finds the same ISRC for it: the name-keyed row is absorbed. `mbid`, when
// given, is the ISRC-keyed row's (a later write with another MBID then conflicts). Fails the
// test (ADD_FAILURE) when the writes fail or no merge happened.
inline MergedTracks WriteMergedTracks(const TestDatabase& db, const std::string& artist, const std::string& title,
                                      const std::string& isrc, const std::vector<std::string>& genres,
                                      const std::optional<std::string>& mbid = std::nullopt) {
  db::CatalogWriter writer(db.worker_dsn(), fleet::MergePriority());
  catalog::TrackRecord first;
  first.ref.artist = artist;
  first.ref.title = title;
  first.ref.isrc = isrc;
  first.provider = "spotify";
  first.job_id = "merge-first-" + isrc;
  first.genres = genres;
  first.fields.mbid = mbid;
  auto a = writer.WriteTracks({first});
  if (!a) {
    ADD_FAILURE() << a.error().message;
    return {};
  }
  catalog::TrackRecord second;
  second.ref.artist = artist;
  second.ref.title = title + " (Live)";
  second.provider = "lastfm";
  second.job_id = "merge-second-" + isrc;
  second.genres = genres;
  second.fields.isrc = isrc;
  auto b = writer.WriteTracks({second});
  if (!b) {
    ADD_FAILURE() << b.error().message;
    return {};
  }
  MergedTracks out;
  out.survivor = a->at(0);
  const auto absorbed = db.Rows("SELECT absorbed_id FROM track_aliases WHERE survivor_id = " +
                                std::to_string(out.survivor) + " ORDER BY merged_at DESC LIMIT 1");
  if (absorbed.empty()) {
    ADD_FAILURE() << "no merge: track_aliases is empty";
    return out;
  }
  out.absorbed = std::stoll(absorbed[0][0]);
  return out;
}

}  // namespace test_support
