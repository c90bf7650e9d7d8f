#include "common/normalize/vocabulary.hpp"

#include <gtest/gtest.h>

namespace normalize {
namespace {

const Vocabulary& V() { return Vocabulary::Default(); }

TEST(Vocabulary, LoadsTheBeetsGenreList) {
  EXPECT_GT(V().genres().size(), 1500u);
  EXPECT_EQ(V().version(), 1);
}

TEST(Vocabulary, FoldsSpellingsOfOneGenre) {
  for (const char* tag : {"Hip Hop", "hip-hop", "hiphop", "HIP  HOP", "Hip_Hop", "rap"}) {
    EXPECT_EQ(V().Genre(tag), "hip hop") << tag;
  }
  EXPECT_EQ(V().Genre("Drum & Bass"), "drum and bass");
  EXPECT_EQ(V().Genre("DnB"), "drum and bass");
  EXPECT_EQ(V().Genre("R&B"), "r&b");
  EXPECT_EQ(V().Genre("RnB"), "r&b");
  EXPECT_EQ(V().Genre("Lo-Fi"), "lo-fi");
  EXPECT_EQ(V().Genre("lofi"), "lo-fi");
  EXPECT_EQ(V().Genre("Trip-Hop"), "trip hop");
  EXPECT_EQ(V().Genre("Singer-Songwriter"), "singer-songwriter");
  EXPECT_EQ(V().Genre("Power metal"), "power metal");
  EXPECT_EQ(V().Genre("Folk"), "folk music");  // only the long form is in the list
}

TEST(Vocabulary, DropsNonGenreTags) {
  for (const char* tag : {"seen live", "Favourites", "albums I own", "2008", "80s", "1990s", "'90s", "awesome", ""}) {
    EXPECT_FALSE(V().Genre(tag).has_value()) << tag;
  }
  EXPECT_FALSE(V().Genre("sourabh").has_value());
}

TEST(Vocabulary, MapsMoodTags) {
  EXPECT_EQ(V().Mood("Chill"), "calm");
  EXPECT_EQ(V().Mood("sad"), "melancholic");
  EXPECT_EQ(V().Mood("feel good"), "happy");
  EXPECT_EQ(V().Mood("Atmospheric"), "dreamy");
  EXPECT_FALSE(V().Mood("rock").has_value());
}

TEST(Vocabulary, ClassifyRanksByWeightDedupsAndDropsTheArtistsName) {
  Classified c = V().Classify({{"Cher", 100},
                               {"pop", 100},
                               {"dance", 80},
                               {"seen live", 70},
                               {"Pop", 50},
                               {"80s", 40},
                               {"sad", 30},
                               {"electronic", 20},
                               {"chill", 10},
                               {"relaxing", 10}},
                              "Cher");
  ASSERT_GE(c.genres.size(), 3u);
  EXPECT_EQ(c.genres[0], "pop");  // 100 + 50
  EXPECT_EQ(c.genres[1], "dance music");
  EXPECT_EQ(c.genres[2], "electronic");
  EXPECT_EQ(std::count(c.genres.begin(), c.genres.end(), "pop"), 1);
  EXPECT_EQ(c.moods, (std::vector<std::string>{"melancholic", "calm"}));  // 30 vs 10 + 10 (tie -> first seen)
}

TEST(Vocabulary, CapsGenresAndMoods) {
  std::vector<WeightedTag> tags = {{"jazz", 5}};
  for (const auto& g : V().genres()) tags.push_back({g, 1});
  for (const char* m : {"calm", "sad", "happy", "dark", "romantic", "angry", "dreamy", "epic", "nostalgic",
                        "groovy", "hopeful", "energetic"}) {
    tags.push_back({m, 1});
  }
  Classified c = V().Classify(tags);
  EXPECT_EQ(c.genres.size(), kMaxGenres);
  EXPECT_LE(c.moods.size(), kMaxMoods);
  EXPECT_EQ(c.genres.front(), "jazz");
}

}  // namespace
}  // namespace normalize
