#include "workers/recommend/similarity.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace recommend {
namespace {

TrackProfile Track(std::int64_t id, std::vector<std::string> genres, std::vector<std::string> moods = {}) {
  TrackProfile p;
  p.id = id;
  p.genres = std::move(genres);
  p.moods = std::move(moods);
  return p;
}

FeatureStats UnitStats() {
  FeatureStats stats;
  stats.mean.fill(0);
  stats.stddev.fill(1);
  return stats;
}

constexpr std::size_t kDanceability = 0;
constexpr std::size_t kTempo = 3;

TEST(Jaccard, SharedOverUnion) {
  EXPECT_DOUBLE_EQ(Jaccard({"rock", "pop"}, {"pop", "jazz"}), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(Jaccard({"rock"}, {"rock"}), 1.0);
  EXPECT_DOUBLE_EQ(Jaccard({"rock"}, {"jazz"}), 0.0);
}

TEST(Jaccard, EmptyListsAndRepeatsCountOnce) {
  EXPECT_DOUBLE_EQ(Jaccard({}, {}), 0.0);
  EXPECT_DOUBLE_EQ(Jaccard({"rock"}, {}), 0.0);
  EXPECT_DOUBLE_EQ(Jaccard({"rock", "rock", "pop"}, {"rock"}), 0.5);
}

TEST(AudioDistance, StandardizesEachFeatureByItsCatalogSpread) {
  FeatureStats stats = UnitStats();
  stats.mean[kTempo] = 120;
  stats.stddev[kTempo] = 30;
  stats.stddev[kDanceability] = 0.2;
  AudioFeatures a{}, b{}, c{}, d{};
  // One standard deviation apart in tempo (30 BPM) ...
  a[kTempo] = 100;
  b[kTempo] = 130;
  // ... is as far as one standard deviation in danceability (0.2).
  c[kDanceability] = 0.5;
  d[kDanceability] = 0.7;
  ASSERT_TRUE(AudioDistance(a, b, stats).has_value());
  EXPECT_NEAR(*AudioDistance(a, b, stats), 1.0, 1e-12);
  EXPECT_NEAR(*AudioDistance(c, d, stats), 1.0, 1e-12);
}

TEST(AudioDistance, UsesOnlyFeaturesBothTracksHaveWithPositiveSpread) {
  FeatureStats stats = UnitStats();
  stats.stddev[1] = 0;  // energy constant over the catalog: left out
  AudioFeatures a{}, b{};
  a[kDanceability] = 0.0;
  b[kDanceability] = 2.0;  // distance 2 on the one usable feature
  a[1] = 0.0;
  b[1] = 100.0;  // left out: stddev 0
  a[kTempo] = 5.0;  // left out: b has no tempo
  EXPECT_NEAR(*AudioDistance(a, b, stats), 2.0, 1e-12);
  AudioFeatures none{};
  EXPECT_FALSE(AudioDistance(a, none, stats).has_value());
}

TEST(Score, WeightedMeanOfAllFourTerms) {
  SimilarityTerms terms{.genres = 1.0, .moods = 0.5, .audio = 0.25, .popularity = 0.8};
  ScoringWeights w{.genres = 0.4, .moods = 0.2, .audio = 0.3, .popularity = 0.1};
  EXPECT_NEAR(Score(terms, w), (0.4 * 1.0 + 0.2 * 0.5 + 0.3 * 0.25 + 0.1 * 0.8) / 1.0, 1e-12);
}

TEST(Score, MissingAudioAndPopularityDropOutWithTheirWeights) {
  SimilarityTerms terms{.genres = 1.0, .moods = 0.5, .audio = std::nullopt, .popularity = std::nullopt};
  ScoringWeights w{.genres = 0.4, .moods = 0.2, .audio = 0.3, .popularity = 0.1};
  EXPECT_NEAR(Score(terms, w), (0.4 * 1.0 + 0.2 * 0.5) / 0.6, 1e-12);
}

TEST(Score, MissingGenresOrMoodsDropOutToo) {
  SimilarityTerms terms{.genres = 0.5, .moods = std::nullopt, .audio = std::nullopt, .popularity = std::nullopt};
  EXPECT_NEAR(Score(terms, ScoringWeights{}), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(Score(SimilarityTerms{}, ScoringWeights{}), 0.0);
}

TEST(Terms, AnEmptyTagListIsUnknownNotADifference) {
  TrackProfile a = Track(1, {"rock"}, {"dark"});
  TrackProfile b = Track(2, {"rock"});
  auto terms = Terms(a, b, UnitStats());
  ASSERT_TRUE(terms.genres.has_value());
  EXPECT_DOUBLE_EQ(*terms.genres, 1.0);
  EXPECT_FALSE(terms.moods.has_value());
  b.moods = {"happy"};
  ASSERT_TRUE(Terms(a, b, UnitStats()).moods.has_value());
  EXPECT_DOUBLE_EQ(*Terms(a, b, UnitStats()).moods, 0.0);
}

TEST(Terms, PopularityIsClosenessOnTheHundredPointScale) {
  TrackProfile a = Track(1, {"rock"});
  TrackProfile b = Track(2, {"rock"});
  a.popularity = 50;
  b.popularity = 70;
  auto terms = Terms(a, b, UnitStats());
  ASSERT_TRUE(terms.popularity.has_value());
  EXPECT_NEAR(*terms.popularity, 0.8, 1e-12);
  b.popularity.reset();
  EXPECT_FALSE(Terms(a, b, UnitStats()).popularity.has_value());
}

TEST(Terms, AudioSimilarityIsOneOverOnePlusDistance) {
  TrackProfile a = Track(1, {});
  TrackProfile b = Track(2, {});
  a.audio[kDanceability] = 0.0;
  b.audio[kDanceability] = 3.0;
  auto terms = Terms(a, b, UnitStats());
  ASSERT_TRUE(terms.audio.has_value());
  EXPECT_NEAR(*terms.audio, 0.25, 1e-12);
  EXPECT_FALSE(Terms(a, Track(3, {}), UnitStats()).audio.has_value());
}

TEST(SharedTags, InTheTargetsOrderWithoutRepeats) {
  EXPECT_EQ(SharedTags({"shoegaze", "rock", "pop", "rock"}, {"pop", "rock", "jazz"}),
            (std::vector<std::string>{"rock", "pop"}));
}

TEST(TopNeighbours, BestScoreFirstKeepsKAndExplainsTheOverlap) {
  TrackProfile target = Track(10, {"rock", "shoegaze"}, {"dreamy"});
  TrackProfile both = Track(40, {"rock", "shoegaze"}, {"dreamy"});
  TrackProfile one = Track(20, {"shoegaze"});
  TrackProfile other = Track(30, {"jazz"}, {"dreamy"});
  TrackProfile none = Track(50, {"metal"});
  std::vector<const TrackProfile*> candidates = {&none, &one, &other, &both};
  auto top = TopNeighbours(target, candidates, ScoringWeights{}, UnitStats(), 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].id, 40);
  EXPECT_EQ(top[1].id, 20);
  EXPECT_EQ(top[2].id, 30);
  EXPECT_DOUBLE_EQ(top[0].score, 1.0);
  EXPECT_EQ(top[0].shared_genres, (std::vector<std::string>{"rock", "shoegaze"}));
  EXPECT_EQ(top[0].shared_moods, (std::vector<std::string>{"dreamy"}));
  EXPECT_EQ(top[1].shared_genres, (std::vector<std::string>{"shoegaze"}));
  EXPECT_TRUE(top[1].shared_moods.empty());
  // 20 has no moods: only its genre overlap (1/2) counts. 30: genres 0 and moods 1.
  EXPECT_NEAR(top[1].score, 0.5, 1e-12);
  EXPECT_NEAR(top[2].score, 0.20 * 1.0 / 0.65, 1e-12);
}

TEST(TopNeighbours, EqualScoresAreOrderedByLowerIdWhateverTheInputOrder) {
  TrackProfile target = Track(1, {"rock"});
  TrackProfile a = Track(9, {"rock"});
  TrackProfile b = Track(3, {"rock"});
  TrackProfile c = Track(5, {"rock"});
  auto forward = TopNeighbours(target, {&a, &b, &c}, ScoringWeights{}, UnitStats(), 2);
  auto backward = TopNeighbours(target, {&c, &b, &a}, ScoringWeights{}, UnitStats(), 2);
  ASSERT_EQ(forward.size(), 2u);
  EXPECT_EQ(forward[0].id, 3);
  EXPECT_EQ(forward[1].id, 5);
  ASSERT_EQ(backward.size(), 2u);
  EXPECT_EQ(backward[0].id, 3);
  EXPECT_EQ(backward[1].id, 5);
}

TEST(TopNeighbours, SkipsTheTargetItselfAndRepeatedCandidates) {
  TrackProfile target = Track(1, {"rock"});
  TrackProfile a = Track(2, {"rock"});
  auto top = TopNeighbours(target, {&target, &a, &a}, ScoringWeights{}, UnitStats(), 20);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].id, 2);
}

