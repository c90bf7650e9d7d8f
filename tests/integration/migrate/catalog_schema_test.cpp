// The catalog schema of migrations/0001_catalog.sql against realistic data: the queries the
// recommendation builder relies on use the GIN indexes, and the CHECKs reject bad values.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <cmath>
#include <iostream>
#include <string>

#include "common/db/migrator.hpp"
#include "tests/integration/migrate/test_support.hpp"

namespace {

using migrate_test::TestDatabase;

// ~200 genres, most common first. Each track carries genre number k with probability
// 0.3 / k^0.9 (a Zipf-like tail: about 2.3 genres per track, 10% with none), which puts
// 'house' (k = 25) on about 1.6% of tracks.
constexpr const char* kGenres[] = {
    "rock", "pop", "electronic", "hip hop", "indie", "alternative", "jazz", "dance", "soul",
    "folk", "metal", "rnb", "classical", "country", "punk", "blues", "indie rock", "ambient",
    "experimental", "funk", "reggae", "singer-songwriter", "hard rock", "alternative rock",
    "house", "techno", "classic rock", "electronica", "psychedelic", "progressive rock",
    "trip hop", "new wave", "post-punk", "synthpop", "soundtrack", "downtempo", "latin",
    "indie pop", "heavy metal", "punk rock", "rap", "chillout", "dubstep", "drum and bass",
    "trance", "deep house", "disco", "garage rock", "shoegaze", "emo", "grunge", "britpop",
    "post-rock", "death metal", "black metal", "thrash metal", "hardcore", "ska", "dub",
    "gospel", "world", "afrobeat", "bossa nova", "samba", "salsa", "reggaeton", "k-pop",
    "j-pop", "city pop", "lo-fi", "idm", "glitch", "minimal techno", "tech house",
    "progressive house", "acid house", "electro", "breakbeat", "uk garage", "grime", "trap",
    "drill", "boom bap", "conscious hip hop", "neo soul", "motown", "doo-wop", "rockabilly",
    "surf rock", "stoner rock", "doom metal", "sludge metal", "power metal", "folk metal",
    "industrial", "ebm", "darkwave", "gothic rock", "coldwave", "synthwave", "vaporwave",
    "chiptune", "bluegrass", "americana", "alt-country", "outlaw country", "honky tonk",
    "cajun", "zydeco", "delta blues", "chicago blues", "electric blues", "bebop", "hard bop",
    "cool jazz", "free jazz", "fusion", "smooth jazz", "swing", "big band", "ragtime",
    "baroque", "romantic", "opera", "chamber music", "minimalism", "contemporary classical",
    "choral", "new age", "dark ambient", "drone", "noise", "noise rock", "math rock",
    "post-hardcore", "screamo", "metalcore", "deathcore", "nu metal", "rap metal", "funk metal",
    "pop punk", "skate punk", "crust punk", "oi", "riot grrrl", "dream pop", "chamber pop",
    "baroque pop", "art pop", "art rock", "krautrock", "space rock", "prog metal",
    "jazz rock", "latin jazz", "afro-cuban", "cumbia", "bachata", "merengue", "tango", "fado",
    "flamenco", "chanson", "schlager", "polka", "klezmer", "celtic", "sea shanty", "qawwali",
    "bhangra", "bollywood", "carnatic", "hindustani", "gamelan", "highlife", "soukous",
    "mbalax", "kwaito", "amapiano", "gqom", "afro house", "baile funk", "footwork",
    "juke", "jersey club", "hardstyle", "gabber", "happy hardcore", "eurodance", "italo disco",
    "nu disco", "french house", "balearic", "lounge", "exotica", "easy listening", "musical",
    "show tunes", "kids music", "comedy", "spoken word", "christmas", "hymns",
};

// Share of tracks carrying each mood (mood tags are sparse: most tracks have none).
constexpr std::pair<const char*, double> kMoods[] = {
    {"energetic", 0.18}, {"happy", 0.15},    {"sad", 0.12},      {"chill", 0.12},
    {"melancholic", 0.07}, {"aggressive", 0.06}, {"romantic", 0.05}, {"uplifting", 0.05},
    {"dark", 0.04},      {"party", 0.04},    {"calm", 0.02},     {"dreamy", 0.012},
};

std::string GenreValues() {
  std::string values;
  int rank = 1;
  for (const char* genre : kGenres) {
    if (!values.empty()) values += ",";
    values += "('" + std::string(genre) + "', " +
              std::to_string(0.3 / std::pow(static_cast<double>(rank++), 0.9)) + ")";
  }
  return values;
}

std::string MoodValues() {
  std::string values;
  for (const auto& [mood, share] : kMoods) {
    if (!values.empty()) values += ",";
    values += "('" + std::string(mood) + "', " + std::to_string(share) + ")";
  }
  return values;
}

// 5,000 tracks shaped like enriched ones. The per-row subqueries reference g.i so PostgreSQL
// evaluates them per track instead of once.
std::string LoadTracksSql() {
  return R"sql(
CREATE TEMP TABLE genre_vocabulary (name text, share float8);
INSERT INTO genre_vocabulary VALUES )sql" + GenreValues() + R"sql(;
CREATE TEMP TABLE mood_vocabulary (name text, share float8);
INSERT INTO mood_vocabulary VALUES )sql" + MoodValues() + R"sql(;
SELECT setseed(0.42);
INSERT INTO tracks (identity_key, name_key, artist_name, title, isrc, duration_ms, explicit,
                    popularity, track_number, release_year, genres, moods, audio_features,
                    providers_done, enriched_at)
SELECT 'isrc:' || isrc, lower(artist) || chr(31) || lower(title), artist, title, isrc,
       120000 + (random() * 240000)::int, random() < 0.1, (random() * 100)::smallint,
       1 + (random() * 11)::smallint, 1960 + (random() * 64)::smallint,
       ARRAY(SELECT name FROM genre_vocabulary WHERE random() < share AND g.i > 0),
       ARRAY(SELECT name FROM mood_vocabulary WHERE random() < share AND g.i > 0),
       jsonb_build_object('danceability', round(random()::numeric, 3),
                          'energy', round(random()::numeric, 3),
                          'valence', round(random()::numeric, 3),
                          'acousticness', round(random()::numeric, 3),
                          'instrumentalness', round(random()::numeric, 3),
                          'tempo', round((60 + random() * 120)::numeric, 1)),
       ARRAY['spotify', 'lastfm'], now()
FROM (SELECT i, 'USTF1' || lpad(i::text, 7, '0') AS isrc, 'Artist ' || (i % 700) AS artist,
             'Track number ' || i AS title
      FROM generate_series(1, 5000) AS i) AS g;
ANALYZE tracks;
)sql";
}

