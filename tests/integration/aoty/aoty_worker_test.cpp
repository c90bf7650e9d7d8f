// tunefleet-aoty against provider-sim's AOTY pages: album jobs end as album_sources rows with
// scores merged into albums, unknown albums as not_found, server errors are retried, and two
// workers together keep the polite default of one request per 2 s.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "common/json/job_writer.hpp"
#include "tests/integration/provider_sim/sim_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/source_rows.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"

namespace {

using namespace std::chrono_literals;
using provider_sim_test::Describe;
using provider_sim_test::Fetch;
using provider_sim_test::SimProcess;
using provider_sim_test::SimStats;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::StopGracefully;
using test_support::WorkerProcess;

constexpr const char* kDeadQueue = "tunefleet.aoty.dead";

std::filesystem::path WorkerBinary() { return std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-aoty"; }

std::map<std::string, std::string> WorkerEnv(const TestVhost& vhost, const TestDatabase& database, const SimProcess& sim,
                                             const std::map<std::string, std::string>& extra = {}) {
  std::map<std::string, std::string> env = {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                            {"TUNEFLEET_PG_DSN", database.worker_dsn()},
                                            {"TUNEFLEET_METRICS_PORT", "0"},
                                            {"TUNEFLEET_LOG_LEVEL", "info"},
                                            {"TUNEFLEET_AOTY_BASE_URL", sim.Url("/aoty")}};
  if (const char* redis = std::getenv("TUNEFLEET_REDIS_URL")) env["TUNEFLEET_REDIS_URL"] = redis;
  for (const auto& [key, value] : extra) env[key] = value;
  return env;
}

SimStats Stats(const SimProcess& sim) { return provider_sim_test::ProviderStats(sim, "aoty"); }

// `count` album jobs for album.aoty with names unique to this run (no cached page helps).
void PublishJobs(TestVhost& vhost, int count, const std::string& run) {
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < count; ++i) {
    std::string id = "aoty-" + run + "-" + std::to_string(i);
    json::AlbumJob job;
    job.job_id = id;
    job.trace_id = "trace-" + id;
    job.artist = "Band " + std::to_string(i % 7) + " " + run;
    job.album = "Record " + std::to_string(i) + " " + run;
    if (i % 5 == 0) job.album += " & Friends: \"Live\"";  // query and HTML escaping
    messages.push_back(test_support::JobMessage(id, json::Serialize(json::Job{job}), "album.aoty"));
  }
  vhost.Publish(messages);
}

std::int64_t Sources(const TestDatabase& database) { return test_support::SourceRows(database, "album_sources", "aoty"); }

bool WaitForSources(const TestDatabase& database, TestVhost& vhost, WorkerProcess& worker, std::int64_t jobs,
                    std::chrono::milliseconds timeout) {
  return test_support::WaitForSourceRows(database, vhost, worker, "album_sources", "aoty", jobs, timeout);
}

TEST(AotyWorker, StoresAlbumJobsWithScoresMergedIntoAlbumsWithinTheSimulatorsLimit) {
  constexpr int kJobs = 30;
  // Faster than the polite default so the test is short; the worker is told the same limit.
  SimProcess sim({"--rate-slack-ms", "100", "--aoty-rate", "10", "--aoty-burst", "2"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, kJobs, test_support::UniqueSuffix());

  WorkerProcess worker(WorkerBinary(),
                       WorkerEnv(vhost, database, sim, {{"TUNEFLEET_AOTY_RATE", "10"}, {"TUNEFLEET_AOTY_BURST", "2"}}));
  ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 180s)) << worker.LogTail(20);
  StopGracefully(worker);

