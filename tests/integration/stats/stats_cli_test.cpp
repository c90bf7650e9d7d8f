// `tunefleet stats --json` as the read-only role equals the same figures computed by hand
// from the base tables, after a catalog written the way workers write it: four providers'
// db::CatalogWriter batches at once on the same tracks (so the counters' triggers race),
// a provider's re-run flipping statuses and genres, deleted tracks (cascading to their
// sources and features), albums, feature rows moved between vocabulary versions, and
// job_commits of different ages.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <pqxx/pqxx>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/db/catalog_writer.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/wait.hpp"
#include "workers/fleet/fleet.hpp"

namespace {

const std::vector<std::string> kProviders = {"spotify", "lastfm", "musicbrainz", "discogs"};
const std::vector<std::string> kGenres = {"rock", "pop", "jazz", "house", "techno", "soul", "folk", "drum and bass"};
const std::vector<std::string> kMoods = {"happy", "calm", "dark", "energetic"};
constexpr int kTracks = 240;
constexpr int kBatch = 20;

catalog::TrackRecord Track(const std::string& provider, int p, int k, int round) {
  catalog::TrackRecord r;
  r.ref.artist = "Artist " + std::to_string(k % 20);
  r.ref.title = "Song " + std::to_string(k);
  r.provider = provider;
  r.job_id = provider + "-" + std::to_string(k) + "-" + std::to_string(round);
  r.status = (k * 7 + p + round) % 11 == 0 ? catalog::SourceStatus::kNotFound : catalog::SourceStatus::kOk;
  if (r.status == catalog::SourceStatus::kOk) {
    r.genres = {kGenres[static_cast<std::size_t>((k + p + round) % 8)]};
    if (k % 3 == 0) r.genres.push_back(kGenres[static_cast<std::size_t>((k / 3 + round) % 8)]);
    if (k % 2 == 0) r.moods = {kMoods[static_cast<std::size_t>((k + p) % 4)]};
    if (provider == "spotify" && k % 3 != 0) r.fields.audio_features_json = R"({"energy":0.5,"valence":0.25})";
  }
  return r;
}

// Writes tracks k in [from, to) of provider p, in batches, each with its jobs' effects.
void WriteProvider(const std::string& dsn, int p, int from, int to, int round) {
  db::CatalogWriter writer(dsn, fleet::MergePriority());
  const std::string& provider = kProviders[static_cast<std::size_t>(p)];
  std::vector<catalog::TrackRecord> batch;
  std::vector<db::JobEffect> effects;
  auto flush = [&] {
    if (batch.empty()) return;
    auto written = writer.WriteTracks(batch, effects);
    ASSERT_TRUE(written) << written.error().message;
    batch.clear();
    effects.clear();
  };
  for (int k = from; k < to; ++k) {
    if ((k + p) % 5 == 0) continue;  // this provider was never asked about the track
    batch.push_back(Track(provider, p, k, round));
    effects.push_back({provider, batch.back().job_id, 1});
    if (batch.size() == kBatch) flush();
  }
  flush();
}

void WriteAlbums(const std::string& dsn, const std::string& provider, int salt) {
  db::CatalogWriter writer(dsn, fleet::MergePriority());
  std::vector<catalog::AlbumRecord> batch;
  for (int a = 0; a < 30; ++a) {
    if ((a + salt) % 4 == 0) continue;
    catalog::AlbumRecord r;
    r.ref.artist = "Artist " + std::to_string(a % 20);
    r.ref.title = "Album " + std::to_string(a);
    r.provider = provider;
    r.job_id = provider + "-album-" + std::to_string(a);
    r.status = (a + salt) % 7 == 0 ? catalog::SourceStatus::kNotFound : catalog::SourceStatus::kOk;
    batch.push_back(r);
    if (batch.size() == 8) {
      ASSERT_TRUE(writer.WriteAlbums(batch));
      batch.clear();
    }
  }
  if (!batch.empty()) {
    ASSERT_TRUE(writer.WriteAlbums(batch));
  }
}

// "key=value" lines of a two-column query, for comparing with the JSON.
std::map<std::string, std::string> Pairs(const test_support::TestDatabase& db, const std::string& sql) {
  std::map<std::string, std::string> out;
  for (const auto& row : db.Rows(sql)) out[row.at(0)] = row.at(1);
  return out;
}

std::string Share(const test_support::TestDatabase& db, std::int64_t part, std::int64_t whole) {
  return db.Scalar("SELECT round(" + std::to_string(part) + "::numeric / " + std::to_string(whole) + ", 4)::float8");
}

std::string Text(const rapidjson::Value& v) {
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsDouble()) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.4f", v.GetDouble());
    return buffer;
  }
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "t" : "f";
  return "null";
}

// PostgreSQL's float8 text ("0.1234", "1") as the same 4-decimal text.
std::string Four(const std::string& pg) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4f", std::stod(pg));
  return buffer;
}

