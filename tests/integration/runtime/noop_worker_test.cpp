// The shared runtime end to end: the real noop worker binary against the private stack, each
// test in its own RabbitMQ vhost and PostgreSQL database.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <variant>

#include "common/json/job_parser.hpp"
#include "tests/integration/runtime/runtime_test_support.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/text.hpp"

namespace runtime_test {
namespace {

using namespace std::chrono_literals;
using test_support::JobMessage;
using test_support::NoopWorkerBinary;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::TrackJob;
using test_support::TrackJobJson;
using test_support::WaitUntil;
using test_support::WorkerProcess;

constexpr int kJobs = 10000;

// Drains `queue` and returns every track id its follow-ups name, failing the test on a
// message that is not a valid follow-up or carries more than 1,000 ids.
std::set<std::int64_t> FollowedUpTrackIds(TestVhost& vhost, const std::string& queue, std::size_t* messages) {
  std::set<std::int64_t> ids;
  json::JobParser parser;
  std::uint32_t depth = vhost.Depth(queue);
  auto deliveries = vhost.Take(queue, depth, std::chrono::seconds(30));
  if (messages != nullptr) *messages = deliveries.size();
  for (const auto& delivery : deliveries) {
    auto job = parser.Parse(delivery.body);
    if (!job || !std::holds_alternative<json::FollowUp>(*job)) {
      ADD_FAILURE() << "not a follow-up: " << delivery.body.substr(0, 200);
      continue;
    }
    const auto& followup = std::get<json::FollowUp>(*job);
    EXPECT_LE(followup.track_ids.size(), 1000u);
    ids.insert(followup.track_ids.begin(), followup.track_ids.end());
  }
  return ids;
}

// Kept in the test's XML report (--gtest_output=xml) and printed: how long a phase took.
void RecordSeconds(const std::string& key, std::chrono::steady_clock::time_point start) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  testing::Test::RecordProperty(key, std::to_string(seconds));
  std::cout << key << ": " << seconds << "\n";
}

TEST(NoopWorker, StoresTenThousandJobsExactlyOnce) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  vhost.PublishTrackJobs("job", 0, kJobs);

  auto start = std::chrono::steady_clock::now();
  WorkerProcess worker(NoopWorkerBinary(), WorkerEnv(vhost, database));
  ASSERT_TRUE(WaitForAllStored(database, vhost, worker, kJobs, 300s));
  RecordSeconds("store_seconds", start);
  StopGracefully(worker, 30s);

  ExpectExactlyOnce(database, vhost, kJobs);
  // A clean run processes every job once: one commit each, one follow-up id each.
  auto effects = CountEffects(database);
  EXPECT_EQ(effects.jobs, kJobs) << Describe(effects);
  EXPECT_EQ(effects.commits, kJobs) << Describe(effects);
  EXPECT_EQ(effects.reprocessed, 0) << Describe(effects);
  EXPECT_EQ(effects.followup_ids, kJobs) << Describe(effects);
  // Follow-ups come per committed batch: together they name every stored track once, and
  // both builder queues get the same messages.
  std::uint32_t features = vhost.Depth(kFeaturesQueue);
  std::size_t messages = 0;
  auto ids = FollowedUpTrackIds(vhost, kRecommendQueue, &messages);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(static_cast<std::int64_t>(ids.size()), database.Int("select count(*) from tracks"));
  EXPECT_EQ(features, messages);
  EXPECT_LT(messages, static_cast<std::size_t>(kJobs) / 10) << "follow-ups should be per batch, not per job";
}