  auto rows = database.Rows(
      "SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'not_found'), "
      "count(*) FILTER (WHERE status = 'ok' AND fields ? 'aoty_critic_score' AND fields ? 'aoty_critic_count'), "
      "count(*) FILTER (WHERE status = 'ok' AND fields ? 'aoty_user_score'), "
      "count(*) FILTER (WHERE status = 'ok' AND raw ? 'boxes' AND external_id LIKE '/album/%.php'), "
      "count(DISTINCT job_id) FROM album_sources WHERE provider = 'aoty'");
  std::int64_t ok = std::stoll(rows[0][0]), not_found = std::stoll(rows[0][1]), critic = std::stoll(rows[0][2]),
               user = std::stoll(rows[0][3]), with_raw = std::stoll(rows[0][4]), jobs = std::stoll(rows[0][5]);
  EXPECT_EQ(ok + not_found, kJobs);
  EXPECT_EQ(jobs, kJobs);
  EXPECT_GT(ok, kJobs * 7 / 10);
  EXPECT_GT(critic, 0);
  EXPECT_LT(critic, ok + 1);
  EXPECT_GT(user, 0);
  EXPECT_EQ(with_raw, ok) << "every found album keeps its page path and score boxes";
  // The merge copies the scores onto the album rows.
  EXPECT_EQ(database.Int("SELECT count(*) FROM albums a JOIN album_sources s ON s.album_id = a.id "
                         "WHERE s.provider = 'aoty' AND a.aoty_critic_score IS NOT NULL "
                         "AND a.aoty_critic_score = (s.fields->>'aoty_critic_score')::real"),
            critic);
  EXPECT_EQ(database.Int("SELECT count(*) FROM albums a JOIN album_sources s ON s.album_id = a.id "
                         "WHERE s.provider = 'aoty' AND a.aoty_user_score IS NOT NULL"),
            user);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);

  auto stats = Stats(sim);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  EXPECT_EQ(stats.by_endpoint["search"], kJobs) << Describe(stats);
  EXPECT_EQ(stats.by_endpoint["album"], ok) << "one album page per found album: " << Describe(stats);
  std::cout << "aoty: " << kJobs << " jobs; ok=" << ok << " not_found=" << not_found << " critic=" << critic
            << " user=" << user << "; sim " << Describe(stats) << "\n";
}

TEST(AotyWorker, UnknownAlbumsAreNotFoundAndServerErrorsAndCutPagesAreRetriedNotDeadLettered) {
  constexpr int kJobs = 8;
  {
    SimProcess sim({"--unlimited", "--not-found-share", "1"});
    ASSERT_NE(sim.port(), 0) << sim.Stderr();
    TestDatabase database;
    TestVhost vhost;
    vhost.DeclareFleetTopology();
    PublishJobs(vhost, kJobs, test_support::UniqueSuffix());
    WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim, {{"TUNEFLEET_AOTY_RATE", "50"}}));
    ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 120s)) << worker.LogTail(20);
    StopGracefully(worker);
    EXPECT_EQ(database.Int("SELECT count(*) FROM album_sources WHERE provider = 'aoty' AND status = 'not_found'"), kJobs);
    EXPECT_EQ(Stats(sim).by_endpoint["album"], 0) << "no album page for a search without a match";
    EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  }
  {
    SimProcess sim({"--unlimited", "--not-found-share", "0", "--aoty-error-rate", "0.3", "--aoty-error-kinds", "500,503"});
    ASSERT_NE(sim.port(), 0) << sim.Stderr();
    TestDatabase database;
    TestVhost vhost;
    vhost.DeclareFleetTopology();
    PublishJobs(vhost, kJobs, test_support::UniqueSuffix());
    WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim,
                                                   {{"TUNEFLEET_AOTY_RATE", "50"}, {"TUNEFLEET_AOTY_BURST", "5"},
                                                    {"TUNEFLEET_AOTY_BREAKER_FAILURES", "1000"}}));
    ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 240s)) << worker.LogTail(20);
    StopGracefully(worker);
    EXPECT_EQ(database.Int("SELECT count(*) FROM album_sources WHERE provider = 'aoty' AND status = 'ok'"), kJobs);
    EXPECT_GT(Stats(sim).faults, 0) << Describe(Stats(sim));
    EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  }
  {
    // Pages cut in half (200, the first half of the body): retried as cut off, never taken for
    // a page that changed shape and dead-lettered.
    SimProcess sim({"--unlimited", "--not-found-share", "0", "--aoty-error-rate", "0.3", "--aoty-error-kinds", "malformed"});
    ASSERT_NE(sim.port(), 0) << sim.Stderr();
    TestDatabase database;
    TestVhost vhost;
    vhost.DeclareFleetTopology();
    PublishJobs(vhost, kJobs, test_support::UniqueSuffix());
    WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim,
                                                   {{"TUNEFLEET_AOTY_RATE", "50"}, {"TUNEFLEET_AOTY_BURST", "5"},
                                                    {"TUNEFLEET_AOTY_BREAKER_FAILURES", "1000"}}));
    ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 240s)) << worker.LogTail(20);
    StopGracefully(worker);
    EXPECT_EQ(database.Int("SELECT count(*) FROM album_sources WHERE provider = 'aoty' AND status = 'ok'"), kJobs);
    EXPECT_GT(Stats(sim).faults, 0) << Describe(Stats(sim));
    EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  }
}

