// `tunefleet dlq` end to end: dead letters made by the runtime's failing test worker (or
// crafted with the runtime's headers), listed, shown, replayed into the real noop worker and
// purged, each test in its own vhost and database.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>

#include "tests/integration/dlq/dlq_test_support.hpp"
#include "tests/integration/runtime/runtime_test_support.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/wait.hpp"

namespace dlq_test {
namespace {

using namespace std::chrono_literals;
using runtime_test::kDeadQueue;
using runtime_test::FailingWorkerBinary;
using runtime_test::kJobQueue;
using test_support::CliRun;
using test_support::JobMessage;
using test_support::RunTunefleet;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::TrackJobJson;
using test_support::WaitUntil;
using test_support::WorkerProcess;

// A dead letter as the runtime writes it (docs/RUNTIME.md), for job `job_id`.
amqp::OutgoingMessage CraftedDeadLetter(const std::string& job_id, const std::string& reason) {
  auto message = JobMessage(job_id, TrackJobJson(job_id, "Crafted Artist", job_id + " title"));
  message.exchange = "tunefleet.dead";
  message.routing_key = "noop";
  message.headers = {{"x-tunefleet-attempt", std::int64_t{6}},
                     {"x-tunefleet-reason", reason},
                     {"x-tunefleet-last-status", std::string("attempts_exhausted")},
                     {"x-tunefleet-provider", std::string("noop")},
                     {"x-tunefleet-routing-key", std::string("track.noop")},
                     {"x-tunefleet-dead-at", std::string("2026-01-01T00:00:00Z")}};
  return message;
}

void PublishCrafted(TestVhost& vhost, int count) {
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < count; ++i) messages.push_back(CraftedDeadLetter("crafted-" + std::to_string(i), "crafted"));
  vhost.Publish(messages);
}

// Peeks `queue` through the management API (requeueing), as the tests' own independent view.
rapidjson::Document Peek(const TestVhost& vhost, const std::string& queue, int count) {
  std::string body;
  const long status = test_support::ManagementRequest(
      "POST", "/queues/" + vhost.name() + "/" + queue + "/get",
      R"({"count":)" + std::to_string(count) + R"(,"ackmode":"ack_requeue_true","encoding":"auto"})", &body);
  EXPECT_EQ(status, 200) << body;
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  return doc;
}

// `queue`'s depth once it equals `expected` (a failure is recorded when it does not within a
// generous deadline). A dlq command gives back what it held (list, dry run, one job id, a
// limit) by closing its channel, and a quorum queue has them ready again a moment after the
// command has exited: reading the depth at once can find them still on their way back.
std::uint32_t DepthOnceSettled(TestVhost& vhost, const std::string& queue, std::uint32_t expected) {
  std::uint32_t depth = 0;
  WaitUntil([&] { return (depth = vhost.Depth(queue)) == expected; }, 30s,
            queue + " holding " + std::to_string(expected) + " ready messages",
            [&] { return "ready=" + std::to_string(depth); });
  return depth;
}

TEST(DlqCli, RoundTripListsShowsAndReplaysEveryDeadLetterExactlyOnce) {
  constexpr int kFailing = 30;
  constexpr int kGood = 20;
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < kFailing; ++i) {
    const std::string id = "fail-" + std::to_string(i);
    messages.push_back(JobMessage(id, TrackJobJson(id, "Artist", "fail-title-" + std::to_string(i))));
  }
  for (int i = 0; i < kGood; ++i) messages.push_back(test_support::TrackJob("good", i));
  vhost.Publish(messages);

