// The pipeline end to end: 2,000 tracks and 200 albums published to track.all / album.all
// are enriched by every provider worker in `all` against provider-sim, merged, queryable
// through the GIN indexes, and announced to the builders; then a smaller run with both builders.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <variant>

#include "common/json/job_parser.hpp"
#include "common/json/job_writer.hpp"
#include "tests/integration/discogs/discogs_test_support.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/redis_db.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"

namespace pipeline_test {
namespace {

using namespace std::chrono_literals;
using discogs_test::SimProcess;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::WorkerProcess;

constexpr int kTracks = 2000;
constexpr int kAlbums = 200;
// The providers `all` routes to (workers/fleet; cyanite and noop take only their own keys).
// AOTY scores albums: it acks a track job and stores nothing, so tracks get four sources
// and albums five.
const char* const kProviders[] = {"spotify", "lastfm", "musicbrainz", "discogs", "aoty"};
constexpr int kTrackProviders = 4;
constexpr int kAlbumProviders = 5;

std::filesystem::path WorkerBinary(const std::string& provider) {
  return std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / ("tunefleet-" + provider);
}

amqp::OutgoingMessage ToAll(const json::Job& job, const std::string& key) {
  return {"tunefleet.jobs", key, std::string(json::JobId(job)), json::Serialize(job), {}};
}

// Quotas raised so the tests take well under a minute; the simulator enforces them.
std::vector<std::string> SimArgs() {
  std::vector<std::string> sim_args;
  for (const char* p : kProviders) {
    for (std::string flag : {"-rate", "-burst"}) {
      sim_args.push_back("--" + std::string(p) + flag);
      sim_args.push_back(flag == "-rate" ? "400" : "20");
    }
  }
  sim_args.push_back("--rate-slack-ms");
  sim_args.push_back("100");
  return sim_args;
}

// Redis database 16 of the private stack is these tests' alone (grep "Db = " in tests/),
// emptied as each test starts its workers: a cache a previous run filled would answer the
// workers instead of the simulator (the test then sees a provider make no request at all).
constexpr int kPipelineRedisDb = 16;

std::vector<std::unique_ptr<WorkerProcess>> StartProviderWorkers(const TestVhost& vhost, const TestDatabase& database,
                                                                 const SimProcess& sim) {
  test_support::FlushRedisDb(kPipelineRedisDb);
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (const char* p : kProviders) {
    std::string upper = p;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto env = discogs_test::WorkerEnv(vhost, database, sim, kPipelineRedisDb,
                                       {{"TUNEFLEET_" + upper + "_BASE_URL", sim.Url("/" + std::string(p))},
                                        {"TUNEFLEET_" + upper + "_RATE", "400"},
                                        {"TUNEFLEET_" + upper + "_BURST", "20"},
                                        {"TUNEFLEET_SPOTIFY_AUTH_URL", sim.Url("/spotify")},
                                        {"TUNEFLEET_SPOTIFY_CLIENT_ID", "test"},
                                        {"TUNEFLEET_SPOTIFY_CLIENT_SECRET", "test-secret"},
                                        {"TUNEFLEET_SPOTIFY_BATCH_WINDOW", "50ms"},
                                        {"TUNEFLEET_LASTFM_API_KEY", "test-key"},
                                        {"TUNEFLEET_MUSICBRAINZ_USER_AGENT", "tunefleet-test/0.1 ( test@example.invalid )"},
                                        // The counts below are of the jobs published here; an
                                        // album's track jobs (docs/RUNTIME.md) would add to them.
                                        {"TUNEFLEET_ALBUM_TRACKS", "false"}});
    workers.push_back(std::make_unique<WorkerProcess>(WorkerBinary(p), env));
  }
  return workers;
}

amqp::OutgoingMessage TrackToAll(int i) {
  json::TrackJob job;
  job.job_id = "t-" + std::to_string(i);
  job.trace_id = job.job_id;
  job.artist = "Pipeline Artist " + std::to_string(i % 300);
  job.title = "Pipeline Song " + std::to_string(i);
  if (i % 10 == 0) job.isrc = "USPL1" + std::to_string(1000000 + i).substr(0, 7);
  return ToAll(job, "track.all");
}

TEST(Pipeline, EveryTrackIsEnrichedByEveryProviderInAll) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  SimProcess sim(SimArgs());
  ASSERT_GT(sim.port(), 0) << sim.Stderr();
  auto workers = StartProviderWorkers(vhost, database, sim);

  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < kTracks; ++i) messages.push_back(TrackToAll(i));
  for (int i = 0; i < kAlbums; ++i) {
    json::AlbumJob job;
    job.job_id = "a-" + std::to_string(i);
    job.trace_id = job.job_id;
    job.artist = "Pipeline Artist " + std::to_string(i);
    job.album = "Pipeline Album " + std::to_string(i);
    messages.push_back(ToAll(job, "album.all"));
  }
  auto start = std::chrono::steady_clock::now();
  vhost.Publish(messages);

