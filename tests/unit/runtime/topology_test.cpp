#include "common/runtime/topology.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "common/config/settings.hpp"
#include "workers/fleet/fleet.hpp"

namespace runtime {
namespace {

const amqp::QueueSpec* FindQueue(const amqp::Topology& t, const std::string& name) {
  auto it = std::find_if(t.queues.begin(), t.queues.end(), [&](const auto& q) { return q.name == name; });
  return it == t.queues.end() ? nullptr : &*it;
}

std::set<std::string> KeysBound(const amqp::Topology& t, const std::string& queue, const std::string& exchange) {
  std::set<std::string> keys;
  for (const auto& b : t.bindings) {
    if (b.queue == queue && b.exchange == exchange) keys.insert(b.routing_key);
  }
  return keys;
}

TEST(FleetTopology, EveryProviderQueueIsQuorumWithADeliveryLimitDeadLetteringToTheDeadExchange) {
  auto t = FleetTopology(fleet::Names());
  for (const auto& provider : fleet::Names().known) {
    SCOPED_TRACE(provider);
    const auto* q = FindQueue(t, "tunefleet." + provider);
    ASSERT_NE(q, nullptr);
    EXPECT_TRUE(q->quorum);
    ASSERT_TRUE(q->arguments.count("x-delivery-limit"));
    EXPECT_GT(std::get<std::int64_t>(q->arguments.at("x-delivery-limit")), 0);
    EXPECT_EQ(std::get<std::string>(q->arguments.at("x-dead-letter-exchange")), kDeadExchange);
    EXPECT_EQ(std::get<std::string>(q->arguments.at("x-dead-letter-routing-key")), provider);
  }
}

// A provider outside "all" (noop, cyanite: ProviderSpec::in_all) takes only its own keys.
TEST(FleetTopology, ProviderQueuesTakeTheirOwnAndAllKeysButNoopOnlyItsOwn) {
  auto t = FleetTopology(fleet::Names());
  const auto& all = fleet::Names().all;
  for (const auto& provider : fleet::Names().known) {
    SCOPED_TRACE(provider);
    std::set<std::string> expected = {"track." + provider, "album." + provider};
    if (std::find(all.begin(), all.end(), provider) != all.end()) expected.insert({"track.all", "album.all"});
    if (provider == "noop" || provider == "cyanite") {
      EXPECT_EQ(expected.size(), 2u);
    }
    EXPECT_EQ(KeysBound(t, JobQueue(provider), kJobsExchange), expected);
  }
}

TEST(FleetTopology, EachProviderHasADeadQueueBoundByName) {
  auto t = FleetTopology(fleet::Names());
  for (const auto& provider : fleet::Names().known) {
    SCOPED_TRACE(provider);
    ASSERT_NE(FindQueue(t, DeadQueue(provider)), nullptr);
    EXPECT_EQ(KeysBound(t, DeadQueue(provider), kDeadExchange), std::set<std::string>{provider});
  }
}

// Where the broker moves a message (TTL expiry, delivery limit) it must not lose it on a
// crash: quorum queues with at-least-once dead-lettering (which needs reject-publish).
void ExpectAtLeastOnceDeadLettering(const std::map<std::string, amqp::HeaderValue>& arguments) {
  ASSERT_TRUE(arguments.count("x-dead-letter-strategy"));
  EXPECT_EQ(std::get<std::string>(arguments.at("x-dead-letter-strategy")), "at-least-once");
  ASSERT_TRUE(arguments.count("x-overflow"));
  EXPECT_EQ(std::get<std::string>(arguments.at("x-overflow")), "reject-publish");
}

TEST(FleetTopology, ConsumerQueuesDeadLetterAtLeastOnceOnceAnEarlierDeclarationAllowsIt) {
  auto t = FleetTopology(fleet::Names());
  std::vector<std::string> consumers = fleet::Names().known;
  consumers.insert(consumers.end(), BuilderNames().begin(), BuilderNames().end());
  for (const auto& consumer : consumers) {
    SCOPED_TRACE(consumer);
    const auto* q = FindQueue(t, JobQueue(consumer));
    ASSERT_NE(q, nullptr);
    // Added arguments: a queue an earlier build declared without them is kept as it is.
    ExpectAtLeastOnceDeadLettering(q->added_arguments);
    EXPECT_EQ(q->arguments.count("x-dead-letter-strategy"), 0u);
  }
}

TEST(FleetTopology, DelayQueuesAreQuorumTtlQueuesDeadLetteringAtLeastOnceBackToTheJobsExchange) {
  auto t = FleetTopology(fleet::Names());
  ASSERT_EQ(DefaultDelayTiers().size(), 5u);
  for (const auto& tier : DefaultDelayTiers()) {
    SCOPED_TRACE(tier.name);
    const auto* q = FindQueue(t, DelayQueue(tier));
    ASSERT_NE(q, nullptr);
    EXPECT_TRUE(q->quorum);
    ExpectAtLeastOnceDeadLettering(q->arguments);
    // A new name: RabbitMQ cannot turn the classic queues of earlier builds into quorum ones.
    EXPECT_NE(DelayQueue(tier), LegacyDelayQueue(tier));
    EXPECT_EQ(FindQueue(t, LegacyDelayQueue(tier)), nullptr);
    EXPECT_EQ(std::get<std::int64_t>(q->arguments.at("x-message-ttl")), tier.delay.count());
    EXPECT_EQ(std::get<std::string>(q->arguments.at("x-dead-letter-exchange")), kJobsExchange);
    // No dead-letter routing key: the message keeps its own, <entity>.<provider>.
    EXPECT_EQ(q->arguments.count("x-dead-letter-routing-key"), 0u);
    auto binding = std::find_if(t.bindings.begin(), t.bindings.end(),
                                [&](const auto& b) { return b.queue == DelayQueue(tier); });
    ASSERT_NE(binding, t.bindings.end());
    EXPECT_EQ(binding->exchange, kRetryExchange);
    EXPECT_EQ(std::get<std::string>(binding->arguments.at("x-match")), "all-with-x");
    EXPECT_EQ(std::get<std::string>(binding->arguments.at(kDelayHeader)), tier.name);
  }
}

TEST(FleetTopology, BuilderQueuesAreQuorumAndTakeEveryFollowUp) {
  auto t = FleetTopology(fleet::Names());
  for (const std::string builder : {"recommend", "features"}) {
    SCOPED_TRACE(builder);
    const auto* q = FindQueue(t, JobQueue(builder));
    ASSERT_NE(q, nullptr);
    EXPECT_TRUE(q->quorum);
    EXPECT_EQ(KeysBound(t, JobQueue(builder), kFollowupsExchange), std::set<std::string>{"followup.#"});
  }
}

TEST(FleetTopology, DeclaresTheFourExchangesWithTheirTypes) {
  auto t = FleetTopology(fleet::Names());
  std::set<std::pair<std::string, std::string>> exchanges;
  for (const auto& e : t.exchanges) exchanges.insert({e.name, e.type});
  EXPECT_EQ(exchanges, (std::set<std::pair<std::string, std::string>>{{kJobsExchange, "topic"},
                                                                      {kRetryExchange, "headers"},
                                                                      {kDeadExchange, "direct"},
                                                                      {kFollowupsExchange, "topic"}}));
}

}  // namespace
}  // namespace runtime
