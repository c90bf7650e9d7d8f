// tunefleet-discogs end to end: the built worker against the built provider-sim (Discogs
// under /discogs, X-Discogs-Ratelimit headers, enforced limits) and the private stack's
// RabbitMQ, PostgreSQL and Redis; each test in its own vhost and database.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/integration/discogs/discogs_test_support.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"

namespace discogs_test {
namespace {

using namespace std::chrono_literals;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::WorkerProcess;

constexpr const char* kQueue = "tunefleet.discogs";
constexpr const char* kDeadQueue = "tunefleet.discogs.dead";
// Redis databases: each test its own (rate-limit state and cache), the fleet tests 4-6, so
// ctest -j never lets two tests share the Discogs limit.
constexpr int kStoresDb = 1;
constexpr int kDefaultPolicyDb = 2;
constexpr int kMalformedDb = 3;

std::unique_ptr<SimProcess> StartSim(std::vector<std::string> args) {
  auto sim = std::make_unique<SimProcess>(std::move(args));
  EXPECT_GT(sim->port(), 0) << "provider-sim did not report its port:\n" << sim->Stderr();
  return sim;
}

json::TrackJob Track(const std::string& id, std::string artist, std::string title) {
  json::TrackJob job;
  job.job_id = id;
  job.trace_id = "trace-" + id;
  job.artist = std::move(artist);
  job.title = std::move(title);
  return job;
}

json::AlbumJob Album(const std::string& id, std::string artist, std::string album) {
  json::AlbumJob job;
  job.job_id = id;
  job.trace_id = "trace-" + id;
  job.artist = std::move(artist);
  job.album = std::move(album);
  return job;
}

bool WaitForRows(const TestDatabase& database, TestVhost& vhost, WorkerProcess& worker, std::int64_t tracks,
                 std::int64_t albums, std::chrono::milliseconds timeout) {
  return WaitUntil(
      [&] {
        if (!worker.Running()) return true;
        auto c = CountSources(database);
        return c.tracks() >= tracks && c.albums() >= albums && vhost.Depth(kQueue) == 0;
      },
      timeout, "every job stored",
      [&] { return Describe(CountSources(database)) + " ready=" + std::to_string(vhost.Depth(kQueue)) +
                   " dead=" + std::to_string(vhost.Depth(kDeadQueue)); }) &&
         worker.Running();
}

void Stop(WorkerProcess& worker) {
  worker.Terminate();
  auto status = worker.WaitExit(30s);
  ASSERT_TRUE(status.has_value()) << "no exit within 30 s of SIGTERM";
  EXPECT_EQ(*status, (test_support::ExitStatus{0, 0})) << test_support::Describe(*status);
}

// 60 track jobs (20 with an album, 10 with a discogs_id) and 10 album jobs (2 with a
// discogs_id): every one becomes a source row, none is dead-lettered, and the worker stays
// within the simulator's enforced limit.
TEST(DiscogsWorker, StoresEveryTrackAndAlbumJobWithinTheEnforcedLimit) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  // Unique names: the Redis cache of an earlier run must not answer for this one.
  std::string run = test_support::UniqueSuffix();
  std::vector<amqp::OutgoingMessage> messages;
  std::map<std::string, std::int64_t> by_id;
  for (int i = 0; i < 60; ++i) {
    auto job = Track("t-" + std::to_string(i), "Artist " + run + " " + std::to_string(i % 7), "Song " + std::to_string(i));
    if (i % 3 == 1) job.album = "Album " + run + " " + std::to_string(i % 5);
    if (i % 6 == 0) {
      job.discogs_id = 1'000'000 + 7919 * i;
      by_id[job.job_id] = *job.discogs_id;
    }
    messages.push_back(Message(job));
  }
  for (int i = 0; i < 10; ++i) {
    auto job = Album("a-" + std::to_string(i), "Artist " + run + " " + std::to_string(i % 7), "Record " + std::to_string(i));
    if (i < 2) {
      job.discogs_id = 2'000'000 + 104729 * i;
      by_id[job.job_id] = *job.discogs_id;
    }
    messages.push_back(Message(job));
  }
  vhost.Publish(messages);

