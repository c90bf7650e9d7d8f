// `tunefleet similar` as operators run it: the built binary against a throwaway database the
// builder filled.
#include <gtest/gtest.h>


#include "tests/integration/recommend/catalog_fixture.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"
#include "workers/recommend/recommend_builder.hpp"
#include "common/resilience/clock.hpp"

namespace {

const resilience::SteadyClock kSteadyClock;  // the builders' caches and refreshes

using recommend_test::InsertSmallCatalog;
using recommend_test::InsertTrack;
using test_support::CliRun;
using test_support::FreePort;
using test_support::ReadFile;
using test_support::RunTunefleet;
using test_support::TempDir;
using test_support::TestDatabase;

class SimilarCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InsertSmallCatalog(db_);
    auto builder = recommend::MakeRecommendBuilder(db_.dsn(), recommend::RecommendSettings{}, kSteadyClock);
    auto stats = builder->Rebuild({1, 2});
    ASSERT_TRUE(stats) << stats.error().message;
  }
  CliRun Similar(std::vector<std::string> args) {
    args.insert(args.begin(), "similar");
    return RunTunefleet(args, {{"TUNEFLEET_PG_DSN", db_.reader_dsn()}});
  }
  TestDatabase db_;
};

TEST_F(SimilarCliTest, ByNamePrintsNeighboursInRankOrderWithWhatTheyShare) {
  auto run = Similar({"  SLOWDIVE  -  alison "});  // name keys ignore ASCII case and extra spaces
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string& out = run.out;
  EXPECT_NE(out.find("Slowdive - Alison (id 1; genres: shoegaze, dream pop; moods: dreamy, melancholic)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("   1  1.0000  Ride - Vapour Trail  [genres: shoegaze, dream pop; moods: dreamy, melancholic]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("   2  0.8462  Lush - Sweetness and Light  [genres: shoegaze, dream pop; moods: dreamy]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("   6  0.1538  Chet Baker - Almost Blue  [moods: melancholic]"), std::string::npos) << out;
  const std::vector<std::string> order = {"Ride", "Lush", "Pale Saints", "Swervedriver", "Beach House", "Chet Baker"};
  std::size_t at = 0;
  for (const auto& name : order) {
    std::size_t next = out.find(name + " - ", at);
    ASSERT_NE(next, std::string::npos) << name << " missing or out of order:\n" << out;
    at = next;
  }
  EXPECT_EQ(out.find("Slayer"), std::string::npos) << out;
}

TEST_F(SimilarCliTest, LimitAndM3uPlaylist) {
  TempDir dir;
  const auto playlist = dir.path() / "alison.m3u";
  auto run = Similar({"--id", "1", "--limit", "3", "--m3u", playlist.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("Swervedriver"), std::string::npos) << run.out;  // rank 4: cut by --limit
  EXPECT_EQ(ReadFile(playlist),
            "#EXTM3U\n"
            "#EXTINF:231,Slowdive - Alison\n"
            "spotify:track:spAlison\n"
            "#EXTINF:258,Ride - Vapour Trail\n"
            "https://musicbrainz.org/recording/0f3ef23d-8ee3-4bd5-9a5f-8b9a4b7a8e0c\n"
            "#EXTINF:-1,Lush - Sweetness and Light\n"
            "tunefleet:track:3\n"
            "#EXTINF:-1,Pale Saints - Sight of You\n"
            "tunefleet:track:11\n");
}

TEST_F(SimilarCliTest, SeveralTracksWithTheNameAreReportedAndOneIsPickedDeterministically) {
  InsertTrack(db_, 20, "Ride", "Vapour Trail", "{shoegaze}", "{}");  // no neighbours: 2 is preferred
  InsertTrack(db_, 21, "ride", "vapour  trail", "{shoegaze}", "{}");
  auto run = Similar({"Ride - Vapour Trail"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("3 tracks are named"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("showing id 2"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("20, 21"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("Ride - Vapour Trail (id 2;"), std::string::npos) << run.out;
}

TEST_F(SimilarCliTest, TitleContainingADashIsFound) {
  InsertTrack(db_, 30, "Ride", "Leave Them All Behind - 2001 Remaster", "{shoegaze}", "{dreamy}");
  auto builder = recommend::MakeRecommendBuilder(db_.dsn(), recommend::RecommendSettings{}, kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({30}));
  auto run = Similar({"Ride - Leave Them All Behind - 2001 Remaster"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("(id 30;"), std::string::npos) << run.out;
}

TEST_F(SimilarCliTest, UnknownTrackSaysHowItWasLookedUp) {
  auto run = Similar({"Slowdive - Souvlaki Space Station"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("no track named \"Slowdive - Souvlaki Space Station\""), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("\"slowdive|souvlaki space station\""), std::string::npos) << run.err;
  auto by_id = Similar({"--id", "777"});
  EXPECT_EQ(by_id.exit_code, 1);
  EXPECT_NE(by_id.err.find("no track with id 777"), std::string::npos) << by_id.err;
}

TEST_F(SimilarCliTest, TrackWithoutNeighboursYetSaysSo) {
  auto run = Similar({"--id", "4"});  // never rebuilt
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("no similar tracks yet"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("tunefleet-recommend"), std::string::npos) << run.out;
}

TEST_F(SimilarCliTest, BadFlagsExitTwoWithOneLine) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--bogus"},
                                                                {},
                                                                {"--id", "abc"},
                                                                {"--id"},
                                                                {"--limit", "0", "--id", "1"},
                                                                {"no dash here"},
                                                                {"A - B", "--id", "1"},
                                                                {"A - B", "extra"}}) {
    auto run = Similar(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(run.exit_code, 2) << joined << "\n" << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << joined << "\n" << run.err;
    EXPECT_EQ(run.err.rfind("tunefleet similar: ", 0), 0u) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
  auto help = Similar({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--m3u FILE"), std::string::npos);
}

TEST(SimilarCli, UnreachableDatabaseNamesHostPortAndTheVariable) {
  const int port = FreePort();
  auto run = RunTunefleet({"similar", "--id", "1"},
                          {{"TUNEFLEET_PG_DSN", "postgresql://tunefleet:s3cretpw@127.0.0.1:" + std::to_string(port) +
                                                    "/tunefleet"}});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("TUNEFLEET_PG_DSN"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("s3cretpw"), std::string::npos) << run.err;
}

}  // namespace
