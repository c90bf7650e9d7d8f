// The recommend builder against a throwaway migrated database: expected neighbours on a
// hand-built catalog, stale rows replaced, missing ids, and the GIN indexes in the plans of
// the candidate statements on a realistic synthetic catalog.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/recommend/catalog_fixture.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/text.hpp"
#include "workers/recommend/recommend_builder.hpp"
#include "common/resilience/clock.hpp"

namespace {

const resilience::SteadyClock kSteadyClock;  // the builders' caches and refreshes

using recommend_test::InsertSmallCatalog;
using test_support::TestDatabase;

std::vector<std::int64_t> Ids(const std::vector<std::vector<std::string>>& rows, std::size_t column = 0) {
  std::vector<std::int64_t> ids;
  for (const auto& row : rows) ids.push_back(std::stoll(row.at(column)));
  return ids;
}

// similar_track_id, rank, score, shared_genres, shared_moods of `track_id`, by rank.
std::vector<std::vector<std::string>> Neighbours(const TestDatabase& db, std::int64_t track_id) {
  return db.Rows("SELECT similar_track_id, rank, score, shared_genres, shared_moods FROM track_similar "
                 "WHERE track_id = " + std::to_string(track_id) + " ORDER BY rank");
}

TEST(RecommendBuilder, HandBuiltCatalogGivesTheExpectedNeighboursInOrder) {
  TestDatabase db;
  InsertSmallCatalog(db);
  auto builder = recommend::MakeRecommendBuilder(db.dsn(), recommend::RecommendSettings{}, kSteadyClock);
  EXPECT_EQ(builder->Name(), "recommend");
  auto stats = builder->Rebuild({1, 9});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 2u);
  EXPECT_EQ(stats->missing, 0u);

  auto rows = Neighbours(db, 1);
  EXPECT_EQ(Ids(rows), (std::vector<std::int64_t>{2, 3, 11, 4, 5, 6}));  // 7 shares nothing
  ASSERT_EQ(rows.size(), 6u);
  const double expected[] = {1.0, 0.846154, 0.846154, 0.653846, 0.333333, 0.153846};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][1], std::to_string(i + 1));
    EXPECT_NEAR(std::stod(rows[i][2]), expected[i], 1e-5) << "rank " << i + 1;
  }
  // Shared tags in the target's order, whatever the candidate's order.
  EXPECT_EQ(rows[0][3], R"({shoegaze,"dream pop"})");
  EXPECT_EQ(rows[0][4], "{dreamy,melancholic}");
  EXPECT_EQ(rows[1][3], R"({shoegaze,"dream pop"})");
  EXPECT_EQ(rows[1][4], "{dreamy}");
  EXPECT_EQ(rows[3][3], "{shoegaze}");
  EXPECT_EQ(rows[4][3], R"({"dream pop"})");
  EXPECT_EQ(rows[4][4], "{}");
  EXPECT_EQ(rows[5][3], "{}");
  EXPECT_EQ(rows[5][4], "{melancholic}");

  // No genres, no moods: the same artist's tracks, not the other artist's.
  EXPECT_EQ(Ids(Neighbours(db, 9)), (std::vector<std::int64_t>{10}));
  // Only the rebuilt tracks got rows.
  EXPECT_EQ(db.Int("SELECT count(DISTINCT track_id) FROM track_similar"), 2);
}

TEST(RecommendBuilder, KeepsOnlyKNeighbours) {
  TestDatabase db;
  InsertSmallCatalog(db);
  recommend::RecommendSettings settings;
  settings.k = 2;
  auto builder = recommend::MakeRecommendBuilder(db.dsn(), settings, kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({1}));
  EXPECT_EQ(Ids(Neighbours(db, 1)), (std::vector<std::int64_t>{2, 3}));
}

TEST(RecommendBuilder, SecondRebuildReplacesStaleNeighbours) {
  TestDatabase db;
  InsertSmallCatalog(db);
  auto builder = recommend::MakeRecommendBuilder(db.dsn(), recommend::RecommendSettings{}, kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({1}));
  ASSERT_EQ(Ids(Neighbours(db, 1)).front(), 2);

  // Track 2 turns into metal: it must leave 1's list; 7 (now sharing a mood) joins it.
  db.Rows("UPDATE tracks SET genres = '{metal}', moods = '{aggressive}' WHERE id = 2");
  db.Rows("UPDATE tracks SET moods = '{aggressive,dreamy}' WHERE id = 7");
  auto stats = builder->Rebuild({1});
  ASSERT_TRUE(stats) << stats.error().message;
  auto rows = Neighbours(db, 1);
  EXPECT_EQ(Ids(rows), (std::vector<std::int64_t>{3, 11, 4, 5, 6, 7}));
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i][1], std::to_string(i + 1));

  // Idempotent: the same ids again give the same rows.
  auto before = db.Rows("SELECT track_id, similar_track_id, rank, score FROM track_similar ORDER BY 1, 3");
  ASSERT_TRUE(builder->Rebuild({1}));
  EXPECT_EQ(db.Rows("SELECT track_id, similar_track_id, rank, score FROM track_similar ORDER BY 1, 3"), before);
}