TEST(NoopWorker, KilledFiveTimesStillStoresEveryJobExactlyOnce) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  vhost.PublishTrackJobs("job", 0, kJobs);

  // Five kill points at random progress (rows stored), spread over the run.
  std::random_device seed_source;
  unsigned seed = seed_source();
  SCOPED_TRACE("kill points seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::vector<std::int64_t> kill_at;
  for (int i = 0; i < 5; ++i) {
    std::uniform_int_distribution<std::int64_t> within(kJobs * (i * 18 + 2) / 100, kJobs * (i * 18 + 16) / 100);
    kill_at.push_back(within(random));
  }
  auto env = WorkerEnv(vhost, database);
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (auto rows : kill_at) {
    workers.push_back(std::make_unique<WorkerProcess>(NoopWorkerBinary(), env));
    auto& worker = *workers.back();
    ASSERT_TRUE(WaitUntil([&] { return !worker.Running() || CountRows(database).tracks >= rows; }, 120s,
                          std::to_string(rows) + " rows before the kill",
                          [&] { return Describe(CountRows(database)); }));
    ASSERT_TRUE(worker.Running()) << "worker exited on its own: " << Describe(*worker.exit_status());
    worker.Kill(SIGKILL);
    auto status = worker.WaitExit(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->signal, SIGKILL);
    std::cout << "killed at " << CountRows(database).tracks << " rows (target " << rows << ")\n";
  }
  workers.push_back(std::make_unique<WorkerProcess>(NoopWorkerBinary(), env));
  ASSERT_TRUE(WaitForAllStored(database, vhost, *workers.back(), kJobs, 300s));
  StopGracefully(*workers.back(), 30s);

  ExpectExactlyOnce(database, vhost, kJobs);
  // At least once: a job killed between its follow-up and its ack emits it again, so every
  // stored track is named by some follow-up.
  EXPECT_EQ(FollowedUpTrackIds(vhost, kRecommendQueue, nullptr).size(), static_cast<std::size_t>(kJobs));
}