  // 10 requests a second with a burst of 5, enforced by the simulator and configured in the
  // worker: the same limit on both sides, as with a real API key.
  auto sim = StartSim({"--rate-slack-ms", "100", "--discogs-rate", "10/s", "--discogs-burst", "5", "--not-found-share", "0.1"});
  ASSERT_GT(sim->port(), 0);
  auto start = std::chrono::steady_clock::now();
  WorkerProcess worker(DiscogsWorkerBinary(), WorkerEnv(vhost, database, *sim, kStoresDb,
                                                        {{"TUNEFLEET_DISCOGS_RATE", "10"}, {"TUNEFLEET_DISCOGS_BURST", "5"}}));
  ASSERT_TRUE(WaitForRows(database, vhost, worker, 60, 10, 90s)) << worker.LogTail(30);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Stop(worker);

  auto counts = CountSources(database);
  auto stats = DiscogsStats(*sim);
  std::cout << Describe(counts) << "\n" << Describe(stats) << "\nseconds=" << seconds
            << " calls_per_job=" << static_cast<double>(stats.requests) / 70.0 << "\n";
  testing::Test::RecordProperty("discogs_requests", std::to_string(stats.requests));
  testing::Test::RecordProperty("seconds", std::to_string(seconds));
  EXPECT_EQ(counts.tracks(), 60) << Describe(counts);
  EXPECT_EQ(counts.albums(), 10) << Describe(counts);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  // Two calls per job at most (search + release); one with a discogs_id or when nothing is found;
  // + the master fallbacks of 2 album ids; + one artist lookup per Discogs artist (the 7 job
  // artists', and at most one each for the 12 releases named by discogs_id).
  EXPECT_LE(stats.requests, 2 * 70 + 2 + 7 + 12) << Describe(stats);
  EXPECT_LE(stats.by_endpoint["artist"], 7 + 12) << Describe(stats);
  EXPECT_GE(stats.requests, 70) << Describe(stats);

  // Rows carry what the issue asks for.
  for (const auto& [job_id, id] : by_id) {
    SCOPED_TRACE(job_id);
    bool track = job_id[0] == 't';
    auto rows = database.Rows(std::string("SELECT status, external_id, fields->>'discogs_id' FROM ") +
                              (track ? "track_sources" : "album_sources") + " WHERE job_id = '" + job_id + "'");
    ASSERT_EQ(rows.size(), 1u);
    if (rows[0][0] == "ok") {
      EXPECT_EQ(rows[0][1], std::to_string(id));
      EXPECT_EQ(rows[0][2], std::to_string(id));
    }
  }
  auto ok_rows = database.Rows(
      "SELECT external_id, fields->>'title', coalesce(fields->>'release_date', fields->>'release_year'), "
      "array_length(genres, 1) FROM track_sources "
      "WHERE provider = 'discogs' AND status = 'ok'");
  ASSERT_FALSE(ok_rows.empty());
  for (const auto& row : ok_rows) {
    EXPECT_FALSE(row[0].empty());
    EXPECT_FALSE(row[1].empty());
    EXPECT_FALSE(row[2].empty()) << "the simulator's releases all have a date";
    EXPECT_FALSE(row[3].empty()) << "genres from the release's styles and genres";
  }
}

// The default policy (60 a minute, burst 5) against the simulator's default Discogs limit
// (the same): never refused.
TEST(DiscogsWorker, DefaultPolicyStaysWithinSixtyAMinute) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::string run = test_support::UniqueSuffix();
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < 8; ++i) {
    auto job = Track("d-" + std::to_string(i), "Default " + run, "Song " + std::to_string(i));
    job.album = "Album " + run + " " + std::to_string(i);
    messages.push_back(Message(job));
  }
  vhost.Publish(messages);
  auto sim = StartSim({"--rate-slack-ms", "100", "--not-found-share", "0"});
  ASSERT_GT(sim->port(), 0);
  WorkerProcess worker(DiscogsWorkerBinary(), WorkerEnv(vhost, database, *sim, kDefaultPolicyDb));
  ASSERT_TRUE(WaitForRows(database, vhost, worker, 8, 0, 60s)) << worker.LogTail(30);
  Stop(worker);
  auto stats = DiscogsStats(*sim);
  std::cout << Describe(stats) << "\n";
  // 8 searches, 8 releases and 1 lookup of their one artist.
  EXPECT_EQ(stats.requests, 17) << Describe(stats);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  EXPECT_EQ(CountSources(database).tracks_ok, 8);
}