std::string Explain(pqxx::connection& conn, const std::string& query) {
  pqxx::nontransaction tx{conn};
  std::string plan;
  for (const auto& row : tx.exec("EXPLAIN " + query)) plan += row[0].as<std::string>() + "\n";
  return plan;
}

class CatalogSchemaTest : public testing::Test {
 protected:
  void SetUp() override {
    auto report = db::Migrator({database_.dsn(), TUNEFLEET_SOURCE_DIR "/migrations"}).Apply();
    ASSERT_TRUE(report) << report.error().message;
  }

  TestDatabase database_;
};

TEST_F(CatalogSchemaTest, GenreAndMoodQueriesUseTheGinIndexes) {
  auto conn = database_.Connect();
  {
    pqxx::nontransaction tx{*conn};
    tx.exec(LoadTracksSql());
  }
  // The data must look like a catalog for the plan to mean anything.
  double house_share = std::stod(database_.Scalar(
      "SELECT avg((genres @> ARRAY['house'])::int) FROM tracks"));
  EXPECT_GT(house_share, 0.005);
  EXPECT_LT(house_share, 0.03);
  double mood_share = std::stod(database_.Scalar(
      "SELECT avg((moods && ARRAY['calm', 'dreamy'])::int) FROM tracks"));
  EXPECT_GT(mood_share, 0.01);
  EXPECT_LT(mood_share, 0.06);

  std::string genre_plan = Explain(*conn, "SELECT id FROM tracks WHERE genres @> ARRAY['house']");
  EXPECT_NE(genre_plan.find("tracks_genres_gin"), std::string::npos) << genre_plan;
  std::string mood_plan =
      Explain(*conn, "SELECT id FROM tracks WHERE moods && ARRAY['calm', 'dreamy']");
  EXPECT_NE(mood_plan.find("tracks_moods_gin"), std::string::npos) << mood_plan;
  std::cout << "house on " << house_share * 100 << "% of tracks:\n" << genre_plan
            << "calm or dreamy on " << mood_share * 100 << "% of tracks:\n" << mood_plan;
}

