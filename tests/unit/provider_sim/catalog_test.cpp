#include "tools/provider_sim/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "common/normalize/vocabulary.hpp"
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
  const auto& vocabulary = normalize::Vocabulary::Default();
  int with_mood = 0;
  for (int i = 0; i < 200; ++i) {
    std::uint64_t key = catalog.TrackKey("X" + std::to_string(i), "Y");
    for (const auto& tag : catalog.LastfmTags(key, catalog.Track(key).artist_key)) {
      if (vocabulary.Mood(tag.name).has_value()) {
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

// --- Style families (style.hpp) ---

std::size_t FamilyIndex(const StyleBook& book, const std::string& name) {
  for (std::size_t i = 0; i < book.families.size(); ++i) {
    if (book.families[i].name == name) return i;
  }
  return book.families.size();
}

bool Has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The moods an artist of `family` may get: the family's and its substyles'.
std::set<std::string> FamilyMoods(const StyleFamily& family) {
  std::set<std::string> moods(family.moods.begin(), family.moods.end());
  for (const auto& sub : family.substyles) moods.insert(sub.moods.begin(), sub.moods.end());
  return moods;
}

TEST(Style, GenreTreeParsesNestedListsWithTheirParents) {
  auto nodes = ParseGenreTree("- rock:\n    - punk rock:\n        - emo\n    - grunge\n\n- jazz\n");
  ASSERT_EQ(nodes.size(), 5u);
  EXPECT_EQ(nodes[0].name, "rock");
  EXPECT_EQ(nodes[0].parent, -1);
  EXPECT_EQ(nodes[2].name, "emo");
  EXPECT_EQ(nodes[2].depth, 2);
  EXPECT_EQ(nodes[2].parent, 1);
  EXPECT_EQ(nodes[3].parent, 0);  // back up a level
  EXPECT_EQ(nodes[4].parent, -1);
  EXPECT_THROW(ParseGenreTree("- rock:\n        - emo\n"), std::invalid_argument);  // skips a level
  EXPECT_THROW(ParseGenreTree("rock\n"), std::invalid_argument);
}

TEST(Style, BuiltinFamiliesComeFromTheTreeWithCanonicalGenresAndMoods) {
  const StyleBook& book = BuiltinVocabulary().styles;
  const auto& genres = BuiltinVocabulary().genres;
  const auto& vocabulary = normalize::Vocabulary::Default();
  ASSERT_GE(book.families.size(), 15u);
  double total = 0;
  for (const auto& family : book.families) {
    total += family.weight;
    ASSERT_FALSE(family.genres.empty()) << family.name;
    ASSERT_FALSE(family.top_cumulative.empty()) << family.name;
    EXPECT_LE(family.top_cumulative.size(), family.genres.size()) << family.name;
    EXPECT_FALSE(family.discogs_genre.empty()) << family.name;
    for (const auto& genre : family.genres) EXPECT_TRUE(Has(genres, genre)) << family.name << ": " << genre;
    ASSERT_FALSE(family.moods.empty()) << family.name;
    for (const auto& mood : FamilyMoods(family)) {
      // A mood tag the normalizer maps, and never one it would take for a genre.
      EXPECT_TRUE(vocabulary.Mood(mood).has_value()) << family.name << ": " << mood;
      EXPECT_FALSE(Has(genres, mood)) << family.name << ": " << mood;
    }
  }
  EXPECT_NEAR(total, 1.0, 1e-9);
  // The big four first; metal a subtree of rock made a family of its own.
  std::vector<std::string> biggest;
  for (std::size_t i = 0; i < 4; ++i) biggest.push_back(book.families[i].name);
  EXPECT_EQ(biggest, (std::vector<std::string>{"rock", "pop", "electronic", "hip hop"}));
  const StyleFamily& metal = book.families[FamilyIndex(book, "metal")];
  const StyleFamily& rock = book.families[FamilyIndex(book, "rock")];
  EXPECT_EQ(metal.genres.front(), "metal");
  EXPECT_TRUE(Has(metal.genres, "death metal"));
  EXPECT_FALSE(Has(rock.genres, "death metal"));
  EXPECT_TRUE(Has(rock.genres, "shoegaze"));
  EXPECT_FALSE(Has(metal.genres, "shoegaze"));
}

TEST(Catalog, AnArtistsGenresComeFromOneFamilyWithARareNeighbour) {
  Catalog catalog{1, 0.05, BuiltinVocabulary()};
  const StyleBook& book = BuiltinVocabulary().styles;
  int with_neighbour = 0;
  constexpr int kArtists = 10'000;
  for (int i = 0; i < kArtists; ++i) {
    ArtistRecord artist = catalog.Artist(catalog.ArtistKey("Artist " + std::to_string(i)));
    std::size_t f = FamilyIndex(book, artist.family);
    ASSERT_LT(f, book.families.size()) << artist.family;
    const StyleFamily& family = book.families[f];
    ASSERT_GE(artist.genres.size(), 1u);
    ASSERT_LE(artist.genres.size(), 5u);
    // All but the last from the family; the last may be a one-off from a neighbour.
    for (std::size_t j = 0; j + 1 < artist.genres.size(); ++j) {
      ASSERT_TRUE(Has(family.genres, artist.genres[j])) << artist.family << ": " << artist.genres[j];
    }
    if (Has(family.genres, artist.genres.back())) continue;
    ++with_neighbour;
    bool from_neighbour = std::any_of(family.neighbours.begin(), family.neighbours.end(), [&](std::size_t n) {
      return Has(book.families[n].genres, artist.genres.back());
    });
    ASSERT_TRUE(from_neighbour) << artist.family << ": " << artist.genres.back();
  }
  EXPECT_GT(with_neighbour, 0);
  EXPECT_LE(with_neighbour, kArtists / 10);
}

TEST(Catalog, FamiliesAreSkewedAcrossTenThousandArtists) {
  Catalog catalog{2, 0.05, BuiltinVocabulary()};
  const StyleBook& book = BuiltinVocabulary().styles;
  std::map<std::string, int> artists;
  for (const auto& family : book.families) artists[family.name] = 0;
  constexpr int kArtists = 10'000;
  for (int i = 0; i < kArtists; ++i) ++artists[catalog.Artist(catalog.ArtistKey("Band " + std::to_string(i))).family];
  std::vector<int> counts;
  for (const auto& [name, count] : artists) counts.push_back(count);
  std::sort(counts.begin(), counts.end(), std::greater<>());
  int median = counts[counts.size() / 2];
  EXPECT_GE(counts.front(), 4 * median) << "largest " << counts.front() << ", median " << median;
  int big_four = artists["rock"] + artists["pop"] + artists["electronic"] + artists["hip hop"];
  EXPECT_GT(big_four, kArtists * 55 / 100);
  EXPECT_LT(artists["avant-garde"], kArtists / 100);
}

TEST(Catalog, MoodsComeFromTheArtistsFamily) {
  Catalog catalog{1, 0.05, BuiltinVocabulary()};
  const StyleBook& book = BuiltinVocabulary().styles;
  const StyleFamily& metal = book.families[FamilyIndex(book, "metal")];
  std::set<std::string> metal_moods(metal.moods.begin(), metal.moods.end());
  std::set<std::string> any_family_mood;
  for (const auto& family : book.families) any_family_mood.merge(FamilyMoods(family));
  int metal_artists = 0;
  for (int i = 0; i < 3000; ++i) {
    std::uint64_t key = catalog.TrackKey("Artist " + std::to_string(i), "Song");
    std::uint64_t artist_key = catalog.Track(key).artist_key;
    ArtistRecord artist = catalog.Artist(artist_key);
    std::set<std::string> allowed = FamilyMoods(book.families[FamilyIndex(book, artist.family)]);
    ASSERT_GE(artist.moods.size(), 2u);
    for (const auto& mood : artist.moods) ASSERT_EQ(allowed.count(mood), 1u) << artist.family << ": " << mood;
    // Last.fm's mood tags are the artist's moods (junk such as "love" aside).
    for (const auto& tag : catalog.LastfmTags(key, artist_key)) {
      if (any_family_mood.count(tag.name) == 1) {
        ASSERT_TRUE(Has(artist.moods, tag.name)) << tag.name;
      }
    }
    if (artist.family != "metal") continue;
    ++metal_artists;
    for (const auto& mood : artist.moods) EXPECT_EQ(metal_moods.count(mood), 1u) << mood;
  }
  EXPECT_GT(metal_artists, 50);
  EXPECT_EQ(metal_moods.count("aggressive"), 1u);
  EXPECT_EQ(metal_moods.count("calm"), 0u);
}

TEST(Catalog, AudioFeaturesFollowTheFamilysSound) {
  Catalog catalog{1, 0.05, BuiltinVocabulary()};
  std::map<std::string, std::pair<double, int>> energy;  // family -> sum, tracks
  for (int i = 0; i < 6000; ++i) {
    std::uint64_t key = catalog.TrackKey("Artist " + std::to_string(i), "Song");
    const std::string family = catalog.Artist(catalog.Track(key).artist_key).family;
    energy[family].first += catalog.Features(key).energy;
    ++energy[family].second;
  }
  auto mean = [&energy](const std::string& family) { return energy[family].first / energy[family].second; };
  ASSERT_GT(energy["metal"].second, 50);
  ASSERT_GT(energy["classical"].second, 20);
  EXPECT_GT(mean("metal"), 0.75);
  EXPECT_LT(mean("classical"), 0.35);
  EXPECT_GT(mean("metal"), mean("jazz") + 0.3);
}

TEST(Catalog, DiscogsGenresAndStylesFollowTheFamily) {
  Catalog catalog{1, 0.05, BuiltinVocabulary()};
  const StyleBook& book = BuiltinVocabulary().styles;
  for (int i = 0; i < 500; ++i) {
    std::string name = "Artist " + std::to_string(i);
    DiscogsRelease release = catalog.Release(catalog.DiscogsReleaseId(catalog.AlbumKey(name, "Album")));
    ArtistRecord artist = catalog.Artist(catalog.ArtistKey(name));
    ASSERT_FALSE(release.genres.empty());
    EXPECT_EQ(release.genres.front(), book.families[FamilyIndex(book, artist.family)].discogs_genre) << artist.family;
    EXPECT_LE(release.genres.size(), 2u);
    ASSERT_EQ(release.styles.size(), artist.genres.size());
    for (std::size_t j = 0; j < artist.genres.size(); ++j) EXPECT_EQ(release.styles[j], TitleCase(artist.genres[j]));
  }
}

TEST(Catalog, StylesAreAPureFunctionOfKeyAndSeed) {
  Catalog a{1, 0.05, BuiltinVocabulary()};
  Catalog b{1, 0.05, BuiltinVocabulary()};
  Catalog other_seed{2, 0.05, BuiltinVocabulary()};
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string name = "Artist " + std::to_string(i);
    ArtistRecord x = a.Artist(a.ArtistKey(name));
    ArtistRecord y = b.Artist(b.ArtistKey(name));
    EXPECT_EQ(x.family, y.family);
    EXPECT_EQ(x.genres, y.genres);
    EXPECT_EQ(x.moods, y.moods);
    std::uint64_t track = a.TrackKey(name, "Song");
    EXPECT_EQ(a.Features(track).energy, b.Features(b.TrackKey(name, "Song")).energy);
    if (other_seed.Artist(other_seed.ArtistKey(name)).genres != x.genres) ++differ;
  }
  EXPECT_GT(differ, 500);
}

}  // namespace
}  // namespace provider_sim
