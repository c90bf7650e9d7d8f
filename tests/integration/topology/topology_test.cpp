// The delay tiers and the broker's dead-lettering against the real RabbitMQ: what the broker
// moves (TTL expiry) it moves at least once, and an earlier build's classic tiers are upgraded
// by `tunefleet topology upgrade` without losing a message.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>

#include "common/config/settings.hpp"
#include "common/runtime/topology.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/wait.hpp"
#include "workers/fleet/fleet.hpp"

namespace {

using namespace std::chrono_literals;
using test_support::CliRun;
using test_support::RunTunefleet;
using test_support::TestVhost;
using test_support::WaitUntil;

const runtime::DelayTier& Tier(const std::string& name) {
  for (const auto& tier : runtime::DefaultDelayTiers()) {
    if (tier.name == name) return tier;
  }
  throw std::runtime_error("no tier " + name);
}

// A retry as the worker publishes it: to tunefleet.retry with the tier in x-tunefleet-delay.
amqp::OutgoingMessage Retry(const std::string& job_id, const std::string& tier, const std::string& routing_key) {
  amqp::OutgoingMessage message = test_support::JobMessage(
      job_id, test_support::TrackJobJson(job_id, "Delayed Artist", job_id + " title"), routing_key);
  message.exchange = runtime::kRetryExchange;
  message.headers = {{runtime::kDelayHeader, tier}, {runtime::kAttemptHeader, std::int64_t{1}}};
  return message;
}

std::set<std::string> Ids(const std::vector<amqp::Delivery>& deliveries) {
  std::set<std::string> ids;
  for (const auto& d : deliveries) ids.insert(d.message_id);
  return ids;
}

// The management API's view of a queue (its arguments and the policy in force).
rapidjson::Document QueueInfo(const TestVhost& vhost, const std::string& queue) {
  std::string body;
  long status = test_support::ManagementRequest("GET", "/queues/" + vhost.name() + "/" + queue, "", &body);
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  if (status != 200 || !doc.IsObject()) doc.SetObject();
  return doc;
}

std::string Member(const rapidjson::Value& object, const char* a, const char* b) {
  if (!object.IsObject() || !object.HasMember(a) || !object[a].IsObject()) return "";
  const auto& inner = object[a];
  if (!inner.HasMember(b) || !inner[b].IsString()) return "";
  return inner[b].GetString();
}

// At-least-once, checked where it differs from at-most-once without killing anything: a
// dead letter the target cannot take (here: no queue bound for its routing key) stays in the
// delay queue and is delivered once a queue is there. A classic delay queue (at-most-once,
// earlier builds) drops it: the job vanished.
TEST(DelayTiers, AnExpiredRetryThatCannotBeDeliveredWaitsInItsTierInsteadOfVanishing) {
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  const std::string key = "track.latecomer";
  std::vector<amqp::OutgoingMessage> retries;
  for (int i = 0; i < 20; ++i) retries.push_back(Retry("late-" + std::to_string(i), "1s", key));
  vhost.Publish(retries);
  const std::string tier = runtime::DelayQueue(Tier("1s"));
  // Expired (1 s TTL) and dead-lettered with no route: no longer ready in the tier, but kept
  // by the broker (at-least-once) until a queue takes them.
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(tier) == 0; }, 60s, "the retries expired from " + tier,
                        [&] { return "ready=" + std::to_string(vhost.Depth(tier)); }));
  // A consumer queue for the key appears (a provider added later, or a binding restored).
  amqp::Topology late;
  late.queues.push_back({"tunefleet.latecomer", true, {}, {}});
  late.bindings.push_back({"tunefleet.latecomer", runtime::kJobsExchange, key, {}});
  vhost.Declare(late);
  auto arrived = vhost.Take("tunefleet.latecomer", 20, 120s);
  EXPECT_EQ(Ids(arrived).size(), 20u) << "every expired retry is delivered once a route exists";
}

