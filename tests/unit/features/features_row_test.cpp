#include "workers/features/features_row.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace features {
namespace {

const VocabularyContent kVocabulary{{"jazz", "pop", "rock"}, {"calm", "happy"}};
constexpr std::size_t kGenre0 = kFixedColumns.size();      // genre:jazz
constexpr std::size_t kMood0 = kFixedColumns.size() + 3;   // mood:calm

TrackInput FullTrack() {
  TrackInput t;
  t.id = 7;
  t.duration_ms = 212000;
  t.popularity = 64;
  t.track_number = 3;
  t.release_year = 1999;
  t.explicit_flag = true;
  t.audio = {0.5, 0.25, 0.75, 120.5, 0.125, 0.0, 0.375, 0.0625, -7.5};
  t.genres = {"rock", "jazz"};
  t.moods = {"happy"};
  return t;
}

TEST(ColumnNames, FixedColumnsThenGenresThenMoods) {
  const auto columns = ColumnNames(kVocabulary);
  ASSERT_EQ(columns.size(), 19u);
  EXPECT_EQ(columns[0], "duration_ms");
  EXPECT_EQ(columns[4], "explicit");
  EXPECT_EQ(columns[5], "danceability");
  EXPECT_EQ(columns[13], "loudness");
  EXPECT_EQ(columns[14], "genre:jazz");
  EXPECT_EQ(columns[16], "genre:rock");
  EXPECT_EQ(columns[17], "mood:calm");
  EXPECT_EQ(columns[18], "mood:happy");
}

TEST(ComputeRow, FullTrackFillsEveryColumnAndMarksNothingMissing) {
  const FeatureRow row = ComputeRow(FullTrack(), kVocabulary);
  const std::vector<float> expected = {212000, 64, 3, 1999, 1,                                 // numeric, explicit
                                       0.5F, 0.25F, 0.75F, 120.5F, 0.125F, 0, 0.375F, 0.0625F, -7.5F,  // audio
                                       1, 0, 1,                                               // jazz pop rock
                                       0, 1};                                                 // calm happy
  EXPECT_EQ(row.values, expected);
  EXPECT_EQ(row.missing, std::vector<bool>(19, false));
}

TEST(ComputeRow, NullFieldsAreMissingWithZeroValue) {
  TrackInput t = FullTrack();
  t.duration_ms.reset();
  t.release_year.reset();
  t.explicit_flag.reset();
  t.audio[3].reset();  // tempo
  const FeatureRow row = ComputeRow(t, kVocabulary);
  for (std::size_t i : {0u, 3u, 4u, 8u}) {
    EXPECT_TRUE(row.missing[i]) << i;
    EXPECT_EQ(row.values[i], 0.0F) << i;
  }
  EXPECT_FALSE(row.missing[1]);
  EXPECT_EQ(row.values[1], 64.0F);
}

TEST(ComputeRow, ExplicitFalseIsAKnownZero) {
  TrackInput t = FullTrack();
  t.explicit_flag = false;
  const FeatureRow row = ComputeRow(t, kVocabulary);
  EXPECT_FALSE(row.missing[4]);
  EXPECT_EQ(row.values[4], 0.0F);
}

TEST(ComputeRow, NoAudioFeaturesMarksAllNineMissing) {
  TrackInput t = FullTrack();
  t.audio = {};
  const FeatureRow row = ComputeRow(t, kVocabulary);
  for (std::size_t i = 5; i < 14; ++i) EXPECT_TRUE(row.missing[i]) << i;
  EXPECT_FALSE(row.missing[0]);
}

TEST(ComputeRow, TrackWithoutGenresHasEveryGenreColumnMissing) {
  TrackInput t = FullTrack();
  t.genres.clear();
  const FeatureRow row = ComputeRow(t, kVocabulary);
  for (std::size_t i = kGenre0; i < kGenre0 + 3; ++i) {
    EXPECT_TRUE(row.missing[i]) << i;
    EXPECT_EQ(row.values[i], 0.0F);
  }
  EXPECT_FALSE(row.missing[kMood0 + 1]);
  EXPECT_EQ(row.values[kMood0 + 1], 1.0F);
}

TEST(ComputeRow, TrackWithoutMoodsHasEveryMoodColumnMissing) {
  TrackInput t = FullTrack();
  t.moods.clear();
  const FeatureRow row = ComputeRow(t, kVocabulary);
  EXPECT_TRUE(row.missing[kMood0]);
  EXPECT_TRUE(row.missing[kMood0 + 1]);
  EXPECT_FALSE(row.missing[kGenre0]);
}

TEST(ComputeRow, GenresOutsideTheVocabularyGiveKnownZeros) {
  TrackInput t = FullTrack();
  t.genres = {"polka", "zydeco"};
  t.moods = {"angry"};
  const FeatureRow row = ComputeRow(t, kVocabulary);
  for (std::size_t i = kGenre0; i < kGenre0 + 5; ++i) {
    EXPECT_FALSE(row.missing[i]) << i;
    EXPECT_EQ(row.values[i], 0.0F) << i;
  }
}

TEST(ComputeRow, ValueTooLargeForAFloatIsMissing) {
  TrackInput t = FullTrack();
  t.audio[0] = 1e300;
  t.audio[1] = std::numeric_limits<double>::infinity();
  const FeatureRow row = ComputeRow(t, kVocabulary);
  EXPECT_TRUE(row.missing[5]);
  EXPECT_TRUE(row.missing[6]);
  EXPECT_EQ(row.values[5], 0.0F);
}

TEST(ComputeRow, EmptyVocabularyGivesOnlyFixedColumns) {
  const FeatureRow row = ComputeRow(FullTrack(), VocabularyContent{});
  EXPECT_EQ(row.values.size(), kFixedColumns.size());
  EXPECT_EQ(row.missing.size(), kFixedColumns.size());
}

TEST(ParseNumber, AcceptsJsonNumbersAndRejectsTheRest) {
  EXPECT_EQ(ParseNumber("0.712"), 0.712);
  EXPECT_EQ(ParseNumber("-13.5"), -13.5);
  EXPECT_EQ(ParseNumber("1e3"), 1000.0);
  EXPECT_FALSE(ParseNumber(""));
  EXPECT_FALSE(ParseNumber("abc"));
  EXPECT_FALSE(ParseNumber("1.5x"));
  EXPECT_FALSE(ParseNumber("1e999"));
}

}  // namespace
}  // namespace features