// A body that is not JSON is the network's or Discogs' fault, not the job's: retried like a
// 503 (never cached), and dead-lettered only when the attempts are spent, as
// attempts_exhausted with the last error, which names the endpoint and the problem. The
// worker keeps running.
TEST(DiscogsWorker, MalformedBodiesAreRetriedAndOnlyDeadLetteredOnceTheAttemptsAreSpent) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::string run = test_support::UniqueSuffix();
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < 3; ++i) messages.push_back(Message(Track("m-" + std::to_string(i), "Malformed " + run, "S" + std::to_string(i))));
  vhost.Publish(messages);
  auto sim = StartSim({"--rate-slack-ms", "100", "--discogs-rate", "0", "--discogs-error-rate", "1", "--discogs-error-kinds", "malformed"});
  ASSERT_GT(sim->port(), 0);
  // Two attempts (one 1 s delay between them), three tries each inside the gateway; the
  // breaker (which these failures would open, sending the jobs to a longer tier) kept closed.
  WorkerProcess worker(DiscogsWorkerBinary(), WorkerEnv(vhost, database, *sim, kMalformedDb,
                                                        {{"TUNEFLEET_DISCOGS_RATE", "50"},
                                                         {"TUNEFLEET_DISCOGS_BREAKER_FAILURES", "1000"},
                                                         {"TUNEFLEET_MAX_ATTEMPTS", "2"}}));
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kDeadQueue) >= 3; }, 60s, "3 dead letters",
                        [&] { return "dead=" + std::to_string(vhost.Depth(kDeadQueue)); }))
      << worker.LogTail(30);
  auto dead = vhost.Take(kDeadQueue, 3, 5s);
  ASSERT_EQ(dead.size(), 3u);
  for (const auto& d : dead) {
    std::string reason = amqp::HeaderString(d.headers, "x-tunefleet-reason");
    std::cout << d.message_id << ": " << reason << "\n";
    EXPECT_EQ(amqp::HeaderString(d.headers, "x-tunefleet-last-status"), "attempts_exhausted");
    EXPECT_EQ(amqp::HeaderInt(d.headers, "x-tunefleet-attempt", 0), 2);
    EXPECT_NE(reason.find("discogs GET /database/search"), std::string::npos) << reason;
    EXPECT_NE(reason.find("not JSON"), std::string::npos) << reason;
  }
  // Both attempts of every job reached Discogs (a malformed body is never served from the
  // cache), each with up to 3 tries in the gateway (its retry budget may refuse some).
  auto stats = DiscogsStats(*sim);
  EXPECT_GE(stats.requests, 3 * 2) << Describe(stats);
  EXPECT_LE(stats.requests, 3 * 2 * 3) << Describe(stats);
  EXPECT_TRUE(worker.Running());
  EXPECT_EQ(CountSources(database).tracks(), 0);
  Stop(worker);
}

TEST(DiscogsWorker, MissingTokenExitsTwoNamingTheVariable) {
  TestDatabase database;
  TestVhost vhost;
  auto sim = StartSim({"--rate-slack-ms", "100"});
  ASSERT_GT(sim->port(), 0);
  auto env = WorkerEnv(vhost, database, *sim, kMalformedDb);
  env.erase("TUNEFLEET_DISCOGS_TOKEN");
  WorkerProcess worker(DiscogsWorkerBinary(), env);
  auto status = worker.WaitExit(20s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 2);
  EXPECT_NE(worker.Log().find("TUNEFLEET_DISCOGS_TOKEN"), std::string::npos) << worker.Log();
}

}  // namespace
}  // namespace discogs_test