class StatsCliTest : public ::testing::Test {
 protected:
  test_support::TestDatabase db_;

  test_support::CliRun Stats(const std::vector<std::string>& flags) {
    std::vector<std::string> args = {"stats"};
    args.insert(args.end(), flags.begin(), flags.end());
    return test_support::RunTunefleet(args, {{"TUNEFLEET_PG_DSN", db_.reader_dsn()}});
  }

  void WriteCatalog() {
    // Round 0: the four providers at once, on the same tracks.
    std::vector<std::thread> writers;
    for (int p = 0; p < 4; ++p) writers.emplace_back(WriteProvider, db_.worker_dsn(), p, 0, kTracks, 0);
    writers.emplace_back(WriteAlbums, db_.worker_dsn(), "spotify", 0);
    writers.emplace_back(WriteAlbums, db_.worker_dsn(), "musicbrainz", 1);
    for (auto& t : writers) t.join();
    // Round 1: lastfm again on the first 90 tracks (statuses and genres change).
    WriteProvider(db_.worker_dsn(), 1, 0, 90, 1);
    // Deleted tracks take their sources (and, below, features) with them.
    db_.Rows("DELETE FROM tracks WHERE title IN ('Song 200', 'Song 201', 'Song 202', 'Song 17')");
    // The feature matrix: version 1 for every other track, then some moved to version 2.
    db_.Rows("INSERT INTO feature_vocabularies (version, columns, genres, moods) VALUES "
             "(1, '{a,b,c,d}', '{rock}', '{happy}'), (2, '{a,b,c,d,e}', '{rock,pop}', '{happy}')");
    db_.Rows("INSERT INTO track_features (track_id, vocabulary_version, features, missing) "
             "SELECT id, 1, '{0,0,0,0}', ARRAY[id % 2 = 0, id % 3 = 0, false, true] FROM tracks WHERE id % 2 = 0");
    db_.Rows("UPDATE track_features SET vocabulary_version = 2, features = '{1,1,1,1,1}', "
             "missing = ARRAY[false, false, track_id % 4 = 0, false, false] WHERE track_id % 3 = 0");
    db_.Rows("DELETE FROM track_features WHERE track_id % 10 = 0");
    db_.Rows("DELETE FROM tracks WHERE title = 'Song 30'");
    // job_commits beyond the CatalogWriter's own (all of the last seconds): 2 hours and 2 days old.
    db_.Rows("INSERT INTO job_commits (provider, committed_at, job_ids, followup_ids) VALUES "
             "('spotify', now() - interval '2 hours', '{old-1,old-2,old-3}', '{1,1,1}'), "
             "('aoty', now() - interval '2 days', '{older-1}', '{0}')");
  }
};

