// `tunefleet-<provider> normalize FILE` across the provider binaries: one recorded error
// answer each gives the same output shape, classified as the runtime classifies it.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>

#include "tests/support/shell_command.hpp"

namespace {

struct ErrorCase {
  std::string provider;
  std::string file;     // under tests/data/<provider>/
  std::string outcome;  // not_found, transient, permanent
  bool has_code;        // Last.fm's error codes, Spotify's status
};

test_support::CommandOutput Normalize(const std::string& provider, const std::string& file) {
  std::string command = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-" + provider + " normalize '" +
                        TUNEFLEET_SOURCE_DIR + "/tests/data/" + provider + "/" + file + "'";
  return test_support::RunShellCommand(command);
}

std::set<std::string> Keys(const rapidjson::Value& object) {
  std::set<std::string> keys;
  for (const auto& member : object.GetObject()) keys.insert(member.name.GetString());
  return keys;
}

TEST(ProviderNormalizeCommand, EveryProviderPrintsAnErrorAnswerInTheSameShape) {
  const ErrorCase cases[] = {
      {"lastfm", "koel-error-6-album-not-found.json", "not_found", true},
      {"lastfm", "own-error-29-rate-limit.json", "transient", true},
      {"lastfm", "own-error-10-invalid-key.json", "permanent", true},
      {"musicbrainz", "own-error-404.json", "not_found", false},
      {"musicbrainz", "own-error-503-rate-limit.json", "transient", false},
      {"spotify", "jmperez-error-not-found-legacy.json", "not_found", false},
      {"spotify", "java-token-error-invalid-client.json", "transient", false},
      {"discogs", "swiftdiscogs-error-release-404.json", "not_found", false},
      {"cyanite", "spotifytrack-not-found.json", "not_found", false},
      {"cyanite", "spotifytrack-processing.json", "transient", false},
      {"cyanite", "graphql-error-unauthenticated.json", "permanent", false},
      {"aoty", "album-no-user-box.html", "permanent", false},
  };
  const std::set<std::string> top = {"provider", "shape", "outcome", "error"};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.provider + " " + c.file);
    test_support::CommandOutput run = Normalize(c.provider, c.file);
    ASSERT_EQ(run.code, 0) << run.out;
    rapidjson::Document doc;
    doc.Parse(run.out.c_str());
    ASSERT_FALSE(doc.HasParseError()) << run.out;
    ASSERT_TRUE(doc.IsObject()) << run.out;
    EXPECT_EQ(Keys(doc), top) << run.out;
    EXPECT_EQ(std::string(doc["provider"].GetString()), c.provider);
    EXPECT_EQ(std::string(doc["outcome"].GetString()), c.outcome);
    const rapidjson::Value& error = doc["error"];
    std::set<std::string> error_keys = {"kind", "message"};
    if (c.has_code) error_keys.insert("code");
    EXPECT_EQ(Keys(error), error_keys) << run.out;
    std::string kind = error["kind"].GetString();
    // The outcome is the error's kind, with kInvalidInput called what it means for the job.
    EXPECT_EQ(kind == "invalid_input" ? std::string("permanent") : kind, c.outcome);
    EXPECT_FALSE(std::string(error["message"].GetString()).empty());
  }
}

TEST(ProviderNormalizeCommand, EveryProviderPrintsARecordInTheSameShape) {
  const std::pair<const char*, const char*> cases[] = {
      {"lastfm", "if-album-gettoptags-cher-believe.json"},
      {"musicbrainz", "own-recording-lookup-multi-artist-credit.json"},
      {"spotify", "beets-track-multiartist.json"},
      {"discogs", "harmony-release-1503102-rick-astley.json"},
      {"cyanite", "spotifytrack-finished.json"},
      {"aoty", "album-both-scores.html"},
  };
  for (const auto& [provider, file] : cases) {
    SCOPED_TRACE(std::string(provider) + " " + file);
    test_support::CommandOutput run = Normalize(provider, file);
    ASSERT_EQ(run.code, 0) << run.out;
    rapidjson::Document doc;
    doc.Parse(run.out.c_str());
    ASSERT_FALSE(doc.HasParseError()) << run.out;
    EXPECT_EQ(Keys(doc), (std::set<std::string>{"provider", "shape", "outcome", "record"})) << run.out;
    EXPECT_STREQ(doc["outcome"].GetString(), "record");
    EXPECT_TRUE(doc["record"].IsObject());
  }
}

TEST(ProviderNormalizeCommand, EveryProviderSharesTheUsageAndFileErrors) {
  for (const char* provider : {"lastfm", "musicbrainz", "spotify", "discogs", "cyanite", "aoty"}) {
    SCOPED_TRACE(provider);
    std::string binary = std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-" + provider;
    auto usage = test_support::RunShellCommand(binary + " normalize 2>&1");
    EXPECT_EQ(usage.code, 2) << usage.out;
    EXPECT_EQ(usage.out.rfind(std::string("usage: tunefleet-") + provider + " normalize FILE", 0), 0u) << usage.out;
    auto missing = test_support::RunShellCommand(binary + " normalize /nonexistent/answer.json 2>&1");
    EXPECT_EQ(missing.code, 1) << missing.out;
    EXPECT_EQ(missing.out, std::string("tunefleet-") + provider + " normalize: cannot read /nonexistent/answer.json\n");
  }
}

}  // namespace