  // The cause: a provider that fails every "fail-" title; two attempts, one 1 s delay tier.
  {
    WorkerProcess failing(FailingWorkerBinary(),
                          runtime_test::WorkerEnv(vhost, database, {{"TUNEFLEET_MAX_ATTEMPTS", "2"}}));
    ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kDeadQueue) == kFailing; }, 60s,
                          "every failing job dead-lettered",
                          [&] { return "dead=" + std::to_string(vhost.Depth(kDeadQueue)); }));
    ASSERT_TRUE(WaitUntil([&] { return runtime_test::CountRows(database).sources == kGood; }, 30s,
                          "the good jobs stored"));
    runtime_test::StopGracefully(failing, 30s);
  }
  const auto env = CliEnv(vhost.amqp_url());

  CliRun list = RunTunefleet({"dlq", "list", "--provider", "noop"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto listed = LinesWith(list.out, "attempts_exhausted");
  EXPECT_EQ(listed.size(), static_cast<std::size_t>(kFailing)) << list.out;
  for (const auto& line : listed) {
    EXPECT_EQ(line.rfind("fail-", 0), 0u) << line;
    EXPECT_NE(line.find("always fails"), std::string::npos) << "the reason: " << line;
  }
  EXPECT_NE(list.out.find("30 shown of 30 dead letters in tunefleet.noop.dead"), std::string::npos) << list.out;
  EXPECT_EQ(DepthOnceSettled(vhost, kDeadQueue, kFailing), static_cast<std::uint32_t>(kFailing))
      << "listing removes nothing";

  CliRun show = RunTunefleet({"dlq", "show", "--provider", "noop", "--job-id", "fail-7"}, env);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("x-tunefleet-reason: test provider: fail-title-7 always fails"), std::string::npos)
      << show.out;
  EXPECT_NE(show.out.find("x-tunefleet-routing-key: track.noop"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("\"job_id\": \"fail-7\""), std::string::npos) << "pretty body: " << show.out;

  CliRun dry = RunTunefleet({"dlq", "replay", "--provider", "noop", "--dry-run"}, env);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(LinesWith(dry.out, "would replay fail-").size(), static_cast<std::size_t>(kFailing)) << dry.out;
  EXPECT_EQ(DepthOnceSettled(vhost, kDeadQueue, kFailing), static_cast<std::uint32_t>(kFailing))
      << "a dry run changes nothing";
  EXPECT_EQ(vhost.Depth(kJobQueue), 0u);

  // One job first, with no worker running, to look at what a replay publishes.
  CliRun one = RunTunefleet({"dlq", "replay", "--provider", "noop", "--job-id", "fail-3"}, env);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("replayed fail-3 to tunefleet.jobs as track.noop"), std::string::npos) << one.out;
  EXPECT_EQ(DepthOnceSettled(vhost, kDeadQueue, kFailing - 1), static_cast<std::uint32_t>(kFailing - 1));
  ASSERT_EQ(vhost.Depth(kJobQueue), 1u);
  auto replayed = Peek(vhost, kJobQueue, 1);
  ASSERT_TRUE(replayed.IsArray() && replayed.Size() == 1);
  const auto& properties = replayed[0]["properties"];
  EXPECT_STREQ(properties["message_id"].GetString(), "fail-3");
  const auto& headers = properties["headers"];
  EXPECT_EQ(headers["x-tunefleet-replays"].GetInt64(), 1);
  EXPECT_TRUE(headers.HasMember("x-tunefleet-replayed-at"));
  for (const char* dropped : {"x-tunefleet-attempt", "x-tunefleet-reason", "x-tunefleet-last-status",
                              "x-tunefleet-dead-at", "x-tunefleet-delay"}) {
    EXPECT_FALSE(headers.HasMember(dropped)) << dropped;
  }

  // The fix: the real noop worker instead of the failing one.
  WorkerProcess worker(test_support::NoopWorkerBinary(), runtime_test::WorkerEnv(vhost, database));
  const auto start = std::chrono::steady_clock::now();
  CliRun rest = RunTunefleet({"dlq", "replay", "--provider", "noop"}, env);
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_NE(rest.out.find("replayed 29 of 29 dead letters from tunefleet.noop.dead to tunefleet.jobs"),
            std::string::npos)
      << rest.out;
  ASSERT_TRUE(runtime_test::WaitForAllStored(database, vhost, worker, kFailing + kGood, 60s));
  testing::Test::RecordProperty("replay_to_stored_seconds",
                                std::to_string(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
  runtime_test::StopGracefully(worker, 30s);
  // count(*) = distinct = every job, nothing left in the job or dead-letter queue.
  runtime_test::ExpectExactlyOnce(database, vhost, kFailing + kGood);
  EXPECT_EQ(database.Int("SELECT count(*) FROM track_sources WHERE job_id LIKE 'fail-%'"), kFailing);

  CliRun empty = RunTunefleet({"dlq", "replay", "--provider", "noop"}, env);
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.out.find("no dead letters in tunefleet.noop.dead"), std::string::npos) << empty.out;
}

TEST(DlqCli, ReplayWithALimitLeavesTheRestDeadLettered) {
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishCrafted(vhost, 5);
  const auto env = CliEnv(vhost.amqp_url());
  CliRun run = RunTunefleet({"dlq", "replay", "--provider", "noop", "--limit", "2"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("replayed 2 of 5 dead letters"), std::string::npos) << run.out;
  EXPECT_EQ(DepthOnceSettled(vhost, kDeadQueue, 3), 3u);
  EXPECT_EQ(vhost.Depth(kJobQueue), 2u);

  CliRun list = RunTunefleet({"dlq", "list", "--provider", "noop", "--limit", "2"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(LinesWith(list.out, "crafted-").size(), 2u) << list.out;
  EXPECT_NE(list.out.find("2 shown of 3 dead letters in tunefleet.noop.dead (--limit N shows more)"),
            std::string::npos)
      << list.out;

  CliRun missing = RunTunefleet({"dlq", "replay", "--provider", "noop", "--job-id", "no-such-job"}, env);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no dead letter with job id \"no-such-job\""), std::string::npos) << missing.err;
  EXPECT_EQ(DepthOnceSettled(vhost, kDeadQueue, 3), 3u) << "held messages go back";
}

TEST(DlqCli, PurgeNeedsYesWithoutATerminal) {
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  PublishCrafted(vhost, 3);
  const auto env = CliEnv(vhost.amqp_url());

  CliRun refused = RunTunefleet({"dlq", "purge", "--provider", "noop"}, env);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--yes"), std::string::npos) << refused.err;
  EXPECT_EQ(DepthOnceSettled(vhost, kDeadQueue, 3), 3u);

  CliRun purged = RunTunefleet({"dlq", "purge", "--provider", "noop", "--yes"}, env);
  ASSERT_EQ(purged.exit_code, 0) << purged.err;
  EXPECT_NE(purged.out.find("purged 3 dead letters from tunefleet.noop.dead"), std::string::npos) << purged.out;
  EXPECT_EQ(DepthOnceSettled(vhost, kDeadQueue, 0), 0u);

  CliRun list = RunTunefleet({"dlq", "list", "--provider", "noop"}, env);
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "no dead letters in tunefleet.noop.dead\n");
}

TEST(DlqCli, BadUsageIsOneLineAndExitTwo) {
  TestVhost vhost;
  const auto env = CliEnv(vhost.amqp_url());
  const std::vector<std::vector<std::string>> cases = {
      {"dlq"},
      {"dlq", "frobnicate", "--provider", "noop"},
      {"dlq", "list"},
      {"dlq", "list", "--provider", "nosuch"},
      {"dlq", "list", "--provider", "noop", "--bogus"},
      {"dlq", "list", "--provider", "noop", "--yes"},
      {"dlq", "show", "--provider", "noop"},
      {"dlq", "replay", "--provider", "noop", "--limit", "0"},
  };
  for (const auto& args : cases) {
    CliRun run = RunTunefleet(args, env);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(run.exit_code, 2) << joined << run.err;
    EXPECT_EQ(LinesWith(run.err, "").size(), 1u) << joined << run.err;
  }
  for (const char* sub : {"list", "show", "replay", "purge"}) {
    CliRun help = RunTunefleet({"dlq", sub, "--help"}, env);
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find(std::string("usage: tunefleet dlq ") + sub), std::string::npos) << help.out;
  }
}

