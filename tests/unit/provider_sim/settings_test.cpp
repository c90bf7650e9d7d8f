#include "tools/provider_sim/settings.hpp"

#include <gtest/gtest.h>

#include <map>

namespace provider_sim {
namespace {

using namespace std::chrono_literals;

config::Env FakeEnv(std::map<std::string, std::string> vars) {
  return config::Env([vars](const std::string& key) -> std::optional<std::string> {
    auto it = vars.find(key);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

TEST(ProviderSimSettings, DefaultsFollowThePolicyTable) {
  SimSettings s = ParseSettings({}, FakeEnv({}));
  EXPECT_EQ(s.of(Provider::kSpotify).rate_per_second, 10);
  EXPECT_EQ(s.of(Provider::kSpotify).burst, 10);
  EXPECT_EQ(s.of(Provider::kLastfm).rate_per_second, 5);
  EXPECT_EQ(s.of(Provider::kMusicbrainz).rate_per_second, 1);
  EXPECT_EQ(s.of(Provider::kMusicbrainz).burst, 1);
  EXPECT_EQ(s.of(Provider::kDiscogs).rate_per_second, 1);
  EXPECT_EQ(s.of(Provider::kDiscogs).burst, 5);
  EXPECT_EQ(s.not_found_share, 0.05);
  EXPECT_EQ(s.port, 0);
}

TEST(ProviderSimSettings, FlagsOverrideEnvironment) {
  SimSettings s = ParseSettings({"--spotify-latency-ms", "50", "--spotify-error-kinds=500,timeout", "--unlimited",
                                 "--discogs-rate", "120/min"},
                                FakeEnv({{"TUNEFLEET_SIM_SPOTIFY_LATENCY_MS", "10"},
                                         {"TUNEFLEET_SIM_SPOTIFY_JITTER_MS", "20"},
                                         {"TUNEFLEET_SIM_SEED", "9"}}));
  EXPECT_EQ(s.of(Provider::kSpotify).latency, 50ms);
  EXPECT_EQ(s.of(Provider::kSpotify).jitter, 20ms);
  EXPECT_EQ(s.seed, 9u);
  EXPECT_TRUE(s.unlimited);
  EXPECT_EQ(s.of(Provider::kDiscogs).rate_per_second, 2);
  ASSERT_EQ(s.of(Provider::kSpotify).error_kinds.size(), 2u);
  EXPECT_EQ(s.of(Provider::kSpotify).error_kinds[1], FaultKind::kTimeout);
}

TEST(ProviderSimSettings, BadValuesThrowNamingTheFlagOrVariable) {
  auto message = [](std::vector<std::string> args, std::map<std::string, std::string> env) {
    try {
      ParseSettings(args, FakeEnv(env));
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({"--lastfm-error-rate", "1.5"}, {}).find("--lastfm-error-rate"), std::string::npos);
  EXPECT_NE(message({"--spotify-error-kinds", "500,teapot"}, {}).find("teapot"), std::string::npos);
  EXPECT_NE(message({"--nope"}, {}).find("--nope"), std::string::npos);
  EXPECT_NE(message({"--port"}, {}).find("needs a value"), std::string::npos);
  EXPECT_NE(message({}, {{"TUNEFLEET_SIM_MUSICBRAINZ_BURST", "0"}}).find("TUNEFLEET_SIM_MUSICBRAINZ_BURST"),
            std::string::npos);
  EXPECT_NE(message({"--discogs-rate", "60/day"}, {}).find("unit"), std::string::npos);
}

TEST(ProviderSimSettings, HugeAndDripFaultsHaveTheirSizeAndPace) {
  SimSettings defaults = ParseSettings({}, FakeEnv({}));
  EXPECT_EQ(defaults.huge_body_bytes, 100u << 20);
  EXPECT_EQ(defaults.drip_interval, 1000ms);
  SimSettings s = ParseSettings({"--lastfm-error-kinds", "huge,huge-chunked,drip", "--huge-body-bytes", "4096"},
                                FakeEnv({{"TUNEFLEET_SIM_DRIP_INTERVAL_MS", "20"}}));
  EXPECT_EQ(s.of(Provider::kLastfm).error_kinds,
            (std::vector<FaultKind>{FaultKind::kHuge, FaultKind::kHugeChunked, FaultKind::kDrip}));
  EXPECT_EQ(s.huge_body_bytes, 4096u);
  EXPECT_EQ(s.drip_interval, 20ms);
  EXPECT_THROW(ParseSettings({"--drip-interval-ms", "0"}, FakeEnv({})), config::ConfigError);
  EXPECT_THROW(ParseSettings({"--huge-body-bytes", "10"}, FakeEnv({})), config::ConfigError);
}

TEST(ProviderSimSettings, RuntimeConfigUsesJsonSpellings) {
  SimSettings s = DefaultSettings();
  auto error = ApplyConfigJson(
      R"({"spotify":{"error_rate":1.0,"error_kinds":["503"],"latency_ms":5},"not_found_share":0.1,"unlimited":true})", s);
  ASSERT_FALSE(error.has_value()) << *error;
  EXPECT_EQ(s.of(Provider::kSpotify).error_rate, 1.0);
  EXPECT_EQ(s.of(Provider::kSpotify).error_kinds, std::vector<FaultKind>{FaultKind::k503});
  EXPECT_EQ(s.of(Provider::kSpotify).latency, 5ms);
  EXPECT_EQ(s.not_found_share, 0.1);
  EXPECT_TRUE(s.unlimited);
}

}  // namespace
}  // namespace provider_sim
