// tunefleet-lastfm against provider-sim: every job ends as a track_sources row, tags become
// genres and moods, and the simulator never sees the rate limit broken.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>
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
using provider_sim_test::Fetch;
using provider_sim_test::SimProcess;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::StopGracefully;
using test_support::WorkerProcess;

constexpr const char* kQueue = "tunefleet.lastfm";
constexpr const char* kDeadQueue = "tunefleet.lastfm.dead";

std::filesystem::path WorkerBinary() { return std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-lastfm"; }

std::map<std::string, std::string> WorkerEnv(const TestVhost& vhost, const TestDatabase& database, const SimProcess& sim,
                                             const std::map<std::string, std::string>& extra = {}) {
  std::map<std::string, std::string> env = {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                            {"TUNEFLEET_PG_DSN", database.worker_dsn()},
                                            {"TUNEFLEET_METRICS_PORT", "0"},
                                            {"TUNEFLEET_LOG_LEVEL", "info"},
                                            {"TUNEFLEET_LASTFM_BASE_URL", sim.Url("/lastfm")},
                                            {"TUNEFLEET_LASTFM_API_KEY", "integration-test-key"}};
  if (const char* redis = std::getenv("TUNEFLEET_REDIS_URL")) env["TUNEFLEET_REDIS_URL"] = redis;
  if (const char* ca = std::getenv("TUNEFLEET_REDIS_CA_FILE")) env["TUNEFLEET_REDIS_CA_FILE"] = ca;  // rediss://
  for (const auto& [key, value] : extra) env[key] = value;
  return env;
}

using provider_sim_test::Describe;
using provider_sim_test::SimStats;

SimStats Stats(const SimProcess& sim) { return provider_sim_test::ProviderStats(sim, "lastfm"); }

// `count` track jobs for track.lastfm with names unique to this run (so no cached answer
// from an earlier run saves a request).
// `again`: other job ids for the same tracks.
void PublishJobs(TestVhost& vhost, int count, const std::string& run, const std::string& again = "") {
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < count; ++i) {
    std::string id = "lfm-" + run + again + "-" + std::to_string(i);
    json::TrackJob job{.job_id = id,
                       .trace_id = "trace-" + id,
                       .artist = "Band " + std::to_string(i % 23) + " " + run,
                       .title = "Song " + std::to_string(i) + " " + run};
    if (i % 10 == 0) job.title += " (Live) & More/Remix + \"Edit\"";  // query escaping
    messages.push_back(test_support::JobMessage(id, json::Serialize(json::Job{job}), "track.lastfm"));
  }
  vhost.Publish(messages);
}

std::int64_t Sources(const TestDatabase& database) { return test_support::SourceRows(database, "track_sources", "lastfm"); }

bool WaitForSources(const TestDatabase& database, TestVhost& vhost, WorkerProcess& worker, std::int64_t jobs,
                    std::chrono::milliseconds timeout) {
  return test_support::WaitForSourceRows(database, vhost, worker, "track_sources", "lastfm", jobs, timeout);
}

TEST(LastfmWorker, StoresTwoHundredTrackJobsWithGenresAndMoodsWithinTheSimulatorsLimit) {
  constexpr int kJobs = 200;
  // The simulator enforces 25 req/s burst 5 and the worker is told the same: fast enough for
  // a test, and still a limit the worker must keep exactly.
  SimProcess sim({"--rate-slack-ms", "100", "--lastfm-rate", "25", "--lastfm-burst", "5"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::string run = test_support::UniqueSuffix();
  PublishJobs(vhost, kJobs, run);

  WorkerProcess worker(WorkerBinary(),
                       WorkerEnv(vhost, database, sim, {{"TUNEFLEET_LASTFM_RATE", "25"}, {"TUNEFLEET_LASTFM_BURST", "5"}}));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 240s));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  StopGracefully(worker);

  auto rows = database.Rows(
      "SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'not_found'), "
      "count(*) FILTER (WHERE status = 'ok' AND cardinality(genres) > 0), "
      "count(*) FILTER (WHERE status = 'ok' AND cardinality(moods) > 0), "
      "count(*) FILTER (WHERE status = 'ok' AND fields ? 'duration_ms' AND fields ? 'mbid'), "
      "count(DISTINCT job_id) FROM track_sources WHERE provider = 'lastfm'");
  std::int64_t ok = std::stoll(rows[0][0]), not_found = std::stoll(rows[0][1]), with_genres = std::stoll(rows[0][2]),
               with_moods = std::stoll(rows[0][3]), with_info = std::stoll(rows[0][4]), jobs = std::stoll(rows[0][5]);
  EXPECT_EQ(ok + not_found, kJobs);
  EXPECT_EQ(jobs, kJobs);
  EXPECT_GT(ok, kJobs * 8 / 10);
  EXPECT_GE(with_genres, ok * 9 / 10) << "ok=" << ok;
  EXPECT_GE(with_moods, ok * 8 / 10) << "ok=" << ok;
  EXPECT_EQ(with_info, ok) << "track.getInfo gives duration and mbid for every found track";
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  // Junk tags never become genres.
  EXPECT_EQ(database.Int("SELECT count(*) FROM track_sources WHERE provider = 'lastfm' AND "
                         "genres && ARRAY['seen live', 'favourites', 'albums i own']"),
            0);

  auto stats = Stats(sim);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  double per_job = static_cast<double>(stats.requests) / kJobs;
  std::cout << "lastfm: " << kJobs << " jobs in " << seconds << " s; sim " << Describe(stats) << "; " << per_job
            << " requests per job; ok=" << ok << " not_found=" << not_found << "\n";
  testing::Test::RecordProperty("requests_per_job", std::to_string(per_job));
  // getTopTags for every job, getInfo for every found one, artist tags only for untagged ones.
  EXPECT_EQ(stats.by_endpoint["track.getTopTags"], kJobs) << Describe(stats);
  EXPECT_EQ(stats.by_endpoint["track.getInfo"], ok) << Describe(stats);
  EXPECT_LE(per_job, 2.2);
}

