#include "common/runtime/topology.hpp"

#include <algorithm>

namespace runtime {
namespace {

// The broker dead-letters a message redelivered this many times (crash loops, workers
// killed mid-job). Far above our own attempt limit: it only catches what the runtime
// could not account for.
constexpr std::int64_t kDeliveryLimit = 20;

const std::vector<std::string> kBuilderQueues = {"recommend", "features"};

}  // namespace

const std::vector<DelayTier>& DefaultDelayTiers() {
  using namespace std::chrono_literals;
  static const std::vector<DelayTier> kTiers = {
      {"1s", 1s}, {"5s", 5s}, {"30s", 30s}, {"2m", 2min}, {"10m", 10min}};
  return kTiers;
}

const std::vector<std::string>& BuilderNames() { return kBuilderQueues; }

bool IsBuilder(const std::string& consumer) {
  return std::find(kBuilderQueues.begin(), kBuilderQueues.end(), consumer) != kBuilderQueues.end();
}

std::string JobQueue(const std::string& consumer) { return "tunefleet." + consumer; }
std::string DeadQueue(const std::string& provider) { return "tunefleet." + provider + ".dead"; }
std::string DelayQueue(const DelayTier& tier) { return "tunefleet.delay." + tier.name; }
std::string LegacyDelayQueue(const DelayTier& tier) { return "tunefleet.retry." + tier.name; }

const std::map<std::string, amqp::HeaderValue>& AtLeastOnceDeadLettering() {
  // RabbitMQ 3.10+: a quorum queue keeps a dead-lettered message until the dead-letter
  // exchange's queues confirmed it (at-most-once, the default, drops it on a crash in
  // between). The broker only honours the strategy with reject-publish overflow.
  static const std::map<std::string, amqp::HeaderValue> kArguments = {
      {"x-dead-letter-strategy", std::string("at-least-once")}, {"x-overflow", std::string("reject-publish")}};
  return kArguments;
}
std::string ProviderRoutingKey(const std::string& entity, const std::string& provider) {
  return entity + "." + provider;
}

amqp::Topology FleetTopology(const config::ProviderNames& providers, const std::vector<DelayTier>& tiers) {
  amqp::Topology t;
  t.exchanges = {{kJobsExchange, "topic"},
                 {kRetryExchange, "headers"},
                 {kDeadExchange, "direct"},
                 {kFollowupsExchange, "topic"}};
  auto add_consumer_queue = [&t](const std::string& name) {
    // A queue declared by a build before at-least-once dead-lettering keeps its arguments
    // (RabbitMQ refuses to change them) until `tunefleet topology upgrade` sets them by policy.
    t.queues.push_back({JobQueue(name), true,
                        {{"x-delivery-limit", kDeliveryLimit},
                         {"x-dead-letter-exchange", std::string(kDeadExchange)},
                         {"x-dead-letter-routing-key", name}},
                        AtLeastOnceDeadLettering()});
    t.queues.push_back({DeadQueue(name), true, {}});
    t.bindings.push_back({DeadQueue(name), kDeadExchange, name, {}});
  };
  for (const auto& provider : providers.known) {
    add_consumer_queue(provider);
    const bool in_all = std::find(providers.all.begin(), providers.all.end(), provider) != providers.all.end();
    for (const char* entity : {"track", "album"}) {
      t.bindings.push_back({JobQueue(provider), kJobsExchange, ProviderRoutingKey(entity, provider), {}});
      if (in_all) {
        t.bindings.push_back({JobQueue(provider), kJobsExchange, std::string(entity) + ".all", {}});
      }
    }
  }
  for (const auto& builder : kBuilderQueues) {
    add_consumer_queue(builder);
    t.bindings.push_back({JobQueue(builder), kFollowupsExchange, "followup.#", {}});
  }
  for (const auto& tier : tiers) {
    // Quorum queues with at-least-once dead-lettering: a classic queue's TTL expiry moves a
    // message at most once, so a broker crash during the move lost the job. A TTL queue only
    // expires messages at its head, which is exactly right when every message in it has the
    // same delay.
    auto arguments = AtLeastOnceDeadLettering();
    arguments["x-message-ttl"] = static_cast<std::int64_t>(tier.delay.count());
    arguments["x-dead-letter-exchange"] = std::string(kJobsExchange);
    t.queues.push_back({DelayQueue(tier), true, std::move(arguments), {}});
    // "all-with-x" (RabbitMQ 3.10+): with plain "all" the broker ignores binding keys that
    // start with "x-", so every tier's binding would match every retried message.
    t.bindings.push_back({DelayQueue(tier), kRetryExchange, "",
                          {{"x-match", std::string("all-with-x")}, {kDelayHeader, tier.name}}});
  }
  return t;
}

}  // namespace runtime