TEST_F(StatsCliTest, JsonEqualsFiguresComputedByHandInSql) {
  WriteCatalog();
  auto run = Stats({"--json", "--top", "1000", "--no-dead-letters"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  rapidjson::Document d;
  ASSERT_FALSE(d.Parse(run.out.c_str()).HasParseError()) << run.out;

  const std::int64_t tracks = db_.Int("SELECT count(*) FROM tracks");
  const std::int64_t albums = db_.Int("SELECT count(*) FROM albums");
  const std::int64_t with_features = db_.Int("SELECT count(*) FROM tracks WHERE audio_features IS NOT NULL");
  ASSERT_GT(tracks, 200);
  ASSERT_GT(with_features, 20);
  EXPECT_EQ(d["tracks"].GetInt64(), tracks);
  EXPECT_EQ(d["albums"].GetInt64(), albums);
  EXPECT_EQ(d["tracks_with_audio_features"].GetInt64(), with_features);
  EXPECT_EQ(Text(d["audio_features_share"]), Four(Share(db_, with_features, tracks)));

  // Tracks (albums) by how many providers stored them: source rows with status ok.
  auto by_providers = [&](const char* entity, const char* member) {
    const std::string e = entity;
    auto expected = Pairs(db_, "SELECT n, count(*) FROM (SELECT x.id, count(s." + e + "_id) FILTER (WHERE s.status = 'ok') AS n "
                                "FROM " + e + "s x LEFT JOIN " + e + "_sources s ON s." + e + "_id = x.id GROUP BY x.id) c "
                                "GROUP BY n");
    std::map<std::string, std::string> got;
    for (const auto& b : d[(e + "s_by_providers").c_str()].GetArray()) {
      if (b[member].GetInt64() != 0) got[std::to_string(b["providers"].GetInt())] = Text(b[member]);
    }
    EXPECT_EQ(got, expected) << entity;
  };
  by_providers("track", "tracks");
  by_providers("album", "albums");
  EXPECT_EQ(d["tracks_by_providers"][0]["providers"].GetInt(), 0);

  // Coverage: source rows per provider and status.
  std::map<std::string, std::string> coverage;
  for (const auto& c : d["coverage"].GetArray()) {
    const std::string p = c["provider"].GetString();
    for (const char* entity : {"tracks", "albums"}) {
      for (const char* status : {"stored", "not_found"}) {
        if (c[entity][status].GetInt64() != 0) coverage[p + "/" + entity + "/" + status] = Text(c[entity][status]);
      }
    }
    EXPECT_TRUE(c["dead_letters"].IsNull()) << "--no-dead-letters asks no broker";
  }
  auto expected_coverage = Pairs(
      db_, "SELECT provider || '/tracks/' || CASE status WHEN 'ok' THEN 'stored' ELSE status END, count(*) "
           "FROM track_sources GROUP BY provider, status UNION ALL "
           "SELECT provider || '/albums/' || CASE status WHEN 'ok' THEN 'stored' ELSE status END, count(*) "
           "FROM album_sources GROUP BY provider, status");
  EXPECT_EQ(coverage, expected_coverage);
  EXPECT_GT(db_.Int("SELECT count(*) FROM track_sources WHERE status = 'not_found'"), 0);

  // Genres and moods: every one (--top 1000), counts and shares of all tracks, in order.
  auto tags = [&](const char* member, const char* name, const char* column) {
    std::vector<std::string> got;
    for (const auto& t : d[member]["top"].GetArray()) {
      got.push_back(std::string(t[name].GetString()) + "=" + Text(t["tracks"]) + "@" + Text(t["share"]));
    }
    std::vector<std::string> expected;
    for (const auto& row : db_.Rows(std::string("SELECT g, count(*), round(count(*)::numeric / ") + std::to_string(tracks) +
                                    ", 4)::float8 FROM tracks, unnest(" + column + ") g GROUP BY g ORDER BY 2 DESC, 1")) {
      expected.push_back(row[0] + "=" + row[1] + "@" + Four(row[2]));
    }
    EXPECT_EQ(got, expected) << member;
    EXPECT_EQ(d[member]["distinct"].GetInt64(), static_cast<std::int64_t>(expected.size()));
  };
  tags("genres", "genre", "genres");
  tags("moods", "mood", "moods");

  // The feature matrix per version.
  std::vector<std::string> matrix;
  for (const auto& v : d["feature_matrix"].GetArray()) {
    matrix.push_back(Text(v["version"]) + ":" + Text(v["latest"]) + ":" + Text(v["rows"]) + ":" + Text(v["cells"]) + ":" +
                     Text(v["missing_cells"]) + ":" + Text(v["missing_share"]));
  }
  std::vector<std::string> expected_matrix;
  for (const auto& row : db_.Rows(
           "SELECT vocabulary_version, vocabulary_version = (SELECT max(version) FROM feature_vocabularies), count(*), "
           "sum(cardinality(missing)), sum((SELECT count(*) FROM unnest(missing) m WHERE m)), "
           "round(sum((SELECT count(*) FROM unnest(missing) m WHERE m))::numeric / sum(cardinality(missing)), 4)::float8 "
           "FROM track_features GROUP BY 1 ORDER BY 1")) {
    expected_matrix.push_back(row[0] + ":" + row[1] + ":" + row[2] + ":" + row[3] + ":" + row[4] + ":" + Four(row[5]));
  }
  EXPECT_EQ(matrix, expected_matrix);
  EXPECT_EQ(expected_matrix.size(), 2u);

  // Jobs committed per provider in the last hour and day.
  std::map<std::string, std::string> rate;
  for (const auto& r : d["enrichment_rate"].GetArray()) {
    rate[r["provider"].GetString()] = Text(r["jobs_last_hour"]) + "/" + Text(r["jobs_last_day"]);
  }
  auto expected_rate = Pairs(db_, "SELECT provider, "
                                  "coalesce(sum(cardinality(job_ids)) FILTER (WHERE committed_at > now() - interval '1 hour'), 0) "
                                  "|| '/' || sum(cardinality(job_ids)) FROM job_commits "
                                  "WHERE committed_at > now() - interval '1 day' GROUP BY provider");
  EXPECT_EQ(rate, expected_rate);
  EXPECT_EQ(rate.count("aoty"), 0u) << "2 days old";
}

TEST_F(StatsCliTest, TableListsTheTopGenresOnly) {
  WriteCatalog();
  auto run = Stats({"--top", "3", "--no-dead-letters"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto top = db_.Rows("SELECT g FROM tracks, unnest(genres) g GROUP BY g ORDER BY count(*) DESC, g");
  ASSERT_GT(top.size(), 3u);
  EXPECT_NE(run.out.find("genres: top 3 of " + std::to_string(top.size())), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\n  " + top[0][0] + " "), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("\n  " + top[3][0] + " "), std::string::npos) << run.out;
}

TEST_F(StatsCliTest, DeadLettersComeFromTheManagementApiOrAreMarkedUnknown) {
  // An unreachable management API: the catalog's figures still print, dead letters are null.
  auto run = test_support::RunTunefleet({"stats", "--json"}, {{"TUNEFLEET_PG_DSN", db_.reader_dsn()},
                                                              {"TUNEFLEET_RABBITMQ_API_URL", "http://guest:guest@127.0.0.1:1"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("dead letters unknown"), std::string::npos) << run.err;
  rapidjson::Document d;
  ASSERT_FALSE(d.Parse(run.out.c_str()).HasParseError()) << run.out;
  EXPECT_EQ(d["tracks"].GetInt64(), 0);
}

TEST_F(StatsCliTest, DeadLettersPerProviderComeFromItsDeadQueue) {
  test_support::TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::vector<amqp::OutgoingMessage> dead;
  for (int i = 0; i < 3; ++i) dead.push_back({"tunefleet.dead", "spotify", "dead-" + std::to_string(i), "{}", {}});
  dead.push_back({"tunefleet.dead", "lastfm", "dead-lastfm", "{}", {}});
  vhost.Publish(dead);
  const std::map<std::string, std::string> env = {{"TUNEFLEET_PG_DSN", db_.reader_dsn()},
                                                  {"TUNEFLEET_RABBITMQ_API_URL", test_support::RabbitApiUrl()},
                                                  {"TUNEFLEET_AMQP_URL", vhost.amqp_url()}};
  // The management API's queue figures follow the broker's statistics timer: poll.
  std::string last;
  ASSERT_TRUE(test_support::WaitUntil(
      [&] {
        auto run = test_support::RunTunefleet({"stats", "--json"}, env);
        last = run.out + run.err;
        rapidjson::Document d;
        if (run.exit_code != 0 || d.Parse(run.out.c_str()).HasParseError()) return false;
        std::map<std::string, std::int64_t> got;
        for (const auto& c : d["coverage"].GetArray()) {
          if (!c["dead_letters"].IsInt64()) return false;
          got[c["provider"].GetString()] = c["dead_letters"].GetInt64();
        }
        return got["spotify"] == 3 && got["lastfm"] == 1 && got["discogs"] == 0;
      },
      std::chrono::seconds(30), "tunefleet stats to count 3 spotify and 1 lastfm dead letters"))
      << last;
  auto table = test_support::RunTunefleet({"stats"}, env);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("dead letters from RabbitMQ)"), std::string::npos) << table.out;
}

TEST_F(StatsCliTest, OnlyTheTriggersWriteTheCountersAndTheReaderSeesTheViews) {
  auto worker = pqxx::connection(db_.worker_dsn());
  pqxx::work tx(worker);
  EXPECT_THROW(tx.exec("INSERT INTO catalog_counter_deltas VALUES ('tracks', '', 1000)"), pqxx::insufficient_privilege);
  tx.abort();
  pqxx::work tx2(worker);
  EXPECT_THROW(tx2.exec("SELECT catalog_counters_compact()"), pqxx::insufficient_privilege);
  tx2.abort();
  // The worker's own writes go through: the triggers write the deltas as the owner.
  pqxx::work tx3(worker);
  tx3.exec("INSERT INTO tracks (identity_key, name_key, artist_name, title, genres) "
           "VALUES ('name:a' || chr(31) || 'b', 'a' || chr(31) || 'b', 'A', 'B', '{rock}')");
  tx3.commit();
  EXPECT_EQ(db_.Int("SELECT tracks FROM catalog_stats_genres WHERE genre = 'rock'"), 1);
  pqxx::connection reader(db_.reader_dsn());
  pqxx::read_transaction rtx(reader);
  EXPECT_EQ(rtx.exec("SELECT * FROM catalog_stats_totals").size(), 1u);
  EXPECT_THROW(rtx.exec("SELECT catalog_counters_compact()"), pqxx::sql_error);
}

TEST_F(StatsCliTest, CompactingFoldsTheDeltasWithoutChangingAFigure) {
  WriteCatalog();
  const auto before = db_.Rows("SELECT scope, key, n FROM catalog_counters ORDER BY 1, 2");
  db_.Rows("SELECT catalog_counters_compact()");
  EXPECT_EQ(db_.Rows("SELECT scope, key, n FROM catalog_counters ORDER BY 1, 2"), before);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM catalog_counter_deltas"), static_cast<std::int64_t>(before.size()));
}

TEST_F(StatsCliTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(Stats({"--top", "0"}).exit_code, 2);
  EXPECT_EQ(Stats({"--top", "x"}).exit_code, 2);
  EXPECT_EQ(Stats({"extra"}).exit_code, 2);
  auto help = Stats({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--top N"), std::string::npos);
}

}  // namespace
