#include <gtest/gtest.h>

#include "workers/features/features_row.hpp"

namespace features {
namespace {

using Names = std::vector<std::string>;

TEST(SelectTop, EmptyCatalogGivesEmptyVocabulary) {
  EXPECT_EQ(SelectTop({}, {}, {.top = 3, .min_tracks = 1, .margin = 0.1}), Names{});
}

TEST(SelectTop, TakesTheMostFrequentSortedByName) {
  const TagCounts counts = {{"rock", 50}, {"pop", 40}, {"jazz", 30}, {"folk", 20}, {"ska", 10}};
  EXPECT_EQ(SelectTop({}, counts, {.top = 3, .min_tracks = 1, .margin = 0.1}), (Names{"jazz", "pop", "rock"}));
}

TEST(SelectTop, TiesAreBrokenByName) {
  const TagCounts counts = {{"b", 5}, {"c", 5}, {"a", 5}};
  EXPECT_EQ(SelectTop({}, counts, {.top = 2, .min_tracks = 1, .margin = 0}), (Names{"a", "b"}));
}

TEST(SelectTop, NewcomersNeedMinTracks) {
  const TagCounts counts = {{"rock", 5}, {"pop", 2}};
  EXPECT_EQ(SelectTop({}, counts, {.top = 5, .min_tracks = 3, .margin = 0.1}), Names{"rock"});
}

TEST(SelectTop, MemberStaysUnlessBeatenByTheMargin) {
  const TagCounts counts = {{"rock", 100}, {"pop", 100}, {"jazz", 100}, {"folk", 105}};
  // folk has 105 <= 100 * 1.1: jazz keeps its place.
  EXPECT_EQ(SelectTop({"jazz", "pop", "rock"}, counts, {.top = 3, .min_tracks = 1, .margin = 0.1}),
            (Names{"jazz", "pop", "rock"}));
}

TEST(SelectTop, NewcomerBeyondTheMarginDisplacesTheWeakestMember) {
  const TagCounts counts = {{"rock", 100}, {"pop", 90}, {"jazz", 50}, {"folk", 120}};
  EXPECT_EQ(SelectTop({"jazz", "pop", "rock"}, counts, {.top = 3, .min_tracks = 1, .margin = 0.1}),
            (Names{"folk", "pop", "rock"}));
}

TEST(SelectTop, MembersGoneFromTheCatalogAreDroppedAndReplaced) {
  const TagCounts counts = {{"rock", 10}, {"ska", 4}};
  EXPECT_EQ(SelectTop({"rock", "disco"}, counts, {.top = 2, .min_tracks = 1, .margin = 0.1}),
            (Names{"rock", "ska"}));
}

TEST(SelectTop, SmallerTopKeepsTheMostFrequentMembers) {
  const TagCounts counts = {{"rock", 10}, {"pop", 8}, {"jazz", 6}};
  EXPECT_EQ(SelectTop({"jazz", "pop", "rock"}, counts, {.top = 2, .min_tracks = 1, .margin = 0.1}),
            (Names{"pop", "rock"}));
}

TEST(SelectTop, ZeroTopGivesNothing) {
  EXPECT_EQ(SelectTop({"rock"}, {{"rock", 10}}, {.top = 0, .min_tracks = 1, .margin = 0.1}), Names{});
}

constexpr VocabularyRules kRules{.top = 2, .min_tracks = 1, .margin = 0.1};

TEST(NextVocabulary, FirstStartOnAnEmptyCatalogCreatesAnEmptyVersion) {
  auto next = NextVocabulary(std::nullopt, {}, {}, kRules, kRules);
  ASSERT_TRUE(next.has_value());
  EXPECT_TRUE(next->genres.empty());
  EXPECT_TRUE(next->moods.empty());
}

TEST(NextVocabulary, EmptyVersionGrowsOnceTheCatalogHasGenres) {
  auto next = NextVocabulary(VocabularyContent{}, {{"rock", 1}}, {{"calm", 2}}, kRules, kRules);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->genres, Names{"rock"});
  EXPECT_EQ(next->moods, Names{"calm"});
}

TEST(NextVocabulary, SameContentKeepsTheVersion) {
  const VocabularyContent latest{{"pop", "rock"}, {"calm"}};
  EXPECT_FALSE(NextVocabulary(latest, {{"rock", 9}, {"pop", 3}}, {{"calm", 1}}, kRules, kRules).has_value());
}

TEST(NextVocabulary, ReorderedCountsKeepTheVersion) {
  const VocabularyContent latest{{"pop", "rock"}, {}};
  // pop now beats rock: the set is the same, columns stay sorted by name.
  EXPECT_FALSE(NextVocabulary(latest, {{"pop", 90}, {"rock", 10}}, {}, kRules, kRules).has_value());
}

TEST(NextVocabulary, MoodChangeAloneMakesANewVersion) {
  const VocabularyContent latest{{"rock"}, {"calm"}};
  auto next = NextVocabulary(latest, {{"rock", 5}}, {{"calm", 5}, {"happy", 5}}, kRules, kRules);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->genres, Names{"rock"});
  EXPECT_EQ(next->moods, (Names{"calm", "happy"}));
}

}  // namespace
}  // namespace features