TEST(NoopWorker, DeadLettersPoisonMessagesAndStoresGoodOnesByteForByte) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();

  const std::string type = R"("type":"tunefleet.track_job/1")";
  // job_id -> body, dead-lettered without a retry.
  std::map<std::string, std::string> poison = {
      {"bad-not-json", "this is { not JSON"},
      {"bad-no-artist", "{" + type + R"(,"job_id":"bad-no-artist","trace_id":"t","title":"No artist"})"},
      {"bad-5mb", TrackJobJson("bad-5mb", "Big", std::string(5 * 1024 * 1024, 'x'))},
      {"bad-utf8", "{" + type + R"(,"job_id":"bad-utf8","trace_id":"t","artist":"A","title":"caf)" + "\xc3\x28 \xff" +
                       R"("})"},
  };
  // job_id -> the title the database must hold.
  std::map<std::string, std::string> titles = {
      {"good-quotes", R"(She said "hello" and 'goodbye')"},
      {"good-backslash", R"(C:\music\new\track \n not a newline \\)"},
      {"good-sql", "'); DROP TABLE tracks; --"},
      {"good-emoji", "Fire \xF0\x9F\x94\xA5 guitar \xF0\x9F\x8E\xB8 family \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"},
      {"good-escaped", "Caf\xC3\xA9 escaped"},
      {"good-controls", "tab\there, newline\nthere, nul-free"},
  };
  std::vector<amqp::OutgoingMessage> messages;
  int plain = 0;
  auto add_plain = [&] {
    std::string id = "good-plain-" + std::to_string(plain);
    titles[id] = "Plain title " + std::to_string(plain++);
    messages.push_back(JobMessage(id, TrackJobJson(id, "Artist", titles[id])));
  };
  for (const auto& [id, body] : poison) {
    for (int i = 0; i < 25; ++i) add_plain();
    messages.push_back(JobMessage(id, body));
  }
  for (const auto& [id, title] : titles) {
    if (id.rfind("good-plain-", 0) == 0) continue;
    if (id == "good-escaped") {
      // Written by hand: the title arrives as a JSON \u escape, not as raw UTF-8.
      messages.push_back(JobMessage(id, "{" + type + R"(,"job_id":"good-escaped","trace_id":"t","artist":"Artist",)" +
                                            R"("title":"Caf\u00e9 escaped"})"));
    } else {
      messages.push_back(JobMessage(id, TrackJobJson(id, "Artist", title)));
    }
    for (int i = 0; i < 25; ++i) add_plain();
  }
  vhost.Publish(messages);

  WorkerProcess worker(NoopWorkerBinary(), WorkerEnv(vhost, database));
  pid_t pid = worker.pid();
  auto good = static_cast<std::int64_t>(titles.size());
  ASSERT_TRUE(WaitForAllStored(database, vhost, worker, good, 120s));
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kDeadQueue) >= poison.size(); }, 30s, "every poison message dead-lettered",
                        [&] { return "dead=" + std::to_string(vhost.Depth(kDeadQueue)); }));

  auto dead = vhost.Take(kDeadQueue, poison.size() + 1, 3s);
  ASSERT_EQ(dead.size(), poison.size());
  for (const auto& d : dead) {
    SCOPED_TRACE(d.message_id);
    ASSERT_TRUE(poison.count(d.message_id));
    EXPECT_EQ(d.body, poison.at(d.message_id)) << "the dead letter must carry the original body";
    std::string reason = amqp::HeaderString(d.headers, "x-tunefleet-reason");
    std::cout << d.message_id << ": " << reason << "\n";
    EXPECT_FALSE(reason.empty());
    EXPECT_LE(reason.size(), 1024u);
    EXPECT_TRUE(std::all_of(reason.begin(), reason.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
        << "reason should be printable ASCII: " << reason;
    EXPECT_EQ(amqp::HeaderString(d.headers, "x-tunefleet-last-status"), "invalid_message");
    EXPECT_EQ(amqp::HeaderInt(d.headers, "x-tunefleet-attempt", -1), 0);
    EXPECT_EQ(amqp::HeaderString(d.headers, "x-tunefleet-provider"), "noop");
  }

  auto rows = database.Rows(
      "SELECT s.job_id, t.title FROM tracks t JOIN track_sources s ON s.track_id = t.id ORDER BY s.job_id");
  std::map<std::string, std::string> stored;
  for (const auto& row : rows) stored[row.at(0)] = row.at(1);
  EXPECT_EQ(stored.size(), titles.size());
  for (const auto& [id, title] : titles) {
    SCOPED_TRACE(id);
    ASSERT_TRUE(stored.count(id));
    EXPECT_EQ(stored.at(id), title);
  }
  EXPECT_EQ(database.Int("SELECT count(*) FROM tracks"), good);
  EXPECT_EQ(vhost.Depth(kJobQueue), 0u);
  EXPECT_TRUE(worker.Running()) << "the worker must survive poison messages";
  EXPECT_EQ(worker.pid(), pid);
  StopGracefully(worker, 30s);
}

TEST(NoopWorker, SigtermDrainsInFlightJobsAndExitsCleanly) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  vhost.PublishTrackJobs("job", 0, kJobs);
  auto env = WorkerEnv(vhost, database);

  WorkerProcess first(NoopWorkerBinary(), env);
  ASSERT_TRUE(WaitUntil([&] { return !first.Running() || CountRows(database).tracks >= kJobs / 5; }, 120s,
                        "a fifth of the jobs stored", [&] { return Describe(CountRows(database)); }));
  ASSERT_TRUE(first.Running());
  auto signalled = std::chrono::steady_clock::now();
  first.Terminate();
  auto status = first.WaitExit(10s);
  ASSERT_TRUE(status.has_value()) << "no exit within 10 s of SIGTERM";
  RecordSeconds("sigterm_exit_seconds", signalled);
  EXPECT_EQ(*status, (test_support::ExitStatus{0, 0})) << Describe(*status);
  EXPECT_NE(first.Log().find(R"("msg":"worker stopped","provider":"noop","unfinished":0)"), std::string::npos)
      << first.LogTail(10);

  // What the first worker stored, and when its last transaction started: a job it acked must
  // not come back, so none of these rows may be written again.
  auto stored_by_first = CountRows(database);
  std::string last_write = database.Scalar("SELECT max(fetched_at) FROM track_sources");
  ASSERT_LT(stored_by_first.tracks, kJobs) << "the run finished before SIGTERM; nothing was drained";

  WorkerProcess second(NoopWorkerBinary(), env);
  ASSERT_TRUE(WaitForAllStored(database, vhost, second, kJobs, 300s));
  StopGracefully(second, 30s);
  ExpectExactlyOnce(database, vhost, kJobs);
  EXPECT_EQ(database.Int("SELECT count(*) FROM track_sources WHERE fetched_at <= '" + last_write + "'"),
            stored_by_first.sources)
      << "jobs stored (and acked) by the first worker were processed again";
}

