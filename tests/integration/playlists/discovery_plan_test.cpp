// The discovery statement on a synthetic catalog of 100,000 tracks (5,000 genres, 2,500 moods, each
// on 20 or 40 tracks, as tags are spread in a real catalog): it finds candidates through the
// GIN indexes on tracks.genres and tracks.moods, never by reading every track.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/test_database.hpp"
#include "tools/tunefleet/playlist_store.hpp"

namespace {

TEST(DiscoveryPlan, CandidatesComeFromTheGinIndexes) {
  test_support::TestDatabase db;
  db.Rows(
      "INSERT INTO tracks (id, identity_key, name_key, artist_name, title, genres, moods, popularity) "
      "SELECT i, 'spotify:synthetic' || i, 'artist ' || (i % 30000) || chr(31) || 'title ' || i, "
      "'Artist ' || (i % 30000), 'Title ' || i, ARRAY['g' || (i % 5000)], ARRAY['m' || (i % 2500)], "
      "(i % 100)::smallint FROM generate_series(1, 100000) AS i RETURNING 1");
  db.Rows("INSERT INTO listeners (name, name_key) VALUES ('alice', 'alice') RETURNING id");
  db.Rows(
      "INSERT INTO listens (listener_id, played_at, track_id, source) "
      "SELECT 1, now() - make_interval(hours => i), i, 'csv' FROM generate_series(1, 5) AS i RETURNING 1");
  db.Rows("ANALYZE tracks");
  db.Rows("ANALYZE listens");

  auto plan = playlist::ExplainDiscovery(db.dsn(), {.user = "alice", .kind = playlist::Kind::kDiscovery});
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_FALSE(plan->empty());
  EXPECT_NE(plan->find("Bitmap Index Scan on tracks_genres_gin"), std::string::npos) << *plan;
  EXPECT_NE(plan->find("Bitmap Index Scan on tracks_moods_gin"), std::string::npos) << *plan;
  EXPECT_EQ(plan->find("Seq Scan on tracks"), std::string::npos) << *plan;
}

}  // namespace
