// `tunefleet-discogs normalize FILE` through the built binary: JSON on stdout and exit 0
// for every recorded body, a one-line message and exit 1 for a malformed one.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/support/shell_command.hpp"

namespace {

// Runs the binary through the shell with stderr folded into stdout.
test_support::CommandOutput Normalize(const std::string& args) {
  std::string command = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-discogs normalize " + args + " 2>&1";
  return test_support::RunShellCommand(command);
}

std::string Data(const std::string& name) { return std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/discogs/" + name; }

TEST(DiscogsNormalizeCommand, ReleasePrintsTheAlbumAndTrackRecords) {
  test_support::CommandOutput run = Normalize(Data("harmony-release-1503102-rick-astley.json"));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("\"shape\": \"release\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"external_id\": \"1503102\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"duration_ms\": 212000"), std::string::npos) << run.out;
}

TEST(DiscogsNormalizeCommand, EveryRecordedShapeIsRecognized) {
  const std::pair<const char*, const char*> cases[] = {
      {"buntine-database-search-moonblood.json", "\"shape\": \"search\""},
      {"maxep-database-search-nirvana-paged.json", "\"pages\": 66"},
      {"joalla-database-search-q-trash80.json", "\"best\": 1743771"},
      {"joalla-master-4242.json", "\"shape\": \"master\""},
      {"buntine-master-synkopy.json", "\"external_id\": \"master:9800\""},
      {"harmony-release-16004480-various-clockwork-orange.json", "\"artist_credit\": \"Walter Carlos\""},
      {"harmony-release-11578434-non-music-audiobook.json", "\"genres\": []"},
      {"harmony-release-8604223-pink-floyd-ummagumma.json", "\"release_date\": \"2016-06-03\""},
      {"joalla-release-1.json", "\"release_date\": \"1999-03\""},
      {"joalla-release-79.json", "\"release_date\": \"1998-12\""},
      {"swiftdiscogs-error-release-404.json", "\"outcome\": \"not_found\""},
  };
  for (const auto& [file, expected] : cases) {
    test_support::CommandOutput run = Normalize(Data(file));
    EXPECT_EQ(run.code, 0) << file << ": " << run.out;
    EXPECT_NE(run.out.find(expected), std::string::npos) << file << ": " << run.out.substr(0, 2000);
  }
}

TEST(DiscogsNormalizeCommand, MalformedFileExitsOneWithAClearMessage) {
  test_support::CommandOutput run = Normalize(Data("malformed-truncated-release.json"));
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.out.find("malformed-truncated-release.json: saved response: malformed JSON: body is not JSON (truncated?)"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << "one line: " << run.out;

  test_support::CommandOutput html = Normalize(Data("malformed-html-error-page.html"));
  EXPECT_EQ(html.code, 1);
  EXPECT_NE(html.out.find("HTML"), std::string::npos) << html.out;
}

TEST(DiscogsNormalizeCommand, MissingFileExitsOneAndNoFileIsAUsageError) {
  test_support::CommandOutput missing = Normalize(Data("no-such-file.json"));
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("cannot read"), std::string::npos) << missing.out;
  test_support::CommandOutput usage = Normalize("");
  EXPECT_EQ(usage.code, 2);
  EXPECT_NE(usage.out.find("usage"), std::string::npos) << usage.out;
}

}  // namespace