// The broker drops a consumer without closing its channel when the queue goes away or, in a
// cluster, when a node holding the quorum queue fails: unless the client asked to be told
// (consumer_cancel_notify), the worker waits forever on a channel that never delivers again.
TEST(NoopWorker, ConsumesAgainWhenTheBrokerCancelsItsConsumer) {
  constexpr int kBatch = 100;
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  vhost.PublishTrackJobs("before", 0, kBatch);
  WorkerProcess worker(NoopWorkerBinary(), WorkerEnv(vhost, database));
  ASSERT_TRUE(WaitForAllStored(database, vhost, worker, kBatch, 120s));
  // The job consumer's connections (component "amqp"; the control channel's are "control").
  auto connects = [&] {
    return test_support::CountOccurrences(worker.Log(), R"("component":"amqp","msg":"rabbitmq connected")");
  };
  ASSERT_EQ(connects(), 1u) << worker.LogTail(10);

  amqp::Connection admin({.url = vhost.amqp_url(), .connection_name = "tunefleet-test-admin"});
  ASSERT_TRUE(admin.Open());
  ASSERT_TRUE(admin.DeleteQueue(kJobQueue));
  // Told of the cancel, the worker connects again, declares its queue and consumes from it.
  ASSERT_TRUE(WaitUntil([&] { return connects() >= 2; }, 120s, "the worker consuming again",
                        [&] { return worker.LogTail(10); }));
  EXPECT_NE(worker.Log().find("RabbitMQ cancelled the consumer"), std::string::npos) << worker.LogTail(10);

  vhost.PublishTrackJobs("after", 0, kBatch);
  ASSERT_TRUE(WaitForAllStored(database, vhost, worker, 2 * kBatch, 120s));
  StopGracefully(worker, 30s);
  ExpectExactlyOnce(database, vhost, 2 * kBatch);
}

// Follow-ups the broker refuses (basic.nack; here tunefleet.features is full: max-length with
// reject-publish) leave their jobs unacked. The worker reconnects with a growing backoff rather
// than requeueing and rewriting them in a tight loop, where every round counts against the
// queue's delivery limit (20) and the jobs would be dead-lettered within a second. Once the
// queue takes messages again, every job is stored once and nothing is dead-lettered.
TEST(NoopWorker, RefusedFollowUpsAreRetriedWithoutBurningTheDeliveryLimit) {
  constexpr int kBatch = 50;
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  vhost.SetPolicy("full", "^tunefleet\\.features$", R"({"max-length":1,"overflow":"reject-publish"})");
  vhost.FillUntilRefused("tunefleet.features", 30s);
  vhost.PublishTrackJobs("refused", 0, kBatch);
  WorkerProcess worker(NoopWorkerBinary(), WorkerEnv(vhost, database));
  auto refusals = [&] { return test_support::CountOccurrences(worker.Log(), "reconnecting for a new channel"); };
  // Each refusal sends the jobs round again (stored again, follow-ups refused again): wait for
  // three rounds.
  ASSERT_TRUE(WaitUntil([&] { return CountEffects(database).commits >= 3 * kBatch || !worker.Running(); }, 120s,
                        "three rounds of refused follow-ups",
                        [&] { return Describe(CountEffects(database)) + "\n" + worker.LogTail(10); }));
  ASSERT_TRUE(worker.Running()) << worker.LogTail(20);
  EXPECT_GE(refusals(), 2u) << worker.LogTail(20);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u) << "dead-lettered while the follow-ups were refused";

  vhost.ClearPolicy("full");
  ASSERT_TRUE(WaitForAllStored(database, vhost, worker, kBatch, 120s));
  ASSERT_TRUE(WaitUntil([&] { return vhost.Stats(kJobQueue).messages == 0; }, 120s, "every job acked",
                        [&] { return worker.LogTail(10); }));
  StopGracefully(worker, 30s);
  ExpectExactlyOnce(database, vhost, kBatch);
}

