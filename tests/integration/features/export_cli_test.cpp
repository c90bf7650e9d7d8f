// `tunefleet export` as operators run it: the built binary against a throwaway database.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/features/catalog_fixture.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"
#include "workers/features/features_builder.hpp"
#include "common/resilience/clock.hpp"

namespace {

const resilience::SteadyClock kSteadyClock;  // the builders' caches and refreshes

namespace fs = std::filesystem;
using test_support::CliRun;
using test_support::ReadFile;
using test_support::TempDir;
using test_support::TestDatabase;

// Runs `tunefleet export args...` with TUNEFLEET_PG_DSN=`dsn` (the rest of the TUNEFLEET_*
// environment removed), stdout and stderr captured in `scratch`.
CliRun Export(std::vector<std::string> args, const std::string& dsn, const fs::path& scratch) {
  args.insert(args.begin(), "export");
  return test_support::RunTunefleet(args, {{"TUNEFLEET_PG_DSN", dsn}}, {.output_dir = scratch});
}

// RFC 4180 records (quoted fields may hold commas, quotes and line breaks). A field is
// nullopt when it was empty and unquoted (NULL), "" when it was "".
using Field = std::optional<std::string>;
std::vector<std::vector<Field>> ParseCsv(const std::string& text) {
  std::vector<std::vector<Field>> records;
  std::vector<Field> record;
  std::string field;
  bool quoted = false;
  bool was_quoted = false;
  auto end_field = [&] {
    record.push_back(field.empty() && !was_quoted ? Field{} : Field{field});
    field.clear();
    was_quoted = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      was_quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_field();
      records.push_back(std::move(record));
      record.clear();
    } else {
      field += c;
    }
  }
  EXPECT_TRUE(record.empty() && field.empty()) << "the output does not end with a line break";
  return records;
}

std::string Join(const std::vector<Field>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i].value_or("");
  return out;
}

// A database with the hand-built catalog and its feature rows at version 1.
struct BuiltCatalog {
  BuiltCatalog() {
    features_test::InsertCatalog(db);
    auto builder = features::MakeFeaturesBuilder(db.dsn(), features_test::SmallSettings(), kSteadyClock);
    auto stats = builder->Rebuild({1, 2, 3, 4, 5, 6});
    EXPECT_TRUE(stats) << (stats ? "" : stats.error().message);
  }
  TestDatabase db;
  TempDir dir;
};

TEST(ExportFeatures, OneRowPerTrackWithTheVocabularyColumnsAndTheDatabaseValues) {
  BuiltCatalog c;
  const fs::path file = c.dir.path() / "features.csv";
  CliRun run = Export({"features", "--out", file.string()}, c.db.reader_dsn(), c.dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.out.empty());
  EXPECT_NE(run.err.find("exported 6 feature rows"), std::string::npos) << run.err;
  const auto records = ParseCsv(ReadFile(file));
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(Join(records[0]),
            "track_id," + c.db.Scalar("SELECT array_to_string(columns, ',') FROM feature_vocabularies WHERE version = 1"));
  EXPECT_EQ(records[0].size(), 19u);
  // Every value as PostgreSQL prints it, empty where missing.
  const auto expected = c.db.Rows(
      "SELECT track_id::text || ',' || array_to_string(ARRAY(SELECT CASE WHEN m THEN '' ELSE v::text END "
      "FROM unnest(features, missing) WITH ORDINALITY AS u(v, m, n) ORDER BY n), ',') "
      "FROM track_features ORDER BY track_id");
  ASSERT_EQ(expected.size(), 6u);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(Join(records[i + 1]), expected[i][0]);
    EXPECT_EQ(records[i + 1].size(), 19u);
  }
  // Spot checks against the fixture: track 1 fully known, track 2 all missing.
  EXPECT_EQ(Join(records[1]), "1,212000,64,3,1999,1,0.5,0.25,0.75,120.5,0.125,0,0.375,0.0625,-7.5,1,1,0,1");
  EXPECT_EQ(Join(records[2]), "2" + std::string(18, ','));
  EXPECT_FALSE(records[2][1].has_value());
  // No temporary file left next to it.
  EXPECT_EQ(std::distance(fs::directory_iterator(c.dir.path()), fs::directory_iterator{}), 3);  // + stdout, stderr
}