  const std::int64_t expected = std::int64_t{kTrackProviders} * kTracks + std::int64_t{kAlbumProviders} * kAlbums;
  auto done = [&] {
    return database.Int("select (select count(*) from track_sources) + (select count(*) from album_sources)");
  };
  bool finished = WaitUntil([&] { return done() >= expected; }, 300s, "every provider wrote a row for every job",
                            [&] { return "rows=" + std::to_string(done()) + " of " + std::to_string(expected); });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "pipeline: " << expected << " provider jobs in " << seconds << " s\n";
  for (auto& w : workers) EXPECT_TRUE(w->Running()) << "a worker exited";
  ASSERT_TRUE(finished);

  // Every track and album was looked up by every provider, and nothing died.
  EXPECT_EQ(database.Int("select count(*) from tracks"), kTracks);
  EXPECT_EQ(database.Int("select count(*) from tracks where cardinality(providers_done) = " +
                         std::to_string(kTrackProviders)),
            kTracks);
  EXPECT_EQ(database.Int("select count(*) from albums"), kAlbums);
  EXPECT_EQ(database.Int("select count(*) from album_sources where provider = 'aoty'"), kAlbums);
  EXPECT_EQ(database.Int("select count(*) from track_sources where provider = 'aoty'"), 0);
  EXPECT_EQ(vhost.Depth("tunefleet.aoty"), 0u) << "aoty consumed every track and album job";
  for (const char* p : kProviders) {
    EXPECT_EQ(vhost.Depth(std::string("tunefleet.") + p + ".dead"), 0u) << p;
  }
  // Merged genres and moods: the union of the providers' contributions, capped, non-empty
  // for (nearly) every track some provider found.
  EXPECT_EQ(database.Int("select count(*) from tracks where cardinality(genres) > 10 or cardinality(moods) > 15"), 0);
  std::int64_t with_genres = database.Int("select count(*) from tracks where cardinality(genres) > 0");
  std::int64_t with_moods = database.Int("select count(*) from tracks where cardinality(moods) > 0");
  EXPECT_GE(with_genres, kTracks * 9 / 10);
  EXPECT_GE(with_moods, kTracks / 2);
  // A merged genre is one some provider contributed: no genre comes from nowhere.
  EXPECT_EQ(database.Int("select count(*) from tracks t, unnest(t.genres) g where not exists ("
                         "select 1 from track_sources s where s.track_id = t.id and g = any(s.genres))"),
            0);
  // Several providers contribute to one track's genres.
  EXPECT_GT(database.Int("select count(*) from tracks t where (select count(distinct s.provider) from track_sources s "
                         "where s.track_id = t.id and s.genres && t.genres) >= 2"),
            kTracks / 2);
  // GIN queries find them.
  std::string genre = database.Scalar("select g from tracks, unnest(genres) g group by g order by count(*) desc limit 1");
  EXPECT_GT(database.Int("select count(*) from tracks where genres @> array['" + genre + "']"), 0);
  EXPECT_GT(database.Int("select count(*) from tracks where moods && array['calm','dreamy']"), 0);
  // The builders were told about every track, by every provider.
  json::JobParser parser;
  std::set<std::pair<std::string, std::int64_t>> announced;
  auto deliveries = vhost.Take("tunefleet.recommend", vhost.Depth("tunefleet.recommend"), 30s);
  for (const auto& d : deliveries) {
    auto job = parser.Parse(d.body);
    ASSERT_TRUE(job && std::holds_alternative<json::FollowUp>(*job)) << d.body.substr(0, 200);
    const auto& f = std::get<json::FollowUp>(*job);
    for (auto id : f.track_ids) announced.insert({f.provider, id});
  }
  EXPECT_EQ(announced.size(), static_cast<std::size_t>(kTrackProviders * kTracks));
  // The quotas held: every provider the workers called, none refused by the simulator's limit.
  for (const char* p : kProviders) {
    auto provider_stats = provider_sim_test::ProviderStats(sim, p);
    std::cout << p << ": " << provider_sim_test::Describe(provider_stats) << "\n";
    EXPECT_GT(provider_stats.requests, 0) << p;
    EXPECT_EQ(provider_stats.limited, 0) << p;
    EXPECT_LE(provider_stats.excused, provider_sim_test::ExcusedAllowance(provider_stats)) << p;
  }
  for (auto& w : workers) w->Terminate();
  for (auto& w : workers) EXPECT_TRUE(w->WaitExit(30s).has_value());
}

