#pragma once

#include <cstdint>
#include <string>

#include "common/db/identity.hpp"
#include "tests/support/test_database.hpp"

// A hand-built catalog with known overlaps, shared by the builder and CLI tests.
namespace recommend_test {

// Inserts one tracks row with an explicit id. `genres` / `moods` are SQL array literals
// ('{shoegaze,"dream pop"}'); `extra` sets more columns ("popularity = 40, spotify_id = 'x'")
// in an UPDATE right after.
inline void InsertTrack(const test_support::TestDatabase& db, std::int64_t id, const std::string& artist,
                        const std::string& title, const std::string& genres, const std::string& moods,
                        const std::string& extra = "") {
  auto conn = db.Connect();
  pqxx::work tx(*conn);
  const std::string key = db::TrackNameKey(artist, title);
  tx.exec_params(
      "INSERT INTO tracks (id, identity_key, name_key, artist_name, title, genres, moods) "
      "VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text[])",
      id, "spotify:test" + std::to_string(id), key, artist, title, genres, moods);
  if (!extra.empty()) tx.exec_params("UPDATE tracks SET " + extra + " WHERE id = $1", id);
  tx.commit();
}

// The target is track 1 (shoegaze + dream pop, dreamy + melancholic). With no audio features
// and no popularity the score is (0.45 * genre Jaccard + 0.20 * mood Jaccard) / 0.65, or just
// the genre Jaccard when the candidate has no moods:
//   2  same genres, same moods           1.0
//   3  same genres, dreamy only          (0.45 + 0.20 * 0.5) / 0.65 = 0.846154
//   11 same as 3 (tie: the lower id, 3, ranks first)
//   4  shoegaze only, same moods         (0.45 * 0.5 + 0.20) / 0.65 = 0.653846
//   5  dream pop + rock, no moods        1/3 (genres only)       = 0.333333
//   6  jazz, melancholic                 (0 + 0.20 * 0.5) / 0.65 = 0.153846
//   7  metal, aggressive                 shares nothing: not a candidate
// Track 9 has neither genres nor moods: its candidates are the tracks of its artist (10).
inline void InsertSmallCatalog(const test_support::TestDatabase& db) {
  db.Rows("INSERT INTO artists (id, name, name_key) VALUES (1, 'Lone', 'lone'), (2, 'Other', 'other')");
  InsertTrack(db, 1, "Slowdive", "Alison", R"({shoegaze,"dream pop"})", "{dreamy,melancholic}",
              "duration_ms = 230600, spotify_id = 'spAlison'");
  InsertTrack(db, 2, "Ride", "Vapour Trail", R"({shoegaze,"dream pop"})", "{dreamy,melancholic}",
              "duration_ms = 258000, mbid = '0f3ef23d-8ee3-4bd5-9a5f-8b9a4b7a8e0c'");
  InsertTrack(db, 3, "Lush", "Sweetness and Light", R"({"dream pop",shoegaze})", "{dreamy}");
  InsertTrack(db, 4, "Swervedriver", "Duel", "{shoegaze}", "{melancholic,dreamy}");
  InsertTrack(db, 5, "Beach House", "Myth", R"({"dream pop",rock})", "{}");
  InsertTrack(db, 6, "Chet Baker", "Almost Blue", "{jazz}", "{melancholic}");
  InsertTrack(db, 7, "Slayer", "Angel of Death", "{metal}", "{aggressive}");
  InsertTrack(db, 9, "Lone", "Untagged", "{}", "{}", "artist_id = 1");
  InsertTrack(db, 10, "Lone", "Tagged", "{folk}", "{}", "artist_id = 1");
  InsertTrack(db, 11, "Pale Saints", "Sight of You", R"({shoegaze,"dream pop"})", "{dreamy}");
  InsertTrack(db, 12, "Other", "Unrelated", "{}", "{}", "artist_id = 2");
}

}  // namespace recommend_test
