// The runtime while the private stack's services restart. These tests stop and start the
// shared RabbitMQ and PostgreSQL (scripts/stack), so ctest runs them alone (RUN_SERIAL), and
// the fixture brings the stack back up whatever happens.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "tests/integration/runtime/runtime_test_support.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace runtime_test {
namespace {

using namespace std::chrono_literals;
using test_support::NoopWorkerBinary;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::WorkerProcess;

constexpr int kJobsBefore = 6000;
constexpr int kJobsAfter = 4000;
constexpr int kJobs = kJobsBefore + kJobsAfter;

// Runs `scripts/stack <args>` (its progress goes to stderr) and returns its exit status.
int Stack(const std::string& args) {
  std::string command = "timeout 300 " TUNEFLEET_SOURCE_DIR "/scripts/stack " + args + " >/dev/null";
  std::cerr << "running scripts/stack " << args << "\n";
  auto start = std::chrono::steady_clock::now();
  int rc = std::system(command.c_str());
  std::cerr << "scripts/stack " << args << ": status " << rc << " after "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s\n";
  return rc;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class ServiceRestartTest : public testing::Test {
 protected:
  void SetUp() override {
    vhost_.DeclareFleetTopology();
    vhost_.PublishTrackJobs("job", 0, kJobsBefore);
  }
  // Whatever happened, leave the stack up for the next test (and for the vhost and database
  // destructors, which run after this).
  void TearDown() override {
    EXPECT_EQ(Stack("up"), 0) << "could not bring the stack back up";
    EXPECT_EQ(Stack("rabbitmqctl -q set_vm_memory_high_watermark 0.4"), 0) << "could not clear the memory alarm";
  }

  // Small batches and window, so the run is still going when the service goes away.
  std::map<std::string, std::string> Env() {
    return WorkerEnv(vhost_, database_, {{"TUNEFLEET_BATCH_SIZE", "50"}, {"TUNEFLEET_AMQP_PREFETCH", "100"}});
  }

  // 1000 rows stored by the running `worker`, so the service goes away mid-run.
  testing::AssertionResult WaitForRowsBefore(WorkerProcess& worker, const std::string& event) {
    bool stored = WaitUntil([&] { return !worker.Running() || CountRows(database_).tracks >= 1000; }, 120s,
                            "1000 rows before " + event, [&] { return Describe(CountRows(database_)); });
    if (!stored) return testing::AssertionFailure() << "fewer than 1000 rows before " << event;
    if (!worker.Running()) return testing::AssertionFailure() << "the worker exited: " << worker.LogTail(20);
    return testing::AssertionSuccess();
  }

  TestDatabase database_;
  TestVhost vhost_;
};

TEST_F(ServiceRestartTest, RabbitMqRestartMidRunLosesAndDoublesNothing) {
  auto start = std::chrono::steady_clock::now();
  WorkerProcess worker(NoopWorkerBinary(), Env());
  ASSERT_TRUE(WaitForRowsBefore(worker, "the restart"));
  std::int64_t before = CountRows(database_).tracks;
  ASSERT_EQ(Stack("restart rabbitmq"), 0);
  std::cout << "rabbitmq restarted: " << before << " rows before, " << CountRows(database_).tracks << " after\n";
  // The rest of the jobs arrive after the restart: the worker must have reconnected.
  vhost_.PublishTrackJobs("job", kJobsBefore, kJobsAfter);

  ASSERT_TRUE(WaitForAllStored(database_, vhost_, worker, kJobs, 300s));
  testing::Test::RecordProperty("run_seconds", std::to_string(SecondsSince(start)));
  EXPECT_NE(worker.Log().find("rabbitmq connection lost"), std::string::npos) << "the restart went unnoticed";
  StopGracefully(worker, 30s);
  ExpectExactlyOnce(database_, vhost_, kJobs);
}

TEST_F(ServiceRestartTest, PostgresDownTwentySecondsMidRunLosesAndDoublesNothing) {
  auto start = std::chrono::steady_clock::now();
  WorkerProcess worker(NoopWorkerBinary(), Env());
  ASSERT_TRUE(WaitForRowsBefore(worker, "the outage"));
  ASSERT_EQ(Stack("stop postgres"), 0);
  auto down = std::chrono::steady_clock::now();
  // Jobs keep arriving while the database is away.
  vhost_.PublishTrackJobs("job", kJobsBefore, kJobsAfter);
  // The outage lasts 20 s by design; meanwhile the worker must stay up and dead-letter nothing.
  while (std::chrono::steady_clock::now() - down < 20s) {
    ASSERT_TRUE(worker.Running()) << "the worker exited while the database was down";
    ASSERT_EQ(vhost_.Depth(kDeadQueue), 0u) << "a job was dead-lettered while the database was down";
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(Stack("start postgres"), 0);
  EXPECT_TRUE(worker.Running());
  EXPECT_EQ(vhost_.Depth(kDeadQueue), 0u);

  ASSERT_TRUE(WaitForAllStored(database_, vhost_, worker, kJobs, 300s));
  testing::Test::RecordProperty("run_seconds", std::to_string(SecondsSince(start)));
  EXPECT_NE(worker.Log().find("database is back; resuming"), std::string::npos) << worker.LogTail(20);
  StopGracefully(worker, 30s);
  ExpectExactlyOnce(database_, vhost_, kJobs);
}

// Longer than TUNEFLEET_DB_HOLD_MAX (here 3 s; 5 min by default, far below RabbitMQ's 30 min
// consumer timeout): the worker gives every held job back and stops consuming instead of
// sitting on them until the broker closes its channel; it resumes when the database answers.
TEST_F(ServiceRestartTest, PostgresDownLongerThanTheHoldGivesHeldJobsBackAndPausesConsuming) {
  auto env = Env();
  env["TUNEFLEET_DB_HOLD_MAX"] = "3s";
  env["TUNEFLEET_DB_RETRY_MAX"] = "1s";
  WorkerProcess worker(NoopWorkerBinary(), env);
  ASSERT_TRUE(WaitForRowsBefore(worker, "the outage"));
  ASSERT_EQ(Stack("stop postgres"), 0);
  vhost_.PublishTrackJobs("job", kJobsBefore, kJobsAfter);
  // Given back: nothing unacked, no consumer, every job ready in the queue again.
  ASSERT_TRUE(WaitUntil([&] { return worker.Log().find("giving held jobs back") != std::string::npos; }, 120s,
                        "the worker giving its held jobs back"))
      << worker.LogTail(20);
  ASSERT_TRUE(WaitUntil([&] {
    auto stats = vhost_.Stats(kJobQueue);
    return stats.unacked == 0 && stats.consumers == 0;
  }, 60s, "no unacked job and no consumer on " + std::string(kJobQueue), [&] {
    auto stats = vhost_.Stats(kJobQueue);
    return "unacked=" + std::to_string(stats.unacked) + " consumers=" + std::to_string(stats.consumers);
  }));
  EXPECT_TRUE(worker.Running());
  EXPECT_EQ(vhost_.Depth(kDeadQueue), 0u);
  ASSERT_EQ(Stack("start postgres"), 0);

  ASSERT_TRUE(WaitForAllStored(database_, vhost_, worker, kJobs, 300s));
  EXPECT_NE(worker.Log().find("database is back; resuming"), std::string::npos) << worker.LogTail(20);
  StopGracefully(worker, 30s);
  ExpectExactlyOnce(database_, vhost_, kJobs);
  // Given-back jobs were never committed: at most a batch whose commit reply the outage
  // swallowed is processed twice.
  auto effects = CountEffects(database_);
  std::cout << Describe(effects) << "\n";
  EXPECT_EQ(effects.jobs, kJobs) << Describe(effects);
  EXPECT_LE(effects.reprocessed, 50) << Describe(effects);
}

// A memory alarm (the watermark set to 0 raises it at once) makes RabbitMQ block every
// publishing connection. The worker says so, stays up, acks nothing it has not stored (its
// follow-ups cannot be confirmed) and resumes when the alarm clears; `tunefleet publish`
// publishes nothing while blocked and gives up after --give-up-after, naming the alarm.
TEST_F(ServiceRestartTest, MemoryAlarmBlocksPublishingWorkersWaitAndPublishGivesUpNamingIt) {
  // The alarm first: the broker blocks a connection when it publishes, so a worker started
  // afterwards is blocked by its first follow-up, whatever the machine's speed. (Raised
  // mid-run, a fast worker could finish every job before the alarm took effect.)
  ASSERT_EQ(Stack("rabbitmqctl -q set_vm_memory_high_watermark 0"), 0);
  WorkerProcess worker(NoopWorkerBinary(), Env());
  ASSERT_TRUE(WaitUntil([&] { return worker.Log().find("rabbitmq blocks publishing") != std::string::npos; }, 120s,
                        "the worker noticing the block"))
      << worker.LogTail(20);

  test_support::TempDir dir;
  const auto input = dir.path() / "blocked.csv";
  std::ofstream(input) << "artist,title\nBlocked Artist,Blocked Song 1\nBlocked Artist,Blocked Song 2\n";
  auto started = std::chrono::steady_clock::now();
  test_support::CliRun run = test_support::RunTunefleet(
      {"publish", input.string(), "--providers", "noop", "--give-up-after", "3s"},
      {{"TUNEFLEET_AMQP_URL", vhost_.amqp_url()}});
  std::cout << "publish while blocked: exit " << run.exit_code << " after " << SecondsSince(started) << " s\n"
            << run.err;
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.err.find("blocks publishing"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--give-up-after"), std::string::npos) << run.err;
  EXPECT_TRUE(worker.Running());
  EXPECT_EQ(vhost_.Depth(kDeadQueue), 0u);

  ASSERT_EQ(Stack("rabbitmqctl -q set_vm_memory_high_watermark 0.4"), 0);
  ASSERT_TRUE(WaitForAllStored(database_, vhost_, worker, kJobsBefore, 300s));
  EXPECT_NE(worker.Log().find("rabbitmq unblocked publishing"), std::string::npos) << worker.LogTail(20);
  StopGracefully(worker, 30s);
  // What the broker took before it blocked the publisher may be stored (unconfirmed is not
  // lost: at least once); each of them once.
  const std::int64_t blocked_stored = database_.Int("SELECT count(*) FROM tracks WHERE title LIKE 'Blocked Song %'");
  EXPECT_LE(blocked_stored, 2);
  ExpectExactlyOnce(database_, vhost_, kJobsBefore + blocked_stored);
  // The connection stayed up through the block: nothing was delivered twice.
  auto effects = CountEffects(database_);
  EXPECT_EQ(effects.reprocessed, 0) << Describe(effects);
}

}  // namespace
}  // namespace runtime_test
