#include <gtest/gtest.h>

#include <map>

#include "workers/recommend/recommend_builder.hpp"

namespace recommend {
namespace {

config::Env EnvOf(std::map<std::string, std::string> values) {
  return config::Env([values](const std::string& key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

// The ConfigError message of loading `values`, or "" when they load.
std::string ErrorOf(std::map<std::string, std::string> values) {
  try {
    LoadRecommendSettings(EnvOf(std::move(values)));
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(LoadRecommendSettings, DefaultsWhenNothingIsSet) {
  RecommendSettings s = LoadRecommendSettings(EnvOf({}));
  EXPECT_EQ(s.k, 20u);
  EXPECT_EQ(s.candidates, 500u);
  EXPECT_DOUBLE_EQ(s.weights.genres, 0.45);
  EXPECT_DOUBLE_EQ(s.weights.audio, 0.25);
  EXPECT_EQ(s.stats_ttl, std::chrono::minutes{10});
}

TEST(LoadRecommendSettings, ReadsEveryVariable) {
  RecommendSettings s = LoadRecommendSettings(EnvOf({{"TUNEFLEET_RECOMMEND_K", "5"},
                                                     {"TUNEFLEET_RECOMMEND_CANDIDATES", "50"},
                                                     {"TUNEFLEET_RECOMMEND_WEIGHT_GENRES", "1"},
                                                     {"TUNEFLEET_RECOMMEND_WEIGHT_MOODS", "0"},
                                                     {"TUNEFLEET_RECOMMEND_WEIGHT_AUDIO", "2.5"},
                                                     {"TUNEFLEET_RECOMMEND_WEIGHT_POPULARITY", "0"},
                                                     {"TUNEFLEET_RECOMMEND_STATS_TTL", "30s"}}));
  EXPECT_EQ(s.k, 5u);
  EXPECT_EQ(s.candidates, 50u);
  EXPECT_DOUBLE_EQ(s.weights.genres, 1);
  EXPECT_DOUBLE_EQ(s.weights.moods, 0);
  EXPECT_DOUBLE_EQ(s.weights.audio, 2.5);
  EXPECT_DOUBLE_EQ(s.weights.popularity, 0);
  EXPECT_EQ(s.stats_ttl, std::chrono::seconds{30});
}

TEST(LoadRecommendSettings, BadValuesNameTheVariable) {
  EXPECT_NE(ErrorOf({{"TUNEFLEET_RECOMMEND_K", "0"}}).find("TUNEFLEET_RECOMMEND_K"), std::string::npos);
  EXPECT_NE(ErrorOf({{"TUNEFLEET_RECOMMEND_K", "many"}}).find("TUNEFLEET_RECOMMEND_K"), std::string::npos);
  EXPECT_NE(ErrorOf({{"TUNEFLEET_RECOMMEND_K", "201"}}).find("TUNEFLEET_RECOMMEND_K"), std::string::npos);
  EXPECT_NE(ErrorOf({{"TUNEFLEET_RECOMMEND_WEIGHT_AUDIO", "-1"}}).find("TUNEFLEET_RECOMMEND_WEIGHT_AUDIO"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"TUNEFLEET_RECOMMEND_STATS_TTL", "soon"}}).find("TUNEFLEET_RECOMMEND_STATS_TTL"),
            std::string::npos);
}

TEST(LoadRecommendSettings, FewerCandidatesThanNeighboursIsRefused) {
  std::string error = ErrorOf({{"TUNEFLEET_RECOMMEND_K", "30"}, {"TUNEFLEET_RECOMMEND_CANDIDATES", "10"}});
  EXPECT_NE(error.find("TUNEFLEET_RECOMMEND_CANDIDATES"), std::string::npos) << error;
  EXPECT_NE(error.find("TUNEFLEET_RECOMMEND_K"), std::string::npos) << error;
  EXPECT_EQ(ErrorOf({{"TUNEFLEET_RECOMMEND_K", "30"}, {"TUNEFLEET_RECOMMEND_CANDIDATES", "30"}}), "");
}

TEST(LoadRecommendSettings, GenreAndMoodWeightsBothZeroIsRefused) {
  std::string error =
      ErrorOf({{"TUNEFLEET_RECOMMEND_WEIGHT_GENRES", "0"}, {"TUNEFLEET_RECOMMEND_WEIGHT_MOODS", "0"}});
  EXPECT_NE(error.find("TUNEFLEET_RECOMMEND_WEIGHT_GENRES"), std::string::npos) << error;
}

}  // namespace
}  // namespace recommend
