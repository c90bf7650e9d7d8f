// The builder runtime end to end: real RabbitMQ and PostgreSQL, the real RunBuilder loop, and
// a test builder (logging_builder_main.cpp) that logs which ids each rebuild got.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/json/job_writer.hpp"
#include "common/runtime/topology.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"

namespace {

using namespace std::chrono_literals;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WorkerProcess;

constexpr const char* kQueue = "tunefleet.recommend";
constexpr const char* kDeadQueue = "tunefleet.recommend.dead";

std::filesystem::path BuilderBinary() { return std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin/tunefleet-test-builder"; }

amqp::OutgoingMessage FollowUp(const std::string& job_id, const std::string& provider,
                               std::vector<std::int64_t> track_ids) {
  json::FollowUp followup{.job_id = job_id,
                          .trace_id = job_id,
                          .track_ids = std::move(track_ids),
                          .provider = provider,
                          .reason = "enriched",
                          .emitted_at = "2026-11-21T10:00:00Z"};
  return {runtime::kFollowupsExchange, "followup." + provider, job_id, json::Serialize(followup), {}};
}

class BuilderWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vhost_.DeclareFleetTopology();
    // As the owner, like a migration: the builder runs as the worker role, which gets the
    // grants on what the owner creates (migrations/0003_roles.sql).
    pqxx::connection owner{database_.owner_dsn()};
    pqxx::work tx(owner);
    tx.exec("CREATE SEQUENCE rebuild_call");
    tx.exec("CREATE TABLE rebuild_log (call bigint NOT NULL, track_id bigint NOT NULL)");
    tx.exec("CREATE TABLE background_log (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    tx.commit();
  }

  std::map<std::string, std::string> Env(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {{"TUNEFLEET_AMQP_URL", vhost_.amqp_url()},
                                              {"TUNEFLEET_PG_DSN", database_.worker_dsn()},
                                              {"TUNEFLEET_METRICS_PORT", std::to_string(metrics_port_)},
                                              {"TUNEFLEET_LOG_LEVEL", "debug"}};
    for (auto& [key, value] : extra) env[key] = value;
    return env;
  }

  std::string Metrics() {
    auto [status, body] = test_support::HttpGet("http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics");
    return status == 200 ? body : std::string();
  }

  // Waits until the queue has nothing ready or unacked and `rows` ids were logged.
  bool WaitDone(WorkerProcess& builder, std::int64_t rows, std::chrono::milliseconds timeout) {
    return test_support::WaitUntil(
        [&] {
          if (!builder.Running()) throw std::runtime_error("the builder exited:\n" + builder.LogTail(20));
          if (database_.Int("SELECT count(*) FROM rebuild_log") < rows) return false;
          auto stats = vhost_.Stats(kQueue);
          return stats.ready == 0 && stats.unacked == 0;
        },
        timeout, "every follow-up rebuilt and acked");
  }

  TestVhost vhost_;
  TestDatabase database_;
  int metrics_port_ = test_support::FreePort();
};

TEST_F(BuilderWorkerTest, CoalescesTheSameTrackFromFourProvidersIntoOneRebuild) {
  // What the demo does: four providers finish the same tracks close together.
  std::vector<amqp::OutgoingMessage> messages;
  for (const char* provider : {"spotify", "lastfm", "musicbrainz", "discogs"}) {
    messages.push_back(FollowUp(std::string("fu-") + provider, provider, {101, 102, 103}));
  }
  messages.push_back(FollowUp("fu-other", "spotify", {104}));
  vhost_.Publish(messages);  // before the builder starts: all five land in one window
  WorkerProcess builder(BuilderBinary(), Env({{"TUNEFLEET_BUILDER_WINDOW", "1s"}}));
  ASSERT_TRUE(WaitDone(builder, 4, 30s));

  EXPECT_EQ(database_.Int("SELECT count(*) FROM rebuild_log"), 4);
  EXPECT_EQ(database_.Int("SELECT count(DISTINCT track_id) FROM rebuild_log"), 4);
  EXPECT_EQ(database_.Int("SELECT count(DISTINCT call) FROM rebuild_log"), 1);
  const std::string metrics = Metrics();
  EXPECT_EQ(test_support::MetricValue(metrics, "tunefleet_builder_ids_received_total"), 13.0) << metrics;
  EXPECT_EQ(test_support::MetricValue(metrics, "tunefleet_builder_ids_coalesced_total"), 9.0);
  EXPECT_EQ(test_support::MetricValue(metrics, "tunefleet_builder_tracks_rebuilt_total"), 4.0);
  EXPECT_EQ(vhost_.Depth(kDeadQueue), 0u);
  builder.Terminate();
  auto status = builder.WaitExit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0) << builder.LogTail(20);
}