TEST(ExportFeatures, TwoExportsAreIdenticalAndStdoutMatchesTheFile) {
  BuiltCatalog c;
  const fs::path a = c.dir.path() / "a.csv";
  const fs::path b = c.dir.path() / "b.csv";
  ASSERT_EQ(Export({"features", "--out", a.string()}, c.db.reader_dsn(), c.dir.path()).exit_code, 0);
  ASSERT_EQ(Export({"--out", b.string(), "features", "--version", "1"}, c.db.reader_dsn(), c.dir.path()).exit_code, 0);
  CliRun to_stdout = Export({"features"}, c.db.reader_dsn(), c.dir.path());
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_FALSE(ReadFile(a).empty());
  EXPECT_EQ(ReadFile(a), ReadFile(b));
  EXPECT_EQ(ReadFile(a), to_stdout.out);
}

TEST(ExportFeatures, RowsAtAnotherVersionAreCountedNotMixedIn) {
  BuiltCatalog c;
  // A version 2 that only track 1 has reached so far, and a track without a row.
  c.db.Rows("INSERT INTO feature_vocabularies (version, columns, genres, moods) "
            "SELECT 2, columns, genres, moods FROM feature_vocabularies WHERE version = 1");
  c.db.Rows("UPDATE track_features SET vocabulary_version = 2 WHERE track_id = 1");
  c.db.Rows("INSERT INTO tracks (id, identity_key, name_key, artist_name, title) VALUES (7, 'name:g', 'g', 'G', 'G')");
  CliRun latest = Export({"features"}, c.db.reader_dsn(), c.dir.path());
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  auto records = ParseCsv(latest.out);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1][0], "1");
  EXPECT_NE(latest.err.find("vocabulary version 2"), std::string::npos) << latest.err;
  EXPECT_NE(latest.err.find("5 tracks at another vocabulary version, 1 tracks without features"), std::string::npos)
      << latest.err;

  CliRun older = Export({"features", "--version", "1"}, c.db.reader_dsn(), c.dir.path());
  ASSERT_EQ(older.exit_code, 0) << older.err;
  EXPECT_EQ(ParseCsv(older.out).size(), 6u);  // header + tracks 2..6

  CliRun missing = Export({"features", "--version", "9", "--out", (c.dir.path() / "x.csv").string()}, c.db.reader_dsn(),
                          c.dir.path());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no vocabulary version 9"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(c.dir.path() / "x.csv"));
  EXPECT_EQ(std::distance(fs::directory_iterator(c.dir.path()), fs::directory_iterator{}), 2);  // stdout, stderr
}

TEST(ExportTracks, CsvParsesBackToTheDatabaseValues) {
  BuiltCatalog c;
  // Track 1's album has AOTY scores (the optional label columns); the others have none.
  c.db.Rows("WITH a AS (INSERT INTO albums (identity_key, title, aoty_critic_score, aoty_user_score) "
            "VALUES ('name:aoty-export', 'Scored', 87.4, 90.6) RETURNING id) "
            "UPDATE tracks SET album_id = (SELECT id FROM a) WHERE id = 1 RETURNING id");
  CliRun run = Export({"tracks", "--format", "csv"}, c.db.reader_dsn(), c.dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto records = ParseCsv(run.out);
  ASSERT_EQ(records.size(), 7u);
  ASSERT_EQ(Join(records[0]),
            "track_id,artist_name,title,album_title,isrc,mbid,spotify_id,discogs_id,duration_ms,explicit,popularity,"
            "track_number,release_date,release_year,genres,moods,danceability,energy,valence,tempo,acousticness,"
            "instrumentalness,liveness,speechiness,loudness,providers_done,aoty_critic_score,aoty_user_score");
  const auto expected = c.db.Rows(
      "SELECT id, artist_name, title, album_title, isrc, mbid, spotify_id, discogs_id, duration_ms, explicit, "
      "popularity, track_number, release_date, release_year, array_to_json(genres), array_to_json(moods), "
      "audio_features->>'danceability', audio_features->>'energy', audio_features->>'valence', "
      "CASE WHEN jsonb_typeof(audio_features->'tempo') = 'number' THEN audio_features->>'tempo' END, "
      "audio_features->>'acousticness', audio_features->>'instrumentalness', audio_features->>'liveness', "
      "audio_features->>'speechiness', audio_features->>'loudness', array_to_json(providers_done), "
      "(SELECT aoty_critic_score FROM albums a WHERE a.id = album_id), "
      "(SELECT aoty_user_score FROM albums a WHERE a.id = album_id) "
      "FROM tracks ORDER BY id");
  ASSERT_EQ(expected.size(), 6u);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& got = records[i + 1];
    ASSERT_EQ(got.size(), expected[i].size()) << "track " << expected[i][0];
    for (std::size_t k = 0; k < got.size(); ++k) {
      std::string want = expected[i][k];
      if (k == 9 && !want.empty()) want = want == "t" ? "true" : "false";
      EXPECT_EQ(got[k].value_or(""), want) << "track " << expected[i][0] << " column " << records[0][k].value_or("");
    }
  }
  EXPECT_EQ(records[1][2], "Say \"Hi\"");
  EXPECT_EQ(records[1][1], "Artist, One");
  EXPECT_EQ(records[3][2], "Line\nBreak");
  EXPECT_FALSE(records[2][3].has_value());  // album_title NULL
  EXPECT_EQ(records[2][14], "[]");          // no genres
  EXPECT_EQ(records[1][14], "[\"rock\",\"jazz\"]");
  EXPECT_EQ(records[1][26], "87.4");
  EXPECT_EQ(records[1][27], "90.6");
  EXPECT_FALSE(records[2][26].has_value());
}

