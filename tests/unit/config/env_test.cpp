#include "common/config/env.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace config {
namespace {

using namespace std::chrono_literals;

Env FakeEnv(std::map<std::string, std::string> values) {
  return Env([values = std::move(values)](const std::string& key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Env, UnsetAndEmptyValuesFallBackToDefaults) {
  Env env = FakeEnv({{"A", ""}});
  EXPECT_EQ(env.String("A", "fallback"), "fallback");
  EXPECT_EQ(env.Int("B", 7, 0, 10), 7);
  EXPECT_EQ(env.Duration("C", 5s), 5s);
}

TEST(Env, IntRejectsGarbageNamingTheVariable) {
  Env env = FakeEnv({{"TUNEFLEET_METRICS_PORT", "abc"}});
  std::string error = ErrorOf([&] { env.Int("TUNEFLEET_METRICS_PORT", 1, 0, 65535); });
  EXPECT_NE(error.find("TUNEFLEET_METRICS_PORT"), std::string::npos) << error;
  EXPECT_NE(error.find("not a whole number"), std::string::npos) << error;
}

TEST(Env, IntRejectsOutOfRangeWithTheRange) {
  Env env = FakeEnv({{"PORT", "70000"}});
  std::string error = ErrorOf([&] { env.Int("PORT", 1, 0, 65535); });
  EXPECT_NE(error.find("0..65535"), std::string::npos) << error;
}

TEST(Env, DurationAcceptsUnits) {
  Env env = FakeEnv({{"A", "250ms"}, {"B", "5s"}, {"C", "2m"}, {"D", "1h"}, {"E", "1500"}, {"F", "1.5s"}});
  EXPECT_EQ(env.Duration("A", 0ms), 250ms);
  EXPECT_EQ(env.Duration("B", 0ms), 5s);
  EXPECT_EQ(env.Duration("C", 0ms), 2min);
  EXPECT_EQ(env.Duration("D", 0ms), 1h);
  EXPECT_EQ(env.Duration("E", 0ms), 1500ms);
  EXPECT_EQ(env.Duration("F", 0ms), 1500ms);
}

TEST(Env, DurationRejectsUnknownUnit) {
  Env env = FakeEnv({{"TIMEOUT", "5 parsecs"}});
  std::string error = ErrorOf([&] { env.Duration("TIMEOUT", 1s); });
  EXPECT_NE(error.find("TIMEOUT"), std::string::npos) << error;
  EXPECT_NE(error.find("250ms"), std::string::npos) << error;
}

TEST(Env, BoolAcceptsCommonSpellingsOnly) {
  Env env = FakeEnv({{"A", "true"}, {"B", "0"}, {"C", "maybe"}});
  EXPECT_TRUE(env.Bool("A", false));
  EXPECT_FALSE(env.Bool("B", true));
  EXPECT_NE(ErrorOf([&] { env.Bool("C", true); }).find("C=\"maybe\""), std::string::npos);
}

TEST(Env, UrlChecksSchemeAndNeverEchoesThePassword) {
  Env env = FakeEnv({{"TUNEFLEET_AMQP_URL", "http://user:s3cret@host:1/"}});
  std::string error = ErrorOf([&] { env.Url("TUNEFLEET_AMQP_URL", "amqp://h:1/", {"amqp", "amqps"}); });
  EXPECT_NE(error.find("TUNEFLEET_AMQP_URL"), std::string::npos) << error;
  EXPECT_NE(error.find("amqp"), std::string::npos) << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
}

TEST(Env, UrlRejectsMissingHost) {
  Env env = FakeEnv({{"TUNEFLEET_REDIS_URL", "not a url"}});
  EXPECT_FALSE(ErrorOf([&] { env.Url("TUNEFLEET_REDIS_URL", "redis://h:1", {"redis"}); }).empty());
}

TEST(Env, UrlAcceptsValidUrl) {
  Env env = FakeEnv({{"U", "amqp://guest:guest@127.0.0.1:5672/%2f"}});
  EXPECT_EQ(env.Url("U", "", {"amqp"}), "amqp://guest:guest@127.0.0.1:5672/%2f");
}

TEST(Env, OneOfListsTheChoices) {
  Env env = FakeEnv({{"TUNEFLEET_LOG_LEVEL", "loud"}});
  std::string error = ErrorOf([&] { env.OneOf("TUNEFLEET_LOG_LEVEL", "info", {"debug", "info"}); });
  EXPECT_NE(error.find("debug, info"), std::string::npos) << error;
}

TEST(Env, SecretReadsFileAndStripsTrailingNewline) {
  auto path = std::filesystem::temp_directory_path() / "tunefleet_env_test_secret";
  std::ofstream(path) << "hunter2\n";
  Env env = FakeEnv({{"TOKEN_FILE", path.string()}});
  EXPECT_EQ(env.Secret("TOKEN", ""), "hunter2");
  std::filesystem::remove(path);
}

TEST(Env, SecretRefusesBothValueAndFile) {
  Env env = FakeEnv({{"TOKEN", "a"}, {"TOKEN_FILE", "/x"}});
  EXPECT_NE(ErrorOf([&] { env.Secret("TOKEN", ""); }).find("TOKEN_FILE"), std::string::npos);
}

TEST(Env, SecretNamesAnUnreadableFile) {
  Env env = FakeEnv({{"TOKEN_FILE", "/nonexistent/token"}});
  EXPECT_NE(ErrorOf([&] { env.Secret("TOKEN", ""); }).find("/nonexistent/token"), std::string::npos);
}

TEST(Env, ErrorsAreOneLine) {
  Env env = FakeEnv({{"X", "a\nb"}});
  std::string error = ErrorOf([&] { env.Int("X", 0, 0, 1); });
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

}  // namespace
}  // namespace config
