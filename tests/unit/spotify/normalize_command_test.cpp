// The built tunefleet-spotify binary's `normalize FILE` subcommand.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace spotify {
namespace {

struct CommandRun {
  int code = -1;
  std::string out;
};

// Runs the binary with stdout captured (stderr merged) and returns its exit code.
CommandRun Normalize(const std::string& file) {
  std::string command = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-spotify normalize '" + file + "' 2>&1";
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Data(const std::string& name) { return std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/spotify/" + name; }

TEST(SpotifyNormalizeCommand, PrintsTheNormalizedTrackRecord) {
  CommandRun run = Normalize(Data("beets-track-multiartist.json"));
  ASSERT_EQ(run.code, 0) << run.out;
  rapidjson::Document doc;
  doc.Parse(run.out.c_str());
  ASSERT_FALSE(doc.HasParseError()) << run.out;
  EXPECT_STREQ(doc["endpoint"].GetString(), "track");
  const auto& fields = doc["record"]["fields"];
  EXPECT_STREQ(fields["title"].GetString(), "Akiba Nights");
  EXPECT_STREQ(fields["isrc"].GetString(), "GBSMU4566095");
  EXPECT_EQ(fields["duration_ms"].GetInt(), 225268);
  EXPECT_STREQ(doc["record"]["external_id"].GetString(), "6sjZfVJworBX6TqyjkxIJ1");
}

TEST(SpotifyNormalizeCommand, ReportsAnErrorBodyAsSuch) {
  CommandRun run = Normalize(Data("jmperez-error-not-found-legacy.json"));
  ASSERT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find(R"("endpoint":"error")"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("non existing id"), std::string::npos) << run.out;
}

TEST(SpotifyNormalizeCommand, MalformedFileExitsOneWithAClearMessage) {
  auto path = std::filesystem::temp_directory_path() / ("spotify-truncated-" + std::to_string(getpid()) + ".json");
  {
    std::ofstream out(path);
    out << R"({"tracks":{"items":[{"id":"a","name")";
  }
  CommandRun run = Normalize(path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(run.code, 1) << run.out;
  EXPECT_NE(run.out.find("malformed JSON"), std::string::npos) << run.out;
  CommandRun missing = Normalize("/nonexistent/spotify.json");
  EXPECT_EQ(missing.code, 1) << missing.out;
  EXPECT_NE(missing.out.find("cannot read"), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace spotify