TEST(RecommendBuilder, IdsWithoutATrackCountAsMissing) {
  TestDatabase db;
  InsertSmallCatalog(db);
  auto builder = recommend::MakeRecommendBuilder(db.dsn(), recommend::RecommendSettings{}, kSteadyClock);
  auto stats = builder->Rebuild({424242, 1, 1, 99});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 1u);
  EXPECT_EQ(stats->missing, 2u);
  auto empty = builder->Rebuild({});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->rebuilt, 0u);
}

TEST(RecommendBuilder, UnreachableDatabaseIsTransient) {
  auto builder = recommend::MakeRecommendBuilder("postgresql://tunefleet:pw@127.0.0.1:1/tunefleet",
                                                 recommend::RecommendSettings{}, kSteadyClock);
  auto stats = builder->Rebuild({1});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().kind, core::ErrorKind::kTransient);
  EXPECT_NE(stats.error().message.find("127.0.0.1:1"), std::string::npos) << stats.error().message;
  auto ping = builder->Ping();
  ASSERT_FALSE(ping);
  EXPECT_EQ(ping.error().kind, core::ErrorKind::kTransient);
}

// bench/builders/synthetic_catalog.sql with `tracks` rows, run through libpq instead of psql:
// its one psql meta-command is dropped and :tracks substituted.
void LoadSyntheticCatalog(const TestDatabase& db, int tracks) {
  std::ifstream in(TUNEFLEET_SOURCE_DIR "/bench/builders/synthetic_catalog.sql");
  ASSERT_TRUE(in) << "bench/builders/synthetic_catalog.sql not found";
  std::stringstream sql;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("\\", 0) == 0) continue;
    for (std::size_t at = line.find(":tracks"); at != std::string::npos; at = line.find(":tracks")) {
      line.replace(at, 7, std::to_string(tracks));
    }
    sql << line << "\n";
  }
  auto conn = db.Connect();
  pqxx::nontransaction tx(*conn);
  tx.exec(sql.str());
}

class RecommendSyntheticTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new TestDatabase();
    LoadSyntheticCatalog(*db_, 20000);
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  static TestDatabase* db_;
};
TestDatabase* RecommendSyntheticTest::db_ = nullptr;

TEST_F(RecommendSyntheticTest, CandidateStatementsUseTheGinIndexes) {
  ASSERT_EQ(db_->Int("SELECT count(*) FROM tracks"), 20000);
  std::vector<std::int64_t> ids;
  for (std::int64_t id = 1001; id <= 1500; ++id) ids.push_back(id);
  auto plans = recommend::ExplainCandidateQueries(db_->dsn(), ids, recommend::RecommendSettings{});
  ASSERT_TRUE(plans) << plans.error().message;
  ASSERT_EQ(plans->size(), 2u);
  const std::string& preferred = (*plans)[0];
  const std::string& pools = (*plans)[1];
  // Tracks carrying all of the target's genres: the genres index, probed once per target.
  EXPECT_NE(preferred.find("Bitmap Index Scan on tracks_genres_gin"), std::string::npos) << preferred;
  EXPECT_EQ(preferred.find("Seq Scan on tracks"), std::string::npos) << preferred;
  // Per-tag pools: the genres index for genres, the moods index for moods.
  EXPECT_NE(pools.find("Bitmap Index Scan on tracks_genres_gin"), std::string::npos) << pools;
  EXPECT_NE(pools.find("Bitmap Index Scan on tracks_moods_gin"), std::string::npos) << pools;
  EXPECT_EQ(pools.find("Seq Scan on tracks"), std::string::npos) << pools;
  EXPECT_EQ(test_support::CountOccurrences(pools, "Bitmap Index Scan"), 2u) << pools;
}

TEST_F(RecommendSyntheticTest, EveryNeighbourSharesAGenreOrAMoodAndListsAreFull) {
  std::vector<std::int64_t> ids;
  for (std::int64_t id = 1; id <= 500; ++id) ids.push_back(id);
  auto builder = recommend::MakeRecommendBuilder(db_->dsn(), recommend::RecommendSettings{}, kSteadyClock);
  auto stats = builder->Rebuild(ids);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 500u);
  // Every synthetic track has a genre, and each genre is on far more than 20 tracks.
  EXPECT_EQ(db_->Int("SELECT count(*) FROM (SELECT track_id FROM track_similar GROUP BY track_id "
                     "HAVING count(*) = 20 AND min(rank) = 1 AND max(rank) = 20) full_lists"),
            500);
  EXPECT_EQ(db_->Int("SELECT count(*) FROM track_similar s JOIN tracks t ON t.id = s.track_id "
                     "JOIN tracks c ON c.id = s.similar_track_id "
                     "WHERE NOT (c.genres && t.genres OR c.moods && t.moods)"),
            0);
  // shared_* are exactly the intersections.
  EXPECT_EQ(db_->Int("SELECT count(*) FROM track_similar s JOIN tracks t ON t.id = s.track_id "
                     "JOIN tracks c ON c.id = s.similar_track_id "
                     "WHERE NOT (s.shared_genres <@ t.genres AND s.shared_genres <@ c.genres "
                     "AND cardinality(s.shared_genres) = (SELECT count(*) FROM unnest(t.genres) g "
                     "WHERE g = ANY(c.genres)))"),
            0);
  // Scores do not increase down a list.
  EXPECT_EQ(db_->Int("SELECT count(*) FROM track_similar a JOIN track_similar b "
                     "ON a.track_id = b.track_id AND b.rank = a.rank + 1 WHERE b.score > a.score"),
            0);
}

}  // namespace
