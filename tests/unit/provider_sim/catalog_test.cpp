#include "tools/provider_sim/catalog.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tools/provider_sim/ids.hpp"

namespace provider_sim {
namespace {

TEST(Ids, SpotifyIdsRoundTripAndRejectOtherKindsAndSeeds) {
  for (std::uint64_t key : {0ull, 1ull, 0xffffffffffffffffull, 0x123456789abcdefull}) {
    std::string id = SpotifyId(key, IdKind::kTrack, 7);
    ASSERT_EQ(id.size(), 22u);
    EXPECT_EQ(ParseSpotifyId(id, IdKind::kTrack, 7), key);
    EXPECT_FALSE(ParseSpotifyId(id, IdKind::kAlbum, 7).has_value());
    EXPECT_FALSE(ParseSpotifyId(id, IdKind::kTrack, 8).has_value());
  }
  EXPECT_FALSE(ParseSpotifyId("6NPVjNh8Jhru9xOmyQigds", IdKind::kTrack, 7).has_value());  // a real id
  EXPECT_FALSE(ParseSpotifyId("short", IdKind::kTrack, 7).has_value());
}

TEST(Ids, MbidsAreVersionFourUuidsThatRoundTrip) {
  for (std::uint64_t key : {0ull, 42ull, 0xfedcba9876543210ull}) {
    std::string id = Mbid(key, IdKind::kTrack, 1);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    EXPECT_EQ(ParseMbid(id, IdKind::kTrack, 1), key);
    EXPECT_FALSE(ParseMbid(id, IdKind::kReleaseGroup, 1).has_value());
  }
  EXPECT_FALSE(ParseMbid("cb2cc207-8125-445c-9ef9-6ea44eee959a", IdKind::kTrack, 1).has_value());
}

TEST(Catalog, SameQueryGivesTheSameRecordAcrossInstances) {
  Catalog a{1, 0.05, BuiltinVocabulary()};
  Catalog b{1, 0.05, BuiltinVocabulary()};
  std::uint64_t key = a.TrackKey("The Killers", "Mr. Brightside");
  EXPECT_EQ(b.TrackKey("  the killers", "MR. BRIGHTSIDE "), key);  // normalized
  TrackRecord ta = a.Track(key);
  TrackRecord tb = b.Track(key);
  EXPECT_EQ(ta.title, "Mr. Brightside");
  EXPECT_EQ(ta.isrc, tb.isrc);
  EXPECT_EQ(ta.duration_ms, tb.duration_ms);
  EXPECT_EQ(ta.popularity, tb.popularity);
  EXPECT_EQ(a.Artist(ta.artist_key).genres, b.Artist(tb.artist_key).genres);
  EXPECT_EQ(a.Features(key).tempo, b.Features(key).tempo);
}

TEST(Catalog, TheSeedChangesTheCatalog) {
  Catalog a{1, 0.05, BuiltinVocabulary()};
  Catalog b{2, 0.05, BuiltinVocabulary()};
  EXPECT_NE(a.TrackKey("A", "B"), b.TrackKey("A", "B"));
}

TEST(Catalog, AnUnregisteredKeyGetsStableGeneratedNames) {
  Catalog a{1, 0.05, BuiltinVocabulary()};
  Catalog b{1, 0.05, BuiltinVocabulary()};
  TrackRecord ta = a.Track(0xabcdef);
  TrackRecord tb = b.Track(0xabcdef);
  EXPECT_FALSE(ta.title.empty());
  EXPECT_EQ(ta.title, tb.title);
  EXPECT_EQ(ta.artist, tb.artist);
}

TEST(Catalog, IsrcLookupFindsTheTrackThatCarriedIt) {
  Catalog catalog{1, 0.05, BuiltinVocabulary()};
  std::uint64_t key = catalog.TrackKey("Radiohead", "Creep");
  std::string isrc = catalog.Track(key).isrc;
  EXPECT_EQ(catalog.IsrcKey(isrc), key);
  // An ISRC nobody handed out gets a record that carries it.
  std::uint64_t other = catalog.IsrcKey("GBAYE0500674");
  EXPECT_EQ(catalog.Track(other).isrc, "GBAYE0500674");
  EXPECT_EQ(catalog.IsrcKey("gbaye0500674"), other);
}

TEST(Catalog, NotFoundShareIsWithinTwoPointsOverTenThousandQueries) {
  for (double share : {0.0, 0.05, 0.2}) {
    Catalog catalog{3, share, BuiltinVocabulary()};
    int missing = 0;
    for (int i = 0; i < 10'000; ++i) {
      if (catalog.NotFound(catalog.TrackKey("Artist " + std::to_string(i % 97), "Title " + std::to_string(i)))) ++missing;
    }
    EXPECT_NEAR(missing / 10'000.0, share, 0.02) << share;
  }
}

TEST(Catalog, RecordsAreInRealisticRanges) {
  Catalog catalog{5, 0.05, BuiltinVocabulary()};
  const auto& genres = BuiltinVocabulary().genres;
  std::set<std::string> vocabulary(genres.begin(), genres.end());
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t key = catalog.TrackKey("Artist " + std::to_string(i), "Song " + std::to_string(i));
    TrackRecord t = catalog.Track(key);
    ASSERT_GE(t.duration_ms, 90'000);
    ASSERT_LE(t.duration_ms, 480'000);
    ASSERT_GE(t.popularity, 0);
    ASSERT_LE(t.popularity, 100);
    ASSERT_EQ(t.isrc.size(), 12u);
    AudioFeatures f = catalog.Features(key);
    ASSERT_GE(f.tempo, 60);
    ASSERT_LE(f.tempo, 200);
    ASSERT_LE(f.loudness, 0);
    ASSERT_GE(f.danceability, 0);
    ASSERT_LE(f.valence, 1);
    ArtistRecord a = catalog.Artist(t.artist_key);
    ASSERT_FALSE(a.genres.empty());
    for (const auto& g : a.genres) ASSERT_TRUE(vocabulary.count(g) == 1) << g;
    auto tags = catalog.LastfmTags(key, t.artist_key);
    ASSERT_EQ(tags.front().count, 100);
    for (std::size_t j = 1; j < tags.size(); ++j) ASSERT_LE(tags[j].count, tags[j - 1].count);
  }
}

TEST(Catalog, LastfmTagsMixGenresMoodsAndJunk) {
  Catalog catalog{1, 0.05, BuiltinVocabulary()};
  std::set<std::string> moods = {"calm", "energetic", "melancholic", "happy", "dark", "romantic",
                                 "aggressive", "dreamy", "chill", "sad", "upbeat"};
  int with_mood = 0;
  for (int i = 0; i < 200; ++i) {
    std::uint64_t key = catalog.TrackKey("X" + std::to_string(i), "Y");
    for (const auto& tag : catalog.LastfmTags(key, catalog.Track(key).artist_key)) {
      if (moods.count(tag.name) == 1) {
        ++with_mood;
        break;
      }
    }
  }
  EXPECT_EQ(with_mood, 200);
}

TEST(Catalog, SearchResultsStartWithTheMatchAndAreAllFound) {
  Catalog catalog{1, 0.3, BuiltinVocabulary()};
  for (int i = 0; i < 300; ++i) {
    std::uint64_t key = catalog.TrackKey("A" + std::to_string(i), "T");
    if (catalog.NotFound(key)) continue;
    auto results = catalog.SearchResults(key);
    ASSERT_EQ(results.front(), key);
    for (auto k : results) ASSERT_FALSE(catalog.NotFound(k));
  }
}

TEST(Catalog, DiscogsReleaseIdsAreStableAndPlausible) {
  Catalog a{1, 0.05, BuiltinVocabulary()};
  Catalog b{1, 0.05, BuiltinVocabulary()};
  std::int64_t id = a.DiscogsReleaseId(a.AlbumKey("Nirvana", "Nevermind"));
  EXPECT_EQ(b.DiscogsReleaseId(b.AlbumKey("nirvana", "nevermind")), id);
  EXPECT_GE(id, 1'000'000);
  EXPECT_LT(id, 2'147'483'647);
  DiscogsRelease release = a.Release(id);
  EXPECT_EQ(release.title, "Nevermind");
  EXPECT_EQ(release.year, b.Release(id).year);  // numbers come from the id alone
  EXPECT_FALSE(release.genres.empty());
  EXPECT_FALSE(release.tracklist.empty());
}

TEST(Catalog, RegistryKeepsAtMostTwoGenerations) {
  Catalog catalog{1, 0.05, BuiltinVocabulary(), 100};
  for (int i = 0; i < 1000; ++i) catalog.ArtistKey("artist " + std::to_string(i));
  EXPECT_LE(catalog.registry_size(), 200u);
}

}  // namespace
}  // namespace provider_sim
