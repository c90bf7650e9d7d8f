// Crashes exactly where at-least-once shows: the worker is killed (SIGKILL, by the runtime's
// test kill points) between a batch's commit and its ack, and between a retry's confirm and
// the original's ack. Every job still ends stored once; the jobs processed twice are counted
// (job_effects) and explained, and their rows are the same as if processed once.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <iostream>

#include "tests/integration/runtime/runtime_test_support.hpp"
#include "tests/support/wait.hpp"

namespace runtime_test {
namespace {

using namespace std::chrono_literals;
using test_support::NoopWorkerBinary;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::WorkerProcess;

// Waits until `worker` is ended by its kill point, and checks that it was.
void ExpectKilledAtPoint(WorkerProcess& worker, const std::string& point) {
  auto status = worker.WaitExit(120s);
  ASSERT_TRUE(status.has_value()) << "the kill point " << point << " was never reached\n" << worker.LogTail(20);
  EXPECT_EQ(status->signal, SIGKILL) << test_support::Describe(*status);
  EXPECT_NE(worker.Log().find("\"point\":\"" + point + "\""), std::string::npos) << worker.LogTail(20);
}

TEST(KillPoints, KilledBetweenCommitAndAckTheUnackedJobsAreProcessedTwiceWithTheSameRows) {
  constexpr int kJobs = 300;
  constexpr int kWindow = 20;  // prefetch = batch size: at most one batch unacked
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  vhost.PublishTrackJobs("job", 0, kJobs);
  auto env = WorkerEnv(vhost, database, {{"TUNEFLEET_AMQP_PREFETCH", std::to_string(kWindow)},
                                         {"TUNEFLEET_BATCH_SIZE", std::to_string(kWindow)}});
  {
    auto killed_env = env;
    killed_env["TUNEFLEET_TEST_KILL_AT"] = "after_commit:3";
    WorkerProcess worker(NoopWorkerBinary(), killed_env);
    ExpectKilledAtPoint(worker, "after_commit");
  }
  // Committed, never acked: the third batch (its jobs are in the database, not acked).
  auto before = CountEffects(database);
  std::cout << "at the kill: " << Describe(before) << "\n";
  EXPECT_EQ(before.reprocessed, 0) << Describe(before);
  EXPECT_GE(before.jobs, 3) << Describe(before);

  WorkerProcess worker(NoopWorkerBinary(), env);
  ASSERT_TRUE(WaitForAllStored(database, vhost, worker, kJobs, 180s));
  StopGracefully(worker, 30s);
  ExpectExactlyOnce(database, vhost, kJobs);

  // Exactly the batch that was committed but not acked is processed again: at least one job,
  // at most the window, each twice, nothing three times, every other job once.
  auto after = CountEffects(database);
  std::cout << "after the restart: " << Describe(after) << "\n";
  EXPECT_EQ(after.jobs, kJobs) << Describe(after);
  EXPECT_GE(after.reprocessed, 1) << Describe(after);
  EXPECT_LE(after.reprocessed, kWindow) << Describe(after);
  EXPECT_EQ(after.max_commits, 2) << Describe(after);
  EXPECT_EQ(after.commits, kJobs + after.reprocessed) << Describe(after);
  EXPECT_EQ(after.followup_ids, after.commits) << "each commit of a noop job sends its one track id";
  // The same row: one track and one source row per re-processed job, written by that job.
  EXPECT_EQ(database.Int("SELECT count(*) FROM job_effects e JOIN track_sources s ON s.job_id = e.job_id "
                         "WHERE e.commits > 1 AND s.provider = 'noop'"),
            after.reprocessed);
}

TEST(KillPoints, KilledBetweenARetrysConfirmAndTheAckTheJobWaitsTwiceAndIsStoredOnce) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  // One job that fails (the test worker fails every "fail-" title), then is stored by the
  // real noop worker: the retry copy and the redelivered original both reach it.
  vhost.Publish({test_support::JobMessage("flaky-1", test_support::TrackJobJson("flaky-1", "Artist", "fail-flaky"))});
  {
    auto env = WorkerEnv(vhost, database, {{"TUNEFLEET_TEST_KILL_AT", "after_retry_confirm:1"}});
    WorkerProcess worker(FailingWorkerBinary(), env);
    ExpectKilledAtPoint(worker, "after_retry_confirm");
  }
  // The retry copy was confirmed (it waits in the 1 s tier or has come back); the original
  // was never acked (the broker gives it back once the dead connection is noticed).
  WorkerProcess worker(NoopWorkerBinary(), WorkerEnv(vhost, database));
  ASSERT_TRUE(WaitUntil([&] { return CountEffects(database).commits >= 2; }, 120s,
                        "both copies of flaky-1 processed", [&] { return Describe(CountEffects(database)); }))
      << worker.LogTail(20);
  StopGracefully(worker, 30s);
  auto effects = CountEffects(database);
  EXPECT_EQ(effects.jobs, 1) << Describe(effects);
  EXPECT_EQ(effects.commits, 2) << Describe(effects);
  EXPECT_EQ(effects.reprocessed, 1) << Describe(effects);
  ExpectExactlyOnce(database, vhost, 1);
  EXPECT_EQ(vhost.Depth("tunefleet.delay.1s"), 0u);
}

}  // namespace
}  // namespace runtime_test