TEST(DlqCli, ReplaysABuildersDeadFollowUpToThatBuilderOnly) {
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  // A follow-up as tunefleet-features dead-letters it (common/runtime/dead_letter.cpp).
  amqp::OutgoingMessage dead{
      "tunefleet.dead", "features", "fu:spotify:enriched:1:2",
      R"({"type":"tunefleet.followup/1","job_id":"fu:spotify:enriched:1:2","trace_id":"t","track_ids":[1,2],)"
      R"("provider":"spotify","reason":"enriched","emitted_at":"2026-11-21T10:00:00Z"})",
      {{"x-tunefleet-attempt", std::int64_t{0}},
       {"x-tunefleet-reason", std::string("database refused the batch (22003): value out of range")},
       {"x-tunefleet-last-status", std::string("database_refused")},
       {"x-tunefleet-provider", std::string("features")},
       {"x-tunefleet-routing-key", std::string("tunefleet.features")},
       {"x-tunefleet-dead-at", std::string("2026-11-21T10:00:01Z")}}};
  vhost.Publish({dead});
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth("tunefleet.features.dead") == 1; }, 10s, "the dead follow-up"));
  const auto env = CliEnv(vhost.amqp_url());
  CliRun replay = RunTunefleet({"dlq", "replay", "--provider", "features"}, env);
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_NE(replay.out.find("to tunefleet.features as tunefleet.features"), std::string::npos) << replay.out;
  EXPECT_EQ(vhost.Depth("tunefleet.features.dead"), 0u);
  EXPECT_EQ(vhost.Depth("tunefleet.features"), 1u);
  EXPECT_EQ(vhost.Depth("tunefleet.recommend"), 0u) << "the other builder must not get it";
}

TEST(DlqCli, UnreachableBrokerNamesHostPortAndTheVariable) {
  TestVhost vhost;
  auto env = CliEnv("amqp://guest:guest@127.0.0.1:1/" + vhost.name());
  CliRun replay = RunTunefleet({"dlq", "replay", "--provider", "noop"}, env);
  EXPECT_EQ(replay.exit_code, 1);
  EXPECT_NE(replay.err.find("127.0.0.1:1"), std::string::npos) << replay.err;
  EXPECT_NE(replay.err.find("TUNEFLEET_AMQP_URL"), std::string::npos) << replay.err;

  env = CliEnv(vhost.amqp_url());
  env["TUNEFLEET_RABBITMQ_API_URL"] = "http://guest:guest@127.0.0.1:1";
  CliRun list = RunTunefleet({"dlq", "list", "--provider", "noop"}, env);
  EXPECT_EQ(list.exit_code, 1);
  EXPECT_NE(list.err.find("127.0.0.1:1"), std::string::npos) << list.err;
  EXPECT_NE(list.err.find("TUNEFLEET_RABBITMQ_API_URL"), std::string::npos) << list.err;
}

}  // namespace
}  // namespace dlq_test
