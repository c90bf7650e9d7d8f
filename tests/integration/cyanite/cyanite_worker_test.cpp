// tunefleet-cyanite against provider-sim: every job ends as a track_sources row (a finished
// analysis, or not_found for a track Cyanite cannot analyse), pending analyses come back
// through the delay tiers without a dead letter, errors are retried or dead-lettered by kind,
// and the simulator never sees its quota broken, by one worker or two.
#include <gtest/gtest.h>

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
#include "tools/provider_sim/ids.hpp"

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

constexpr const char* kDeadQueue = "tunefleet.cyanite.dead";
constexpr const char* kToken = "integration-test-token";

std::filesystem::path WorkerBinary() {
  return std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-cyanite";
}

std::map<std::string, std::string> WorkerEnv(const TestVhost& vhost, const TestDatabase& database, const SimProcess& sim,
                                             const std::map<std::string, std::string>& extra = {}) {
  std::map<std::string, std::string> env = {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                            {"TUNEFLEET_PG_DSN", database.worker_dsn()},
                                            {"TUNEFLEET_METRICS_PORT", "0"},
                                            {"TUNEFLEET_LOG_LEVEL", "info"},
                                            {"TUNEFLEET_CYANITE_BASE_URL", sim.Url("/cyanite")},
                                            {"TUNEFLEET_CYANITE_ACCESS_TOKEN", kToken},
                                            {"TUNEFLEET_CYANITE_PENDING_WAIT", "1s"}};
  if (const char* redis = std::getenv("TUNEFLEET_REDIS_URL")) env["TUNEFLEET_REDIS_URL"] = redis;
  for (const auto& [key, value] : extra) env[key] = value;
  return env;
}

SimStats Stats(const SimProcess& sim) { return provider_sim_test::ProviderStats(sim, "cyanite"); }

// `count` track jobs for track.cyanite: every tenth without a Spotify id, every seventh with an
// id the simulator never issued, the rest with ids of the simulator's catalog (seed 1), fresh
// for this run.
void PublishJobs(TestVhost& vhost, int count, const std::string& run) {
  std::vector<amqp::OutgoingMessage> messages;
  std::uint64_t salt = provider_sim::Fnv1a(run);
  for (int i = 0; i < count; ++i) {
    std::string id = "cya-" + run + "-" + std::to_string(i);
    json::TrackJob job{.job_id = id,
                       .trace_id = "trace-" + id,
                       .artist = "Band " + std::to_string(i % 23) + " " + run,
                       .title = "Song " + std::to_string(i) + " " + run};
    if (i % 10 != 0) {
      // Distinct unknown ids: jobs with one Spotify id are one track (the catalog merges by id).
      std::string unknown = "000000000000000000" + std::to_string(1000 + i);
      job.spotify_id = i % 7 == 0 ? unknown
                                  : provider_sim::SpotifyId(provider_sim::Mix(salt ^ static_cast<std::uint64_t>(i)),
                                                            provider_sim::IdKind::kTrack, 1);
    }
    messages.push_back(test_support::JobMessage(id, json::Serialize(json::Job{job}), "track.cyanite"));
  }
  vhost.Publish(messages);
}

std::int64_t Sources(const TestDatabase& database) { return test_support::SourceRows(database, "track_sources", "cyanite"); }

bool WaitForSources(const TestDatabase& database, TestVhost& vhost, WorkerProcess& worker, std::int64_t jobs,
                    std::chrono::milliseconds timeout) {
  return test_support::WaitForSourceRows(database, vhost, worker, "track_sources", "cyanite", jobs, timeout);
}