TEST(ExportTracks, JsonlParsesBackToTheDatabaseValues) {
  BuiltCatalog c;
  const fs::path file = c.dir.path() / "tracks.jsonl";
  CliRun run = Export({"tracks", "--format", "jsonl", "--out", file.string()}, c.db.reader_dsn(), c.dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::istringstream lines(ReadFile(file));
  std::string line;
  std::vector<rapidjson::Document> docs;
  while (std::getline(lines, line)) {
    docs.emplace_back();
    ASSERT_FALSE(docs.back().Parse(line.c_str()).HasParseError()) << line;
  }
  ASSERT_EQ(docs.size(), 6u);
  const auto rows = c.db.Rows("SELECT id, title, coalesce(duration_ms::text, 'null'), array_to_string(genres, '|'), "
                              "coalesce((audio_features->>'danceability'), 'null'), coalesce(explicit::text, 'null') "
                              "FROM tracks ORDER BY id");
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const auto& d = docs[i];
    EXPECT_EQ(std::to_string(d["track_id"].GetInt64()), rows[i][0]);
    EXPECT_EQ(d["title"].GetString(), rows[i][1]);
    EXPECT_EQ(d["duration_ms"].IsNull() ? "null" : std::to_string(d["duration_ms"].GetInt()), rows[i][2]);
    std::string genres;
    for (const auto& g : d["genres"].GetArray()) genres += (genres.empty() ? "" : "|") + std::string(g.GetString());
    EXPECT_EQ(genres, rows[i][3]);
    if (rows[i][4] == "null") {
      EXPECT_TRUE(d["audio_features"].IsNull() || !d["audio_features"].HasMember("danceability"));
    } else {
      EXPECT_DOUBLE_EQ(d["audio_features"]["danceability"].GetDouble(), std::stod(rows[i][4]));
    }
    EXPECT_EQ(d["explicit"].IsNull() ? "null" : (d["explicit"].GetBool() ? "true" : "false"), rows[i][5]);
    EXPECT_TRUE(d["providers_done"].IsArray());
  }
  EXPECT_STREQ(docs[2]["title"].GetString(), "Line\nBreak");
}

TEST(ExportCli, BadFlagsExitWithUsageErrorAndOneLine) {
  TempDir dir;
  const std::string dsn = test_support::PgDsn();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{}, {"albums"}, {"features", "--bogus"}, {"features", "--format", "jsonl"},
        {"tracks", "--format", "xml"}, {"tracks", "--version", "1"}, {"features", "--version", "zero"},
        {"features", "--version", "0"}, {"features", "--out"}, {"features", "extra"}}) {
    CliRun run = Export(args, dsn, dir.path());
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(run.exit_code, 2) << shown << ": " << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << shown << ": " << run.err;
    EXPECT_TRUE(run.out.empty()) << shown;
  }
  CliRun help = Export({"--help"}, dsn, dir.path());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: tunefleet export features"), std::string::npos);
}

TEST(ExportCli, WriteErrorExitsOneNamingTheFile) {
  BuiltCatalog c;
  // A device is written directly (never replaced by a rename); /dev/full fails every write.
  CliRun run = Export({"tracks", "--out", "/dev/full"}, c.db.reader_dsn(), c.dir.path());
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("cannot write /dev/full"), std::string::npos) << run.err;
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST(ExportCli, UnreachableDatabaseNamesItAndExitsOne) {
  TempDir dir;
  const fs::path file = dir.path() / "f.csv";
  CliRun run = Export({"features", "--out", file.string()}, "postgresql://tunefleet@127.0.0.1:1/none?connect_timeout=2",
                      dir.path());
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("127.0.0.1:1"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("TUNEFLEET_PG_DSN"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(file));
}

}  // namespace