// The builders on a real run: the providers in `all` enrich 600 tracks, their follow-ups reach
// tunefleet-recommend and tunefleet-features, and every track ends with neighbours and a
// feature row, each track rebuilt far fewer times than it was announced.
TEST(Pipeline, BuildersGiveEveryEnrichedTrackNeighboursAndAFeatureRow) {
  constexpr int kBuilderTracks = 600;
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  SimProcess sim(SimArgs());
  ASSERT_GT(sim.port(), 0) << sim.Stderr();
  auto workers = StartProviderWorkers(vhost, database, sim);
  std::map<std::string, int> metrics_ports;
  std::vector<std::unique_ptr<WorkerProcess>> builders;
  for (const char* builder : {"recommend", "features"}) {
    metrics_ports[builder] = test_support::FreePort();
    builders.push_back(std::make_unique<WorkerProcess>(
        WorkerBinary(builder), std::map<std::string, std::string>{
                                   {"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                   {"TUNEFLEET_PG_DSN", database.worker_dsn()},
                                   {"TUNEFLEET_METRICS_PORT", std::to_string(metrics_ports[builder])},
                                   {"TUNEFLEET_BUILDER_WINDOW", "2s"},
                                   {"TUNEFLEET_FEATURES_VOCABULARY_REFRESH", "2s"}}));
  }
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < kBuilderTracks; ++i) messages.push_back(TrackToAll(i));
  vhost.Publish(messages);

  auto sources = [&] { return database.Int("select count(*) from track_sources"); };
  ASSERT_TRUE(WaitUntil([&] { return sources() >= kTrackProviders * kBuilderTracks; }, 300s, "every provider wrote every track",
                        [&] { return "sources=" + std::to_string(sources()); }));
  auto metric = [&](const std::string& builder, const std::string& name) {
    auto [status, body] = test_support::HttpGet("http://127.0.0.1:" + std::to_string(metrics_ports[builder]) + "/metrics");
    return status == 200 ? test_support::MetricValue(body, name).value_or(-1) : -1.0;
  };
  // Idle: every announced id received and nothing waiting, for both builders.
  for (const char* builder : {"recommend", "features"}) {
    ASSERT_TRUE(WaitUntil(
        [&] {
          auto stats = vhost.Stats(std::string("tunefleet.") + builder);
          return metric(builder, "tunefleet_builder_ids_received_total") >= kTrackProviders * kBuilderTracks &&
                 metric(builder, "tunefleet_builder_pending_ids") == 0 && metric(builder, "tunefleet_jobs_in_flight") == 0 &&
                 stats.ready == 0;
        },
        120s, std::string(builder) + " idle"));
  }
  // Features: the vocabulary settles, then every row is on its latest version.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return database.Int("select count(*) from track_features where vocabulary_version = "
                            "(select max(version) from feature_vocabularies)") == kBuilderTracks;
      },
      120s, "every track's feature row on the latest vocabulary"));
  for (auto& b : builders) EXPECT_TRUE(b->Running()) << "a builder exited:\n" << b->LogTail(20);

  // Every track some provider found has neighbours, ranked 1..n, never itself.
  EXPECT_EQ(database.Int("select count(*) from tracks t where exists (select 1 from track_sources s where "
                         "s.track_id = t.id and s.status = 'ok') and not exists (select 1 from track_similar n "
                         "where n.track_id = t.id)"),
            0);
  EXPECT_EQ(database.Int("select count(*) from (select track_id from track_similar group by track_id "
                         "having min(rank) <> 1 or max(rank) <> count(*)) bad"),
            0);
  EXPECT_EQ(vhost.Depth("tunefleet.recommend.dead") + vhost.Depth("tunefleet.features.dead"), 0u);
  // Coalescing: four track providers announced each track; each builder rebuilt far fewer times.
  for (const char* builder : {"recommend", "features"}) {
    const double received = metric(builder, "tunefleet_builder_ids_received_total");
    const double rebuilt = metric(builder, "tunefleet_builder_tracks_rebuilt_total");
    const double coalesced = metric(builder, "tunefleet_builder_ids_coalesced_total");
    std::cout << builder << ": ids received " << received << ", coalesced " << coalesced << ", rebuilt " << rebuilt
              << "\n";
    EXPECT_EQ(received, double{kTrackProviders} * kBuilderTracks) << builder;
    EXPECT_EQ(rebuilt + coalesced, received) << builder;
    EXPECT_GT(coalesced, 0.0) << builder;
    EXPECT_GE(rebuilt, kBuilderTracks) << builder;
  }
  for (auto& b : builders) b->Terminate();
  for (auto& b : builders) {
    auto status = b->WaitExit(30s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->code, 0) << b->LogTail(20);
  }
  for (auto& w : workers) w->Terminate();
  for (auto& w : workers) EXPECT_TRUE(w->WaitExit(30s).has_value());
}