TEST(WorkerRetries, TransientFailureWalksTheDelayTiersThenDeadLettersAtTheLimit) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  // A spy on the retry exchange: a headers binding with no header to match takes a copy of
  // every message sent to a delay tier.
  vhost.Declare({.exchanges = {},
                 .queues = {{"test.retry.spy", false, {}}},
                 .bindings = {{"test.retry.spy", "tunefleet.retry", "", {{"x-match", std::string("all")}}}}});
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < 50; ++i) messages.push_back(TrackJob("good", i));
  messages.push_back(JobMessage("fail-1", TrackJobJson("fail-1", "Artist", "fail-always")));
  for (int i = 50; i < 100; ++i) messages.push_back(TrackJob("good", i));
  vhost.Publish(messages);

  auto start = std::chrono::steady_clock::now();
  WorkerProcess worker(std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-test-failing",
                       WorkerEnv(vhost, database, {{"TUNEFLEET_MAX_ATTEMPTS", "3"}}));
  ASSERT_TRUE(WaitForAllStored(database, vhost, worker, 100, 60s));
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kDeadQueue) >= 1; }, 30s, "the failing job dead-lettered"));
  RecordSeconds("dead_letter_seconds", start);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 6s) << "two delay tiers (1 s + 5 s) must have passed";
  EXPECT_LE(elapsed, 20s);

  auto dead = vhost.Take(kDeadQueue, 2, 2s);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message_id, "fail-1");
  EXPECT_EQ(amqp::HeaderInt(dead[0].headers, "x-tunefleet-attempt", -1), 3);
  EXPECT_EQ(amqp::HeaderString(dead[0].headers, "x-tunefleet-last-status"), "attempts_exhausted");
  EXPECT_NE(amqp::HeaderString(dead[0].headers, "x-tunefleet-reason").find("always fails"), std::string::npos);
  EXPECT_EQ(amqp::HeaderString(dead[0].headers, "x-tunefleet-routing-key"), "track.noop");

  auto retries = vhost.Take("test.retry.spy", 3, 2s);
  ASSERT_EQ(retries.size(), 2u);
  EXPECT_EQ(amqp::HeaderString(retries[0].headers, "x-tunefleet-delay"), "1s");
  EXPECT_EQ(amqp::HeaderInt(retries[0].headers, "x-tunefleet-attempt", -1), 1);
  EXPECT_EQ(amqp::HeaderString(retries[1].headers, "x-tunefleet-delay"), "5s");
  EXPECT_EQ(amqp::HeaderInt(retries[1].headers, "x-tunefleet-attempt", -1), 2);
  for (const auto& r : retries) EXPECT_EQ(r.message_id, "fail-1");

  // Each retry went to exactly one tier: nothing is waiting in the longer ones.
  for (const char* tier : {"1s", "5s", "30s", "2m", "10m"}) {
    EXPECT_EQ(vhost.Depth(std::string("tunefleet.delay.") + tier), 0u) << tier;
  }
  EXPECT_EQ(vhost.Depth(kJobQueue), 0u);
  EXPECT_EQ(database.Int("SELECT count(*) FROM tracks"), 100);
  EXPECT_EQ(database.Int("SELECT count(*) FROM track_sources WHERE job_id = 'fail-1'"), 0);
  EXPECT_TRUE(worker.Running());
  StopGracefully(worker, 30s);
}

// core::Error::Pending: the runtime counts the rounds and stamps the first in the job's headers
// (runtime::JobHistory), without using up attempts; the provider sees them on the next delivery.
TEST(WorkerRetries, PendingRoundsAreCountedInTheHeadersWithoutUsingAttempts) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  vhost.Declare({.exchanges = {},
                 .queues = {{"test.retry.spy", false, {}}},
                 .bindings = {{"test.retry.spy", "tunefleet.retry", "", {{"x-match", std::string("all")}}}}});
  vhost.Publish({JobMessage("pending-1", TrackJobJson("pending-1", "Artist", "pending-analysis"))});
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  // One attempt allowed: a pending round that used one would dead-letter the job.
  WorkerProcess worker(std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-test-failing",
                       WorkerEnv(vhost, database, {{"TUNEFLEET_MAX_ATTEMPTS", "1"}}));
  ASSERT_TRUE(WaitForAllStored(database, vhost, worker, 1, 60s));
  EXPECT_EQ(database.Int("SELECT count(*) FROM track_sources WHERE job_id = 'pending-1'"), 1);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);

  auto retries = vhost.Take("test.retry.spy", 4, 2s);
  ASSERT_EQ(retries.size(), 3u);
  std::int64_t since = amqp::HeaderInt(retries[0].headers, "x-tunefleet-pending-since", -1);
  EXPECT_GE(since, before - 1000);
  for (std::size_t i = 0; i < retries.size(); ++i) {
    EXPECT_EQ(amqp::HeaderInt(retries[i].headers, "x-tunefleet-pending-rounds", -1), static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(amqp::HeaderInt(retries[i].headers, "x-tunefleet-pending-since", -1), since) << "stamped once";
    EXPECT_EQ(amqp::HeaderInt(retries[i].headers, "x-tunefleet-attempt", -1), 0) << "not an attempt";
  }
  EXPECT_TRUE(worker.Running());
  StopGracefully(worker, 30s);
}

}  // namespace
}  // namespace runtime_test