TEST(CyaniteWorker, StoresEveryJobAsAnalysedOrNotFoundAndPendingOnesComeBackThroughTheDelayTiers) {
  constexpr int kJobs = 80;
  SimProcess sim({"--rate-slack-ms", "100", "--cyanite-rate", "20", "--cyanite-burst", "5"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, kJobs, test_support::UniqueSuffix());

  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim,
                                                 {{"TUNEFLEET_CYANITE_RATE", "20"}, {"TUNEFLEET_CYANITE_BURST", "5"}}));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 240s)) << worker.LogTail(30);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  StopGracefully(worker);

  auto rows = database.Rows(
      "SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'not_found'), "
      "count(*) FILTER (WHERE status = 'ok' AND cardinality(genres) > 0), "
      "count(*) FILTER (WHERE status = 'ok' AND cardinality(moods) > 0), "
      "count(*) FILTER (WHERE status = 'ok' AND jsonb_typeof(fields->'audio_features'->'tempo') = 'number' "
      "  AND jsonb_typeof(fields->'audio_features'->'energy') = 'number' "
      "  AND jsonb_typeof(fields->'audio_features'->'valence') = 'number'), "
      "count(DISTINCT job_id) FROM track_sources WHERE provider = 'cyanite'");
  std::int64_t ok = std::stoll(rows[0][0]), not_found = std::stoll(rows[0][1]), with_genres = std::stoll(rows[0][2]),
               with_moods = std::stoll(rows[0][3]), with_features = std::stoll(rows[0][4]),
               jobs = std::stoll(rows[0][5]);
  EXPECT_EQ(ok + not_found, kJobs);
  EXPECT_EQ(jobs, kJobs);
  // 8 without an id, 10 with an unknown one; of the rest about 10 % cannot be analysed.
  EXPECT_GE(not_found, 18);
  EXPECT_GT(ok, 40);
  EXPECT_EQ(with_genres, ok);
  EXPECT_GE(with_moods, ok * 8 / 10) << "ok=" << ok;
  EXPECT_EQ(with_features, ok);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u) << "a pending or unanalysable track was dead-lettered";
  // Moods are canonical: none of Cyanite's own labels that the vocabulary renames.
  EXPECT_EQ(database.Int("SELECT count(*) FROM track_sources WHERE provider = 'cyanite' AND "
                         "moods && ARRAY['sad', 'chilled', 'scary', 'uplifting', 'sexy', 'ethereal']"),
            0);
  // Spotify says nothing here, so the merged rows take Cyanite's audio features.
  EXPECT_EQ(database.Int("SELECT count(*) FROM tracks WHERE audio_features->>'source' = 'cyanite'"), ok);

  auto stats = Stats(sim);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  // Pending analyses were asked again: more queries than jobs with an id, and some enqueues.
  EXPECT_GT(stats.by_endpoint["spotifyTrack"], kJobs - kJobs / 10) << Describe(stats);
  EXPECT_GT(stats.by_endpoint["spotifyTrackEnqueue"], 0) << Describe(stats);
  std::string log = worker.Log();
  EXPECT_NE(log.find("pending"), std::string::npos) << "no analysis was pending: the test shows nothing";
  EXPECT_EQ(log.find(kToken), std::string::npos) << "the access token was logged";
  std::cout << "cyanite: " << kJobs << " jobs in " << seconds << " s; sim " << Describe(stats) << "; ok=" << ok
            << " not_found=" << not_found << "\n";
}

TEST(CyaniteWorker, GraphqlErrorsWithStatus200And503sAreRetriedUntilEveryJobIsStored) {
  constexpr int kJobs = 30;
  SimProcess sim({"--unlimited", "--cyanite-error-rate", "0.3", "--cyanite-error-kinds", "500,503"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, kJobs, test_support::UniqueSuffix());
  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim, {{"TUNEFLEET_CYANITE_BREAKER_FAILURES", "1000"}}));
  ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 240s)) << worker.LogTail(30);
  StopGracefully(worker);
  auto stats = Stats(sim);
  EXPECT_GT(stats.faults_by_kind["500"], 0) << Describe(stats);
  EXPECT_GT(stats.by_status["200"], 0) << Describe(stats);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  EXPECT_EQ(Sources(database), kJobs);
}