// An earlier build's broker: classic delay queues tunefleet.retry.<tier> holding retries,
// bound to tunefleet.retry, and consumer queues declared without at-least-once arguments.
void DeclareEarlierBuildTopology(TestVhost& vhost) {
  amqp::Topology old;
  old.exchanges = {{runtime::kJobsExchange, "topic"}, {runtime::kRetryExchange, "headers"}, {runtime::kDeadExchange, "direct"}};
  for (const auto& tier : runtime::DefaultDelayTiers()) {
    old.queues.push_back({runtime::LegacyDelayQueue(tier), false,
                          {{"x-message-ttl", static_cast<std::int64_t>(tier.delay.count())},
                           {"x-dead-letter-exchange", std::string(runtime::kJobsExchange)}},
                          {}});
    old.bindings.push_back({runtime::LegacyDelayQueue(tier), runtime::kRetryExchange, "",
                            {{"x-match", std::string("all-with-x")}, {runtime::kDelayHeader, tier.name}}});
  }
  for (const auto& provider : fleet::Names().known) {
    old.queues.push_back({runtime::JobQueue(provider), true,
                          {{"x-delivery-limit", std::int64_t{20}},
                           {"x-dead-letter-exchange", std::string(runtime::kDeadExchange)},
                           {"x-dead-letter-routing-key", provider}},
                          {}});
    old.bindings.push_back({runtime::JobQueue(provider), runtime::kJobsExchange, "track." + provider, {}});
  }
  vhost.Declare(old);
}

TEST(TopologyUpgrade, MovesEveryDelayedMessageIntoTheQuorumTiersAndSetsAtLeastOnceByPolicy) {
  TestVhost vhost;
  DeclareEarlierBuildTopology(vhost);
  // Waiting retries of the earlier build: 10 min ones (still there when the upgrade runs) and
  // 2 min ones.
  std::vector<amqp::OutgoingMessage> retries;
  for (int i = 0; i < 150; ++i) retries.push_back(Retry("ten-" + std::to_string(i), "10m", "track.noop"));
  for (int i = 0; i < 50; ++i) retries.push_back(Retry("two-" + std::to_string(i), "2m", "track.noop"));
  vhost.Publish(retries);
  ASSERT_EQ(vhost.Depth(runtime::LegacyDelayQueue(Tier("10m"))), 150u);
  ASSERT_EQ(vhost.Depth(runtime::LegacyDelayQueue(Tier("2m"))), 50u);

  const std::map<std::string, std::string> env = {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                                  {"TUNEFLEET_RABBITMQ_API_URL", test_support::RabbitApiUrl()}};
  CliRun upgrade = RunTunefleet({"topology", "upgrade"}, env);
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.out << upgrade.err;
  std::cout << upgrade.out;
  EXPECT_NE(upgrade.out.find("tunefleet.retry.10m: moved 150 message(s) to tunefleet.delay.10m"), std::string::npos)
      << upgrade.out;
  EXPECT_NE(upgrade.out.find("policy tunefleet-at-least-once"), std::string::npos) << upgrade.out;

  // Nothing lost: every message is in the quorum tier of the same delay, once.
  EXPECT_EQ(vhost.Depth(runtime::DelayQueue(Tier("10m"))), 150u);
  EXPECT_EQ(vhost.Depth(runtime::DelayQueue(Tier("2m"))), 50u);
  for (const auto& tier : runtime::DefaultDelayTiers()) {
    EXPECT_FALSE(QueueInfo(vhost, runtime::LegacyDelayQueue(tier)).HasMember("name"))
        << runtime::LegacyDelayQueue(tier) << " still exists";
    auto info = QueueInfo(vhost, runtime::DelayQueue(tier));
    EXPECT_EQ(Member(info, "arguments", "x-queue-type"), "quorum") << runtime::DelayQueue(tier);
  }
  // The consumer queues of the earlier build keep their arguments; the policy adds the rest.
  ASSERT_TRUE(WaitUntil([&] {
    auto info = QueueInfo(vhost, runtime::JobQueue("lastfm"));
    return Member(info, "effective_policy_definition", "dead-letter-strategy") == "at-least-once";
  }, 30s, "the policy in force on tunefleet.lastfm"));

  // Idempotent: a second run finds nothing to move.
  CliRun again = RunTunefleet({"topology", "upgrade"}, env);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(again.out.find("moved 1"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("(0 delayed message(s) moved)"), std::string::npos) << again.out;
  EXPECT_EQ(vhost.Depth(runtime::DelayQueue(Tier("10m"))), 150u);

  // A retry published now lands in the quorum tier only.
  vhost.Publish({Retry("after-upgrade", "10m", "track.noop")});
  EXPECT_EQ(vhost.Depth(runtime::DelayQueue(Tier("10m"))), 151u);
}

}  // namespace
