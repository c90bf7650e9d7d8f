#include <gtest/gtest.h>

#include <map>

#include "workers/features/features_builder.hpp"
#include "common/resilience/clock.hpp"

namespace features {
namespace {

const resilience::SteadyClock kSteadyClock;  // the builders' caches and refreshes

config::Env EnvOf(std::map<std::string, std::string> values) {
  return config::Env([values](const std::string& key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

TEST(LoadFeaturesSettings, DefaultsWhenNothingIsSet) {
  const FeaturesSettings s = LoadFeaturesSettings(EnvOf({}));
  EXPECT_EQ(s.top_genres, 50);
  EXPECT_EQ(s.top_moods, 20);
  EXPECT_EQ(s.vocabulary_refresh, std::chrono::minutes{5});
  EXPECT_EQ(s.vocabulary_min_tracks, 3);
  EXPECT_DOUBLE_EQ(s.vocabulary_margin, 0.10);
  EXPECT_EQ(s.background_chunk, 500);
}

TEST(LoadFeaturesSettings, ReadsEveryVariable) {
  const FeaturesSettings s = LoadFeaturesSettings(EnvOf({{"TUNEFLEET_FEATURES_TOP_GENRES", "30"},
                                                         {"TUNEFLEET_FEATURES_TOP_MOODS", "8"},
                                                         {"TUNEFLEET_FEATURES_VOCABULARY_REFRESH", "30s"},
                                                         {"TUNEFLEET_FEATURES_VOCABULARY_MIN_TRACKS", "10"},
                                                         {"TUNEFLEET_FEATURES_VOCABULARY_MARGIN", "0.25"},
                                                         {"TUNEFLEET_FEATURES_BACKGROUND_CHUNK", "200"}}));
  EXPECT_EQ(s.top_genres, 30);
  EXPECT_EQ(s.top_moods, 8);
  EXPECT_EQ(s.vocabulary_refresh, std::chrono::seconds{30});
  EXPECT_EQ(s.vocabulary_min_tracks, 10);
  EXPECT_DOUBLE_EQ(s.vocabulary_margin, 0.25);
  EXPECT_EQ(s.background_chunk, 200);
}

void ExpectErrorNaming(const std::string& key, const std::string& value) {
  try {
    (void)LoadFeaturesSettings(EnvOf({{key, value}}));
    ADD_FAILURE() << key << "=" << value << " was accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}

TEST(LoadFeaturesSettings, BadValuesThrowNamingTheVariable) {
  ExpectErrorNaming("TUNEFLEET_FEATURES_TOP_GENRES", "many");
  ExpectErrorNaming("TUNEFLEET_FEATURES_TOP_GENRES", "-1");
  ExpectErrorNaming("TUNEFLEET_FEATURES_TOP_MOODS", "5000");
  ExpectErrorNaming("TUNEFLEET_FEATURES_VOCABULARY_REFRESH", "10ms");
  ExpectErrorNaming("TUNEFLEET_FEATURES_VOCABULARY_REFRESH", "soon");
  ExpectErrorNaming("TUNEFLEET_FEATURES_VOCABULARY_MIN_TRACKS", "0");
  ExpectErrorNaming("TUNEFLEET_FEATURES_VOCABULARY_MARGIN", "-0.5");
  ExpectErrorNaming("TUNEFLEET_FEATURES_BACKGROUND_CHUNK", "0");
}

TEST(MakeFeaturesBuilder, IsNamedFeaturesAndOpensNoConnection) {
  // An unreachable DSN: construction must not connect (connections are opened lazily).
  auto builder = MakeFeaturesBuilder("postgresql://nobody@127.0.0.1:1/none", FeaturesSettings{}, kSteadyClock);
  EXPECT_EQ(builder->Name(), "features");
}

}  // namespace
}  // namespace features