// A proxy's "502 Bad Gateway" page served with status 200 is not AOTY's answer: retried and
// never cached, so every album ends found (before, a search answered so was stored as not_found
// and cached for 7 days, and an album page so was dead-lettered as a changed page).
TEST(AotyWorker, APageThatIsNotAotysIsRetriedNeverNotFoundOrCached) {
  constexpr int kJobs = 8;
  SimProcess sim({"--unlimited", "--not-found-share", "0", "--aoty-error-rate", "0.4", "--aoty-error-kinds",
                  "foreign-page"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, kJobs, test_support::UniqueSuffix());
  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim,
                                                 {{"TUNEFLEET_AOTY_RATE", "50"}, {"TUNEFLEET_AOTY_BURST", "5"},
                                                  {"TUNEFLEET_AOTY_BREAKER_FAILURES", "1000"}}));
  ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 240s)) << worker.LogTail(20);
  StopGracefully(worker);
  EXPECT_EQ(database.Int("SELECT count(*) FROM album_sources WHERE provider = 'aoty' AND status = 'ok'"), kJobs)
      << database.Int("SELECT count(*) FROM album_sources WHERE provider = 'aoty' AND status = 'not_found'")
      << " not_found";
  auto stats = Stats(sim);
  EXPECT_GT(stats.faults, 0) << Describe(stats);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
}

// A 403 (a site refusing the client) is the same on every try: dead-lettered at once, naming
// the status; nothing stored.
TEST(AotyWorker, ARefusalIsDeadLetteredAtOnce) {
  constexpr int kJobs = 3;
  SimProcess sim({"--unlimited", "--aoty-error-rate", "1", "--aoty-error-kinds", "403"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, kJobs, test_support::UniqueSuffix());
  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim, {{"TUNEFLEET_AOTY_RATE", "50"},
                                                                        {"TUNEFLEET_AOTY_BREAKER_FAILURES", "1000"}}));
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kDeadQueue) >= kJobs; }, 60s, "3 dead letters",
                        [&] { return "dead=" + std::to_string(vhost.Depth(kDeadQueue)); }))
      << worker.LogTail(30);
  auto dead = vhost.Take(kDeadQueue, kJobs, 5s);
  ASSERT_EQ(dead.size(), static_cast<std::size_t>(kJobs));
  for (const auto& d : dead) {
    std::string reason = amqp::HeaderString(d.headers, "x-tunefleet-reason");
    std::cout << d.message_id << ": " << reason << "\n";
    EXPECT_EQ(amqp::HeaderString(d.headers, "x-tunefleet-last-status"), "invalid_input") << reason;
    EXPECT_EQ(amqp::HeaderInt(d.headers, "x-tunefleet-attempt", 0), 1) << reason;
    EXPECT_NE(reason.find("403"), std::string::npos) << reason;
  }
  EXPECT_EQ(Stats(sim).requests, kJobs) << "one try per job: " << Describe(Stats(sim));
  EXPECT_EQ(Sources(database), 0);
  StopGracefully(worker);
}

TEST(AotyWorker, TwoWorkersTogetherKeepThePoliteDefaultOfOneRequestPerTwoSeconds) {
  SimProcess sim({"--rate-slack-ms", "100"});  // AOTY's simulated limit: 0.5 req/s, burst 1
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, 40, test_support::UniqueSuffix());

  Fetch({.method = "POST", .url = sim.Url("/_sim/reset")});
  auto start = std::chrono::steady_clock::now();  // no request can come before this
  auto env = WorkerEnv(vhost, database, sim);  // the default policy: 0.5 req/s, burst 1
  WorkerProcess first(WorkerBinary(), env);
  WorkerProcess second(WorkerBinary(), env);
  ASSERT_TRUE(WaitUntil([&] { return Stats(sim).requests > 0; }, 60s, "the first request"));
  auto window_start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - window_start < 20s && first.Running() && second.Running()) {
    std::this_thread::sleep_for(100ms);
  }
  auto stats = Stats(sim);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(first.Running() && second.Running()) << "a worker exited";
  StopGracefully(first);
  StopGracefully(second);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  EXPECT_LE(stats.requests, static_cast<std::int64_t>(std::floor(seconds * 0.5)) + 1) << Describe(stats);
  EXPECT_GE(stats.requests, 8) << "the workers made progress in 20 s: " << Describe(stats);
  std::cout << "aoty, 2 workers: " << Describe(stats) << " in " << seconds << " s\n";
}

}  // namespace
