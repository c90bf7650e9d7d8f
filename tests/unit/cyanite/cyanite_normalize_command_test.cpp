// `tunefleet-cyanite normalize FILE`: the built binary on the modelled answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/support/shell_command.hpp"

namespace {

using ::testing::HasSubstr;

test_support::CommandOutput Normalize(const std::string& file) {
  std::string command = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-cyanite normalize " + file + " 2>&1";
  return test_support::RunShellCommand(command);
}

std::string DataPath(const std::string& name) {
  return std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/cyanite/" + name;
}

TEST(CyaniteNormalizeCommand, PrintsTheRecordOfAFinishedAnalysis) {
  auto run = Normalize(DataPath("spotifytrack-finished.json"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"provider\": \"cyanite\""));
  EXPECT_THAT(run.out, HasSubstr("\"shape\": \"spotifyTrack\""));
  EXPECT_THAT(run.out, HasSubstr("\"outcome\": \"record\""));
  EXPECT_THAT(run.out, HasSubstr("\"melancholic\""));
  EXPECT_THAT(run.out, HasSubstr("\"tempo\""));
}

TEST(CyaniteNormalizeCommand, PendingIsTransientAndFailedIsNotFound) {
  auto pending = Normalize(DataPath("spotifytrack-processing.json"));
  EXPECT_EQ(pending.code, 0) << pending.out;
  EXPECT_THAT(pending.out, HasSubstr("\"outcome\": \"transient\""));
  auto failed = Normalize(DataPath("spotifytrack-failed.json"));
  EXPECT_EQ(failed.code, 0) << failed.out;
  EXPECT_THAT(failed.out, HasSubstr("\"outcome\": \"not_found\""));
  auto enqueue = Normalize(DataPath("enqueue-error.json"));
  EXPECT_THAT(enqueue.out, HasSubstr("\"shape\": \"spotifyTrackEnqueue\""));
  EXPECT_THAT(enqueue.out, HasSubstr("\"outcome\": \"not_found\""));
}

TEST(CyaniteNormalizeCommand, GraphqlErrorIsAnErrorAnswer) {
  auto run = Normalize(DataPath("graphql-error-validation.json"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"shape\": \"error\""));
  EXPECT_THAT(run.out, HasSubstr("\"outcome\": \"permanent\""));
}

TEST(CyaniteNormalizeCommand, UnknownShapeExitsOne) {
  auto run = Normalize(DataPath("README.md"));
  EXPECT_EQ(run.code, 1) << run.out;
}

}  // namespace