// An analysis Cyanite never finishes: the job waits in the delay tiers, round after round,
// until TUNEFLEET_CYANITE_PENDING_MAX after its first pending round (the runtime carries that
// time in x-tunefleet-pending-since across the delay queues), then ends not_found with the
// reason in raw; nothing is dead-lettered however many rounds it took.
TEST(CyaniteWorker, AnAnalysisThatNeverFinishesEndsNotFoundAfterPendingMaxWithoutADeadLetter) {
  constexpr int kJobs = 30;
  SimProcess sim({"--unlimited", "--cyanite-never-finish-share", "1"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, kJobs, test_support::UniqueSuffix());
  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim, {{"TUNEFLEET_CYANITE_PENDING_MAX", "4s"}}));
  ASSERT_TRUE(WaitForSources(database, vhost, worker, kJobs, 240s)) << worker.LogTail(30);
  StopGracefully(worker);

  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u) << "waiting for an analysis dead-lettered a job";
  EXPECT_EQ(Sources(database), kJobs);
  // Every track that had to be enqueued (about half of those with a known id) never finished.
  std::int64_t gave_up = database.Int(
      "SELECT count(*) FROM track_sources WHERE provider = 'cyanite' AND status = 'not_found' AND raw ? 'gave_up'");
  EXPECT_GE(gave_up, 5);
  // Each gave up once 4 s had passed since its first pending round, a time carried across the
  // delay queues (how many rounds fit in them depends on how late the broker expires a tier's
  // head: under load one 1 s round took up to 18 s here).
  auto reasons = database.Rows("SELECT raw->>'gave_up' FROM track_sources WHERE raw ? 'gave_up'");
  for (const auto& row : reasons) {
    EXPECT_NE(row[0].find("still Processing after"), std::string::npos) << row[0];
    EXPECT_EQ(row[0].find(" 0 pending rounds"), std::string::npos) << row[0];
  }
  EXPECT_NE(worker.Log().find("cyanite analysis never finished"), std::string::npos);
}

TEST(CyaniteWorker, ARefusedTokenIsDeadLetteredAtOnceWithoutTheToken) {
  constexpr int kJobs = 3;
  SimProcess sim({"--unlimited", "--cyanite-error-rate", "1", "--cyanite-error-kinds", "401"});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  // Only jobs with a Spotify id reach the API: every one of these has one.
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < kJobs; ++i) {
    std::string id = "cya-auth-" + test_support::UniqueSuffix() + "-" + std::to_string(i);
    json::TrackJob job{.job_id = id, .trace_id = "trace-" + id, .artist = "A", .title = "T " + std::to_string(i)};
    job.spotify_id = provider_sim::SpotifyId(static_cast<std::uint64_t>(1000 + i), provider_sim::IdKind::kTrack, 1);
    messages.push_back(test_support::JobMessage(id, json::Serialize(json::Job{job}), "track.cyanite"));
  }
  vhost.Publish(messages);
  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, database, sim));
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kDeadQueue) >= kJobs; }, 60s, "3 dead letters",
                        [&] { return "dead=" + std::to_string(vhost.Depth(kDeadQueue)); }))
      << worker.LogTail(30);
  auto dead = vhost.Take(kDeadQueue, kJobs, 5s);
  ASSERT_EQ(dead.size(), static_cast<std::size_t>(kJobs));
  for (const auto& d : dead) {
    std::string reason = amqp::HeaderString(d.headers, "x-tunefleet-reason");
    EXPECT_EQ(amqp::HeaderString(d.headers, "x-tunefleet-last-status"), "invalid_input") << reason;
    EXPECT_EQ(amqp::HeaderInt(d.headers, "x-tunefleet-attempt", 0), 1) << reason;
    EXPECT_EQ(reason.find(kToken), std::string::npos) << reason;
  }
  EXPECT_EQ(worker.Log().find(kToken), std::string::npos);
  EXPECT_EQ(Sources(database), 0);
  StopGracefully(worker);
}

TEST(CyaniteWorker, TwoWorkersTogetherStayUnderTheDefaultTwoRequestsPerSecond) {
  SimProcess sim({"--rate-slack-ms", "100"});  // Cyanite's default limit here: 2 req/s, burst 2
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishJobs(vhost, 100, test_support::UniqueSuffix());

  Fetch({.method = "POST", .url = sim.Url("/_sim/reset")});
  auto start = std::chrono::steady_clock::now();  // no request can come before this
  auto env = WorkerEnv(vhost, database, sim);
  WorkerProcess first(WorkerBinary(), env);
  WorkerProcess second(WorkerBinary(), env);
  ASSERT_TRUE(WaitUntil([&] { return Stats(sim).requests > 0; }, 60s, "the first request"));
  auto window_start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - window_start < 15s && first.Running() && second.Running()) {
    std::this_thread::sleep_for(100ms);
  }
  auto stats = Stats(sim);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(first.Running() && second.Running()) << "a worker exited";
  StopGracefully(first);
  StopGracefully(second);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  EXPECT_LE(stats.requests, static_cast<std::int64_t>(std::floor(seconds * 2)) + 2) << Describe(stats);
  EXPECT_GE(stats.requests, 12) << "the workers made progress in 15 s: " << Describe(stats);
  std::cout << "cyanite, 2 workers: " << Describe(stats) << " in " << seconds << " s\n";
}

}  // namespace