// One recording, one row, end to end (docs/DATABASE.md, "Merging rows"): tracks published by
// name are enriched (Spotify and MusicBrainz find their ISRCs), then published again by those
// ISRCs. Each ISRC job creates its own row, which the merge folds the name row into: one row
// per recording with all four providers, the name rows' ids aliased to it, and the
// recommendation builder never listing one recording twice.
TEST(Pipeline, TracksPublishedByNameThenByIsrcEndAsOneRowEach) {
  constexpr int kRecordings = 60;
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  SimProcess sim(SimArgs());
  ASSERT_GT(sim.port(), 0) << sim.Stderr();
  auto workers = StartProviderWorkers(vhost, database, sim);
  const int recommend_port = test_support::FreePort();
  WorkerProcess recommend(WorkerBinary("recommend"), {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                                      {"TUNEFLEET_PG_DSN", database.worker_dsn()},
                                                      {"TUNEFLEET_METRICS_PORT", std::to_string(recommend_port)},
                                                      {"TUNEFLEET_BUILDER_WINDOW", "1s"}});
  auto track_job = [](int i, const std::string& isrc) {
    json::TrackJob job;
    job.job_id = (isrc.empty() ? "by-name-" : "by-isrc-") + std::to_string(i);
    job.trace_id = job.job_id;
    job.artist = "Merge Artist " + std::to_string(i % 7);
    job.title = "Merge Song " + std::to_string(i);
    if (!isrc.empty()) job.isrc = isrc;
    return ToAll(job, "track.all");
  };
  std::vector<amqp::OutgoingMessage> by_name;
  for (int i = 0; i < kRecordings; ++i) by_name.push_back(track_job(i, ""));
  vhost.Publish(by_name);
  auto enriched = [&] {
    return database.Int("select count(*) from tracks where cardinality(providers_done) = " +
                        std::to_string(kTrackProviders));
  };
  ASSERT_TRUE(WaitUntil([&] { return enriched() == kRecordings; }, 180s, "every name-keyed track enriched",
                        [&] { return std::to_string(enriched()) + " of " + std::to_string(kRecordings); }));
  ASSERT_EQ(database.Int("select count(*) from tracks where identity_key like 'name:%'"), kRecordings);
  // The simulator answers "not found" for a few names (its not-found share): those have no ISRC.
  const auto name_rows = database.Rows("select id::text, isrc, title from tracks where isrc is not null order by id");
  const int with_isrc = static_cast<int>(name_rows.size());
  ASSERT_GE(with_isrc, kRecordings * 8 / 10);

  std::vector<amqp::OutgoingMessage> by_isrc;
  for (const auto& row : name_rows) by_isrc.push_back(track_job(std::stoi(row[2].substr(11)), row[1]));
  vhost.Publish(by_isrc);
  // Every provider committed every ISRC job (job_effects), and every name row was merged. A merge
  // runs in its own transaction after its batch commits, so the commits alone say nothing yet of
  // the merges: wait for both.
  auto isrc_jobs_done = [&] {
    return database.Int("select count(*) from job_effects where job_id like 'by-isrc-%'");
  };
  auto aliases = [&] { return database.Int("select count(*) from track_aliases"); };
  ASSERT_TRUE(WaitUntil([&] { return isrc_jobs_done() == kTrackProviders * with_isrc && aliases() >= with_isrc; },
                        180s, "every provider committed every ISRC job and every name row was merged",
                        [&] {
                          return std::to_string(isrc_jobs_done()) + " commits, " + std::to_string(aliases()) +
                                 " aliases";
                        }));
  EXPECT_EQ(database.Int("select count(*) from tracks"), kRecordings);
  EXPECT_EQ(database.Int("select count(*) from tracks where identity_key like 'isrc:%' and "
                         "cardinality(providers_done) = " + std::to_string(kTrackProviders)),
            with_isrc);
  EXPECT_EQ(database.Int("select count(*) from track_aliases"), with_isrc);
  // Each name row's id resolves to the row that now holds its ISRC.
  for (const auto& row : name_rows) {
    EXPECT_EQ(database.Scalar("select t.isrc from track_aliases a join tracks t on t.id = a.survivor_id "
                              "where a.absorbed_id = " + row[0]),
              row[1])
        << "name row " << row[0];
  }
  // The builder, told about the survivors, lists each recording once.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto [status, body] = test_support::HttpGet("http://127.0.0.1:" + std::to_string(recommend_port) + "/metrics");
        // One id per provider and job: the name jobs', then the ISRC jobs'.
        return status == 200 &&
               test_support::MetricValue(body, "tunefleet_builder_ids_received_total").value_or(-1) >=
                   kTrackProviders * (kRecordings + with_isrc) &&
               test_support::MetricValue(body, "tunefleet_builder_pending_ids").value_or(-1) == 0 &&
               test_support::MetricValue(body, "tunefleet_jobs_in_flight").value_or(-1) == 0 &&
               vhost.Stats("tunefleet.recommend").ready == 0;
      },
      120s, "recommend idle after every follow-up"));
  EXPECT_GE(database.Int("select count(distinct track_id) from track_similar"), with_isrc);
  EXPECT_EQ(database.Int("select count(*) from (select s.track_id from track_similar s join tracks t on "
                         "t.id = s.similar_track_id group by s.track_id, t.name_key having count(*) > 1) twice"),
            0);
  for (const char* p : kProviders) EXPECT_EQ(vhost.Depth(std::string("tunefleet.") + p + ".dead"), 0u) << p;
  EXPECT_EQ(vhost.Depth("tunefleet.recommend.dead"), 0u);
  recommend.Terminate();
  for (auto& w : workers) w->Terminate();
  for (auto& w : workers) EXPECT_TRUE(w->WaitExit(30s).has_value());
}

}  // namespace
}  // namespace pipeline_test
