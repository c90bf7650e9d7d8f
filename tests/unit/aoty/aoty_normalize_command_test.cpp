// `tunefleet-aoty normalize FILE`: the built binary on the modelled pages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/support/shell_command.hpp"

namespace {

using ::testing::HasSubstr;

test_support::CommandOutput Normalize(const std::string& file) {
  std::string command = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-aoty normalize " + file + " 2>&1";
  return test_support::RunShellCommand(command);
}

std::string DataPath(const std::string& name) { return std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/aoty/" + name; }

TEST(AotyNormalizeCommand, PrintsTheRecordOfAnAlbumPage) {
  auto run = Normalize(DataPath("album-both-scores.html"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"provider\": \"aoty\""));
  EXPECT_THAT(run.out, HasSubstr("\"shape\": \"album\""));
  EXPECT_THAT(run.out, HasSubstr("\"aoty_critic_score\": 87.4"));
  EXPECT_THAT(run.out, HasSubstr("\"aoty_user_count\": 31842"));
}

TEST(AotyNormalizeCommand, PrintsTheCandidatesOfASearchPage) {
  auto run = Normalize(DataPath("search-several.html"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"shape\": \"search\""));
  EXPECT_THAT(run.out, HasSubstr("\"candidates\": 4"));
  EXPECT_THAT(run.out, HasSubstr("/album/57799-frank-ocean-blonde.php"));
}

TEST(AotyNormalizeCommand, ReportsAChangedPageAsPermanent) {
  auto run = Normalize(DataPath("album-no-user-box.html"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"outcome\": \"permanent\""));
  EXPECT_THAT(run.out, HasSubstr("no div.albumUserScoreBox"));
}

}  // namespace