TEST(TopNeighbours, CloserAudioBreaksAGenreTie) {
  TrackProfile target = Track(1, {"rock"});
  TrackProfile far = Track(2, {"rock"});
  TrackProfile near = Track(3, {"rock"});
  target.audio[kDanceability] = 0.0;
  far.audio[kDanceability] = 3.0;
  near.audio[kDanceability] = 0.5;
  auto top = TopNeighbours(target, {&far, &near}, ScoringWeights{}, UnitStats(), 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].id, 3);
  EXPECT_EQ(top[1].id, 2);
  EXPECT_GT(top[0].score, top[1].score);
}

TEST(MergeCandidates, PreferredFirstThenPoolsInTurnsWithoutRepeatsOrTheTarget) {
  std::vector<std::int64_t> preferred = {7, 8};
  std::vector<std::int64_t> rare = {8, 1, 2};
  std::vector<std::int64_t> common = {3, 4, 5, 6};
  auto merged = MergeCandidates(preferred, {&rare, &common}, /*exclude=*/4, 6);
  EXPECT_EQ(merged, (std::vector<std::int64_t>{7, 8, 3, 1, 2, 5}));
}

TEST(MergeCandidates, StopsAtTheLimit) {
  std::vector<std::int64_t> preferred = {1, 2, 3};
  std::vector<std::int64_t> pool = {4, 5};
  EXPECT_EQ(MergeCandidates(preferred, {&pool}, 0, 2), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(MergeCandidates({}, {&pool}, 0, 10), (std::vector<std::int64_t>{4, 5}));
}

}  // namespace
}  // namespace recommend
