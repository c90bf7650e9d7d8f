// `tunefleet-lastfm normalize FILE`: the built binary on recorded answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/support/shell_command.hpp"

namespace {

using ::testing::HasSubstr;

test_support::CommandOutput Normalize(const std::string& file) {
  std::string command = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-lastfm normalize " + file + " 2>&1";
  return test_support::RunShellCommand(command);
}

std::string DataPath(const std::string& name) { return std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/lastfm/" + name; }

TEST(LastfmNormalizeCommand, PrintsTheRecordOfATopTagsAnswer) {
  auto run = Normalize(DataPath("if-album-gettoptags-cher-believe.json"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"shape\": \"toptags\""));
  EXPECT_THAT(run.out, HasSubstr("\"provider\": \"lastfm\""));
  EXPECT_THAT(run.out, HasSubstr("\"pop\""));
  EXPECT_THAT(run.out, HasSubstr("\"disco\""));
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("\"sourabh\"")));
}

TEST(LastfmNormalizeCommand, ReportsAnErrorBodyAsAnError) {
  auto run = Normalize(DataPath("koel-error-6-album-not-found.json"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"shape\": \"error\""));
  EXPECT_THAT(run.out, HasSubstr("\"code\": 6"));
  EXPECT_THAT(run.out, HasSubstr("\"kind\": \"not_found\""));
}

TEST(LastfmNormalizeCommand, MalformedFileExitsOneWithAClearMessage) {
  auto run = Normalize(DataPath("malformed-truncated.json"));
  EXPECT_EQ(run.code, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("malformed JSON"));
  auto missing = Normalize(DataPath("does-not-exist.json"));
  EXPECT_EQ(missing.code, 1) << missing.out;
  EXPECT_THAT(missing.out, HasSubstr("cannot read"));
}

}  // namespace