TEST_F(BuilderWorkerTest, FollowUpsOutsideTheWindowAreRebuiltAgain) {
  // A prefetch below the providers' TUNEFLEET_BATCH_SIZE (500) is fine: builders do not batch rows.
  WorkerProcess builder(BuilderBinary(),
                        Env({{"TUNEFLEET_BUILDER_WINDOW", "200ms"}, {"TUNEFLEET_AMQP_PREFETCH", "50"}}));
  vhost_.Publish({FollowUp("fu-1", "spotify", {7})});
  ASSERT_TRUE(WaitDone(builder, 1, 30s));
  vhost_.Publish({FollowUp("fu-2", "lastfm", {7})});
  ASSERT_TRUE(WaitDone(builder, 2, 30s));
  EXPECT_EQ(database_.Int("SELECT count(*) FROM rebuild_log WHERE track_id = 7"), 2);
  EXPECT_EQ(database_.Int("SELECT count(DISTINCT call) FROM rebuild_log"), 2);
}

TEST_F(BuilderWorkerTest, DeadLettersInvalidMessagesAndRebuildsTheValidOnes) {
  std::vector<amqp::OutgoingMessage> messages;
  messages.push_back({"", kQueue, "not-json", "{this is not json", {}});
  messages.push_back({"", kQueue, "a-track-job",
                      R"({"type":"tunefleet.track_job/1","job_id":"a-track-job","trace_id":"t","artist":"A","title":"T"})",
                      {}});
  messages.push_back(FollowUp("fu-good", "spotify", {1, 2}));
  vhost_.Publish(messages);
  WorkerProcess builder(BuilderBinary(), Env({{"TUNEFLEET_BUILDER_WINDOW", "100ms"}}));
  ASSERT_TRUE(WaitDone(builder, 2, 30s));
  ASSERT_TRUE(test_support::WaitUntil([&] { return vhost_.Depth(kDeadQueue) == 2; }, 10s, "two dead letters"));
  auto dead = vhost_.Take(kDeadQueue, 2, 10s);
  ASSERT_EQ(dead.size(), 2u);
  std::map<std::string, std::string> reasons;
  for (const auto& message : dead) {
    reasons[message.message_id] = amqp::HeaderString(message.headers, runtime::kReasonHeader);
    EXPECT_EQ(amqp::HeaderString(message.headers, runtime::kLastStatusHeader), "invalid_message");
    EXPECT_EQ(amqp::HeaderString(message.headers, runtime::kRoutingKeyHeader), kQueue);
  }
  EXPECT_NE(reasons["not-json"].find("invalid message"), std::string::npos) << reasons["not-json"];
  EXPECT_NE(reasons["a-track-job"].find("tunefleet.track_job/1 message reached a builder queue"), std::string::npos)
      << reasons["a-track-job"];
  EXPECT_EQ(database_.Int("SELECT count(*) FROM rebuild_log"), 2);
}

