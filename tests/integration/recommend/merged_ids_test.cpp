// Ids a merge absorbed (migrations/0009_identity_merge.sql) keep working: a follow-up naming
// one rebuilds the survivor's neighbours, and `tunefleet similar --id` shows the survivor.
#include <gtest/gtest.h>

#include "common/db/catalog_writer.hpp"
#include "common/resilience/clock.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/identity_merges.hpp"
#include "tests/support/test_database.hpp"
#include "workers/fleet/fleet.hpp"
#include "workers/recommend/recommend_builder.hpp"

namespace {

const resilience::SteadyClock kSteadyClock;

class MergedIdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    merged_ = test_support::WriteMergedTracks(db_, "Slowdive", "Alison", "USRC17607839", {"shoegaze", "dream pop"});
    ASSERT_NE(merged_.absorbed, 0);
    ASSERT_NE(merged_.absorbed, merged_.survivor);
    // A neighbour for the survivor.
    db::CatalogWriter writer(db_.worker_dsn(), fleet::MergePriority());
    catalog::TrackRecord other;
    other.ref.artist = "Ride";
    other.ref.title = "Vapour Trail";
    other.provider = "spotify";
    other.job_id = "neighbour";
    other.genres = {"shoegaze", "dream pop"};
    auto written = writer.WriteTracks({other});
    ASSERT_TRUE(written) << written.error().message;
  }

  std::int64_t NeighboursOf(std::int64_t id) {
    return db_.Int("SELECT count(*) FROM track_similar WHERE track_id = " + std::to_string(id));
  }

  test_support::TestDatabase db_;
  test_support::MergedTracks merged_;
};

TEST_F(MergedIdsTest, AFollowUpNamingAnAbsorbedIdRebuildsTheSurvivor) {
  auto builder = recommend::MakeRecommendBuilder(db_.worker_dsn(), recommend::RecommendSettings{}, kSteadyClock);
  auto stats = builder->Rebuild({merged_.absorbed});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 1u);
  EXPECT_EQ(stats->missing, 0u);
  EXPECT_EQ(NeighboursOf(merged_.survivor), 1);

  // With the survivor's own id in the same follow-up it is rebuilt once.
  stats = builder->Rebuild({merged_.survivor, merged_.absorbed});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 1u);
  EXPECT_EQ(NeighboursOf(merged_.survivor), 1);
}

TEST_F(MergedIdsTest, SimilarByAnAbsorbedIdShowsTheSurvivorAndSaysSo) {
  auto builder = recommend::MakeRecommendBuilder(db_.worker_dsn(), recommend::RecommendSettings{}, kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({merged_.survivor}));
  auto run = test_support::RunTunefleet({"similar", "--id", std::to_string(merged_.absorbed)},
                                        {{"TUNEFLEET_PG_DSN", db_.reader_dsn()}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "tunefleet similar: track " + std::to_string(merged_.absorbed) + " was merged into " +
                         std::to_string(merged_.survivor) + "\n");
  EXPECT_NE(run.out.find("Slowdive - Alison (id " + std::to_string(merged_.survivor) + ";"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("Ride - Vapour Trail"), std::string::npos) << run.out;

  // The survivor's own id says nothing about merges.
  run = test_support::RunTunefleet({"similar", "--id", std::to_string(merged_.survivor)},
                                   {{"TUNEFLEET_PG_DSN", db_.reader_dsn()}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
}

}  // namespace