TEST(LastfmWorker, TwoWorkersTogetherStayUnderTheDefaultFiveRequestsPerSecond) {
  SimProcess sim({"--rate-slack-ms", "100"});  // Last.fm's default limit: 5 req/s, burst 5
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, 150, test_support::UniqueSuffix());

  Fetch({.method = "POST", .url = sim.Url("/_sim/reset")});
  auto start = std::chrono::steady_clock::now();  // no request can come before this
  auto env = WorkerEnv(vhost, database, sim);
  WorkerProcess first(WorkerBinary(), env);
  WorkerProcess second(WorkerBinary(), env);
  // The window is the measurement: 15 s from the first request (however long the workers took
  // to start), long enough for the rate (not the burst) to dominate.
  ASSERT_TRUE(WaitUntil([&] { return Stats(sim).requests > 0; }, 60s, "the first request"));
  auto window_start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - window_start < 15s && first.Running() && second.Running()) {
    std::this_thread::sleep_for(100ms);
  }
  auto stats = Stats(sim);
  // Every request came after `start`: the limit bounds them over that whole span.
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(first.Running() && second.Running()) << "a worker exited";
  StopGracefully(first);
  StopGracefully(second);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  EXPECT_LE(stats.requests, static_cast<std::int64_t>(std::floor(seconds * 5)) + 5) << Describe(stats);
  EXPECT_GE(stats.requests, 30) << "the workers made progress in 15 s: " << Describe(stats);
  std::cout << "lastfm, 2 workers: " << Describe(stats) << " in " << seconds << " s\n";
}

// provider.hpp's lifetime rule end to end: SIGTERM while every job waits for a slow answer.
// The shutdown timeout ends the drain; Close then ends each pending job once, as transient,
// and the stopped pipeline neither retries nor dead-letters it; the worker exits 0 and the
// broker has every job back for the next worker.
TEST(LastfmWorker, SigtermWithCallsPendingLeavesEveryJobToTheBrokerAndExitsCleanly) {
  constexpr int kJobs = 5;
  SimProcess sim({"--lastfm-latency-ms", "8000"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, kJobs, test_support::UniqueSuffix());

  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim, {{"TUNEFLEET_SHUTDOWN_TIMEOUT", "1s"}}));
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kQueue) == 0; }, 30s, "the worker took every job"));
  std::this_thread::sleep_for(1s);  // their first calls are on their way to the slow simulator
  StopGracefully(worker);

  std::string log = worker.Log();
  EXPECT_NE(log.find("shutdown timeout"), std::string::npos) << worker.LogTail(20);
  EXPECT_EQ(log.find("retrying later"), std::string::npos) << "a job was retried after the worker stopped:\n"
                                                           << worker.LogTail(20);
  EXPECT_EQ(log.find("dead-lettered"), std::string::npos) << worker.LogTail(20);
  EXPECT_TRUE(WaitUntil([&] { return vhost.Depth(kQueue) == static_cast<std::uint32_t>(kJobs); }, 30s, "every job back in its queue"));
  EXPECT_EQ(Sources(database), 0);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
}

// An answer over the size cap (TUNEFLEET_LASTFM_MAX_RESPONSE_BYTES) is the same on every try:
// dead-lettered at once as invalid_input, naming the limit and the variable that raises it and
// not the API key; never retried and never cached (the same tracks again reach the simulator).
TEST(LastfmWorker, AnAnswerOverTheSizeCapIsDeadLetteredAtOnceNamingTheVariableToRaise) {
  constexpr int kJobs = 3;
  SimProcess sim({"--unlimited", "--lastfm-error-rate", "1", "--lastfm-error-kinds", "huge-chunked",
                  "--huge-body-bytes", "3000000"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::string run = test_support::UniqueSuffix();
  PublishJobs(vhost, kJobs, run);
  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim,
                                                 {{"TUNEFLEET_LASTFM_MAX_RESPONSE_BYTES", "1048576"},
                                                  {"TUNEFLEET_LASTFM_BREAKER_FAILURES", "1000"}}));
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
    EXPECT_NE(reason.find("lastfm response over the size limit"), std::string::npos) << reason;
    EXPECT_NE(reason.find("1048576"), std::string::npos) << reason;
    EXPECT_NE(reason.find("TUNEFLEET_LASTFM_MAX_RESPONSE_BYTES"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("integration-test-key"), std::string::npos) << reason;
  }
  EXPECT_EQ(Stats(sim).requests, kJobs) << "one try per job: " << Describe(Stats(sim));
  PublishJobs(vhost, kJobs, run, "-again");  // the same tracks: nothing of theirs was cached
  ASSERT_TRUE(WaitUntil([&] { return Stats(sim).requests >= 2 * kJobs; }, 60s, "the same tracks asked again",
                        [&] { return Describe(Stats(sim)); }))
      << worker.LogTail(30);
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kDeadQueue) >= kJobs; }, 60s, "3 more dead letters"))
      << worker.LogTail(30);
  EXPECT_EQ(Stats(sim).requests, 2 * kJobs) << Describe(Stats(sim));
  EXPECT_EQ(worker.Log().find("integration-test-key"), std::string::npos);
  EXPECT_TRUE(worker.Running());
  EXPECT_EQ(Sources(database), 0);
  StopGracefully(worker);
}

}  // namespace