TEST_F(CatalogSchemaTest, ChecksRejectBadValues) {
  auto conn = database_.Connect();
  auto insert = [&](const std::string& column, const std::string& value) {
    pqxx::work tx{*conn};
    tx.exec("INSERT INTO tracks (identity_key, name_key, artist_name, title, " + column +
            ") VALUES ('name:a' || chr(31) || 'b', 'a' || chr(31) || 'b', 'A', 'B', " + value + ")");
    tx.commit();
  };
  EXPECT_THROW(insert("popularity", "101"), pqxx::check_violation);
  EXPECT_THROW(insert("popularity", "-1"), pqxx::check_violation);
  EXPECT_THROW(insert("isrc", "'us-rc1-76-07839'"), pqxx::check_violation);
  EXPECT_THROW(insert("release_year", "0"), pqxx::check_violation);
  EXPECT_NO_THROW(insert("isrc", "'USRC17607839'"));
}

TEST_F(CatalogSchemaTest, ProviderIdsAreUniqueOnlyWhereSet) {
  auto conn = database_.Connect();
  pqxx::work tx{*conn};
  tx.exec(
      "INSERT INTO tracks (identity_key, name_key, artist_name, title) VALUES "
      "('name:a', 'a', 'A', 'A'), ('name:b', 'b', 'B', 'B')");  // two rows without ids
  tx.exec("UPDATE tracks SET spotify_id = 'x' WHERE identity_key = 'name:a'");
  EXPECT_THROW(tx.exec("UPDATE tracks SET spotify_id = 'x' WHERE identity_key = 'name:b'"),
               pqxx::unique_violation);
}

TEST_F(CatalogSchemaTest, DeletingATrackRemovesItsSourcesAndSimilarities) {
  auto conn = database_.Connect();
  pqxx::work tx{*conn};
  auto a = tx.exec1("INSERT INTO tracks (identity_key, name_key, artist_name, title) "
                    "VALUES ('name:a', 'a', 'A', 'A') RETURNING id")[0].as<long>();
  auto b = tx.exec1("INSERT INTO tracks (identity_key, name_key, artist_name, title) "
                    "VALUES ('name:b', 'b', 'B', 'B') RETURNING id")[0].as<long>();
  tx.exec_params("INSERT INTO track_sources (track_id, provider, status, fetched_at) "
                 "VALUES ($1, 'spotify', 'ok', now())", a);
  tx.exec_params("INSERT INTO track_similar (track_id, similar_track_id, rank, score) "
                 "VALUES ($1, $2, 1, 0.9), ($2, $1, 1, 0.9)", a, b);
  tx.exec_params("DELETE FROM tracks WHERE id = $1", a);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM track_sources")[0].as<int>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM track_similar")[0].as<int>(), 0);
}

}  // namespace
