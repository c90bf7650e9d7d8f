// The built tunefleet-spotify binary's `normalize FILE` subcommand.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "tests/support/shell_command.hpp"

namespace spotify {
namespace {

// Runs the binary with stdout captured (stderr merged) and returns its exit code.
test_support::CommandOutput Normalize(const std::string& file) {
  std::string command = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-spotify normalize '" + file + "' 2>&1";
  return test_support::RunShellCommand(command);
}

std::string Data(const std::string& name) { return std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/spotify/" + name; }

TEST(SpotifyNormalizeCommand, PrintsTheNormalizedTrackRecord) {
  test_support::CommandOutput run = Normalize(Data("beets-track-multiartist.json"));
  ASSERT_EQ(run.code, 0) << run.out;
  rapidjson::Document doc;
  doc.Parse(run.out.c_str());
  ASSERT_FALSE(doc.HasParseError()) << run.out;
  EXPECT_STREQ(doc["provider"].GetString(), "spotify");
  EXPECT_STREQ(doc["shape"].GetString(), "track");
  EXPECT_STREQ(doc["outcome"].GetString(), "record");
  const auto& fields = doc["record"]["fields"];
  EXPECT_STREQ(fields["title"].GetString(), "Akiba Nights");
  EXPECT_STREQ(fields["isrc"].GetString(), "GBSMU4566095");
  EXPECT_EQ(fields["duration_ms"].GetInt(), 225268);
  EXPECT_STREQ(doc["record"]["external_id"].GetString(), "6sjZfVJworBX6TqyjkxIJ1");
}

TEST(SpotifyNormalizeCommand, ReportsAnErrorBodyAsSuch) {
  test_support::CommandOutput run = Normalize(Data("jmperez-error-not-found-legacy.json"));
  ASSERT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find(R"("shape": "error")"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(R"("outcome": "not_found")"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("non existing id"), std::string::npos) << run.out;
}

TEST(SpotifyNormalizeCommand, MalformedFileExitsOneWithAClearMessage) {
  auto path = std::filesystem::temp_directory_path() / ("spotify-truncated-" + std::to_string(getpid()) + ".json");
  {
    std::ofstream out(path);
    out << R"({"tracks":{"items":[{"id":"a","name")";
  }
  test_support::CommandOutput run = Normalize(path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(run.code, 1) << run.out;
  EXPECT_NE(run.out.find("malformed JSON"), std::string::npos) << run.out;
  test_support::CommandOutput missing = Normalize("/nonexistent/spotify.json");
  EXPECT_EQ(missing.code, 1) << missing.out;
  EXPECT_NE(missing.out.find("cannot read"), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace spotify