TEST_F(BuilderWorkerTest, HoldsFollowUpsWhileTheDatabaseFailsAndRebuildsThemAfter) {
  vhost_.Publish({FollowUp("fu-a", "spotify", {1, 2, 3}), FollowUp("fu-b", "discogs", {3, 4})});
  WorkerProcess builder(BuilderBinary(),
                        Env({{"TUNEFLEET_BUILDER_WINDOW", "100ms"}, {"TUNEFLEET_TEST_FAIL_FIRST", "3"},
                             {"TUNEFLEET_DB_RETRY_MAX", "300ms"}}));
  // While failing, nothing is acked: both follow-ups stay unacked with the builder.
  ASSERT_TRUE(test_support::WaitUntil(
      [&] { return test_support::MetricValue(Metrics(), "tunefleet_db_errors_total").value_or(0) >= 1; }, 15s,
      "a failed rebuild"));
  EXPECT_EQ(database_.Int("SELECT count(*) FROM rebuild_log"), 0);
  ASSERT_TRUE(WaitDone(builder, 4, 30s));
  EXPECT_EQ(database_.Int("SELECT count(*) FROM rebuild_log"), 4);
  EXPECT_EQ(vhost_.Depth(kDeadQueue), 0u);
  EXPECT_EQ(test_support::MetricValue(Metrics(), "tunefleet_db_errors_total"), 3.0);
}

TEST_F(BuilderWorkerTest, SigtermRebuildsWhatIsGatheredThenExits) {
  // A long window: only the drain can trigger the rebuild.
  WorkerProcess builder(BuilderBinary(), Env({{"TUNEFLEET_BUILDER_WINDOW", "60s"}}));
  vhost_.Publish({FollowUp("fu-1", "spotify", {11, 12}), FollowUp("fu-2", "lastfm", {12, 13})});
  ASSERT_TRUE(test_support::WaitUntil(
      [&] { return test_support::MetricValue(Metrics(), "tunefleet_builder_pending_ids").value_or(0) == 3; }, 15s,
      "three ids gathered"));
  EXPECT_EQ(database_.Int("SELECT count(*) FROM rebuild_log"), 0);
  builder.Terminate();
  auto status = builder.WaitExit(15s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0) << builder.LogTail(20);
  EXPECT_EQ(database_.Int("SELECT count(*) FROM rebuild_log"), 3);
  EXPECT_EQ(vhost_.Depth(kQueue), 0u);
  EXPECT_EQ(vhost_.Depth(kDeadQueue), 0u);
}

TEST_F(BuilderWorkerTest, BackgroundStepsRunWhenNoRebuildWaits) {
  WorkerProcess builder(BuilderBinary(), Env({{"TUNEFLEET_BUILDER_WINDOW", "100ms"}, {"TUNEFLEET_BUILDER_IDLE", "50ms"},
                                              {"TUNEFLEET_TEST_BACKGROUND", "200"}}));
  vhost_.Publish({FollowUp("fu-1", "spotify", {21})});
  ASSERT_TRUE(WaitDone(builder, 1, 30s));
  ASSERT_TRUE(test_support::WaitUntil([&] { return database_.Int("SELECT count(*) FROM background_log") == 200; },
                                      60s, "200 background steps"));
  // The counter moves on the loop thread after the step's commit: wait for it too (reading it
  // right after the 200th row once saw 199 under load).
  EXPECT_TRUE(test_support::WaitUntil(
      [&] {
        return test_support::MetricValue(Metrics(), "tunefleet_builder_background_steps_total").value_or(0) == 200.0;
      },
      30s, "200 background steps counted"));
  EXPECT_EQ(test_support::MetricValue(Metrics(), "tunefleet_builder_background_steps_total"), 200.0);
}

TEST_F(BuilderWorkerTest, BadWindowSettingStopsAtStartNamingTheVariable) {
  WorkerProcess builder(BuilderBinary(), Env({{"TUNEFLEET_BUILDER_WINDOW", "soon"}}));
  auto status = builder.WaitExit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 2);
  EXPECT_NE(builder.Log().find("TUNEFLEET_BUILDER_WINDOW"), std::string::npos) << builder.Log();
}

}  // namespace
