// `tunefleet-musicbrainz normalize FILE`: the built binary on recorded answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/support/shell_command.hpp"

namespace {

using ::testing::HasSubstr;

test_support::CommandOutput Normalize(const std::string& file) {
  std::string command = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-musicbrainz normalize " + file + " 2>&1";
  return test_support::RunShellCommand(command);
}

std::string DataPath(const std::string& name) { return std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/musicbrainz/" + name; }

TEST(MusicBrainzNormalizeCommand, PrintsTheRecordOfARecordingLookup) {
  auto run = Normalize(DataPath("own-recording-lookup-multi-artist-credit.json"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"shape\": \"recording\""));
  EXPECT_THAT(run.out, HasSubstr("\"artist_credit\": \"DJ Okapi feat. Ire & The Harmattan Choir\""));
  EXPECT_THAT(run.out, HasSubstr("\"mbid\": \"5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c\""));
}

TEST(MusicBrainzNormalizeCommand, PrintsTheBestHitOfASearch) {
  auto run = Normalize(DataPath("own-recording-search.json"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"candidates\": 3"));
  EXPECT_THAT(run.out, HasSubstr("\"external_id\": \"3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9\""));
}

TEST(MusicBrainzNormalizeCommand, ReportsAnErrorBodyAsAnError) {
  auto run = Normalize(DataPath("own-error-404.json"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"shape\": \"error\""));
  EXPECT_THAT(run.out, HasSubstr("\"kind\": \"not_found\""));
}

TEST(MusicBrainzNormalizeCommand, MalformedFileExitsOneWithAClearMessage) {
  auto run = Normalize(DataPath("malformed-truncated.json"));
  EXPECT_EQ(run.code, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr("malformed JSON"));
  auto missing = Normalize(DataPath("does-not-exist.json"));
  EXPECT_EQ(missing.code, 1) << missing.out;
  EXPECT_THAT(missing.out, HasSubstr("cannot read"));
}

}  // namespace
