// tunefleet topology upgrade: brings a broker that ran an earlier build to today's topology
// without losing a message (docs/RUNTIME.md, "Upgrading the topology"):
//   1. declares the fleet topology (the quorum delay tiers tunefleet.delay.<tier> among it);
//   2. for every classic delay tier of earlier builds (tunefleet.retry.<tier>) still there:
//      unbinds it from tunefleet.retry, moves every message it holds into the retry exchange
//      (same headers, so into the quorum tier of the same delay; each original is acked only
//      after the broker confirmed its copy) and deletes it once empty;
//   3. for the queues an earlier build declared without at-least-once dead-lettering (their
//      arguments cannot change), sets the policy tunefleet-at-least-once through the
//      management API.
// Idempotent: a second run finds nothing to do.
#include <getopt.h>
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "common/amqp/connection.hpp"
#include "common/config/settings.hpp"
#include "common/runtime/topology.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/management_api.hpp"
#include "workers/fleet/fleet.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: tunefleet topology upgrade\n"
    "\n"
    "Brings the RabbitMQ topology of TUNEFLEET_AMQP_URL's vhost up to this build: moves the\n"
    "messages of the classic delay queues of earlier builds (tunefleet.retry.<tier>) into the\n"
    "quorum delay queues (tunefleet.delay.<tier>) and deletes the old ones, and sets the policy\n"
    "tunefleet-at-least-once (TUNEFLEET_RABBITMQ_API_URL) on queues declared without at-least-once\n"
    "dead-lettering. Safe while workers run; idempotent.\n";

constexpr const char* kPolicyName = "tunefleet-at-least-once";
constexpr std::uint16_t kMovePrefetch = 200;
constexpr auto kConfirmTimeout = 30s;
constexpr auto kIdleEnd = 1s;

std::string Prefix() { return "tunefleet topology upgrade: "; }

int Fail(const std::string& why) {
  std::fprintf(stderr, "%s%s\n", Prefix().c_str(), why.c_str());
  return kExitFailure;
}

// Moves every message of `legacy` to the retry exchange with its own headers (the delay
// header routes it to the quorum tier of the same name); acks each original after its
// copy is confirmed. Returns how many were moved.
core::Result<std::uint64_t> MoveMessages(amqp::Connection& connection, const std::string& legacy,
                                         const runtime::DelayTier& tier) {
  if (auto r = connection.Consume(legacy, kMovePrefetch); !r) return r.error();
  std::deque<amqp::Delivery> inbox;
  std::vector<std::uint64_t> confirmed;
  std::string refused;
  std::uint64_t moved = 0;
  auto last_activity = Clock::now();
  for (;;) {
    if (auto r = connection.Pump([&inbox](amqp::Delivery d) { inbox.push_back(std::move(d)); }); !r) return r.error();
    for (auto tag : confirmed) {
      if (auto r = connection.Ack(tag, false); !r) return r.error();
      ++moved;
    }
    confirmed.clear();
    if (!refused.empty()) return core::Error::Transient("RabbitMQ did not take a moved message: " + refused);
    while (!inbox.empty()) {
      amqp::Delivery delivery = std::move(inbox.front());
      inbox.pop_front();
      last_activity = Clock::now();
      amqp::OutgoingMessage copy{runtime::kRetryExchange, delivery.routing_key, delivery.message_id,
                                 std::move(delivery.body), std::move(delivery.headers)};
      copy.headers[runtime::kDelayHeader] = tier.name;
      const std::uint64_t tag = delivery.delivery_tag;
      auto published = connection.Publish(copy, [&confirmed, &refused, &last_activity, tag](core::Result<void> ok) {
        last_activity = Clock::now();
        if (ok) confirmed.push_back(tag);
        else refused = ok.error().message;
      });
      if (!published) return published.error();
    }
    const auto now = Clock::now();
    if (connection.unconfirmed() == 0 && confirmed.empty() && now - last_activity > kIdleEnd) break;
    if (connection.unconfirmed() > 0 && now - last_activity > kConfirmTimeout) {
      return core::Error::Transient(std::to_string(connection.unconfirmed()) + " moved messages unconfirmed after " +
                                    std::to_string(kConfirmTimeout.count()) + " s; the originals stay in " + legacy);
    }
    pollfd fd{connection.socket_fd(), POLLIN, 0};
    ::poll(&fd, 1, 100);
  }
  if (auto r = connection.CancelConsume(); !r) return r.error();
  return moved;
}

// The policy's pattern: exactly the named queues.
std::string ExactPattern(const std::vector<std::string>& queues) {
  std::string pattern = "^(";
  for (std::size_t i = 0; i < queues.size(); ++i) {
    if (i > 0) pattern += "|";
    for (char c : queues[i]) {
      if (c == '.') pattern += "\\\\.";
      else pattern += c;
    }
  }
  return pattern + ")$";
}

int SetPolicy(const std::vector<std::string>& queues) {
  std::string pattern = ExactPattern(queues);
  std::string body = R"({"pattern":")" + pattern +
                     R"(","apply-to":"queues","priority":0,"definition":{"dead-letter-strategy":"at-least-once","overflow":"reject-publish"}})";
  try {
    config::Env env;
    auto target = ops::LoadApiTarget(env);
    ops::ManagementApi api(target.endpoint);
    auto put = api.Put("/policies/" + ops::PercentEncode(target.vhost) + "/" + kPolicyName, body);
    if (!put) {
      std::fprintf(stderr, "%scould not set policy %s: %s\n  set it by hand: rabbitmqctl set_policy -p '%s' --apply-to queues %s '%s' "
                   "'{\"dead-letter-strategy\":\"at-least-once\",\"overflow\":\"reject-publish\"}'\n",
                   Prefix().c_str(), kPolicyName, put.error().message.c_str(), target.vhost.c_str(), kPolicyName,
                   pattern.c_str());
      return kExitFailure;
    }
  } catch (const config::ConfigError& e) {
    return Fail(e.what());
  }
  std::printf("policy %s: at-least-once dead-lettering for %zu queue(s) declared by an earlier build\n", kPolicyName,
              queues.size());
  return kExitOk;
}

int Upgrade() {
  amqp::ConnectionSettings settings;
  try {
    config::Env env;
    const auto amqp = config::LoadAmqpSettings(env);
    settings = {.url = amqp.url,
                .heartbeat = amqp.heartbeat,
                .connection_name = "tunefleet-topology",
                .tls_ca_file = amqp.tls_ca_file};
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s%s\n", Prefix().c_str(), e.what());
    return kExitUsage;
  }
  amqp::Connection connection(settings);
  if (auto r = connection.Open(); !r) return Fail(r.error().message);
  const auto& tiers = runtime::DefaultDelayTiers();
  if (auto r = connection.Declare(runtime::FleetTopology(fleet::Names(), tiers)); !r) {
    return Fail(r.error().message);
  }
  const std::vector<std::string> without = connection.queues_without_added_arguments();
  std::uint64_t moved_total = 0;
  for (const auto& tier : tiers) {
    const std::string legacy = runtime::LegacyDelayQueue(tier);
    auto depth = connection.QueueDepthIfExists(legacy);
    if (!depth) return Fail(depth.error().message);
    if (!*depth) continue;
    // No new retries into the old queue: from here on it only drains.
    amqp::BindingSpec binding{legacy, runtime::kRetryExchange, "",
                              {{"x-match", std::string("all-with-x")}, {runtime::kDelayHeader, tier.name}}};
    if (auto r = connection.Unbind(binding); !r) return Fail(r.error().message);
    auto moved = MoveMessages(connection, legacy, tier);
    if (!moved) return Fail(moved.error().message + " (run the command again: what was not moved is still in " + legacy + ")");
    moved_total += *moved;
    if (auto r = connection.DeleteQueue(legacy, true); !r) {
      return Fail(r.error().message + " (messages arrived after the move; run the command again)");
    }
    std::printf("%s: moved %llu message(s) to %s and deleted it\n", legacy.c_str(),
                static_cast<unsigned long long>(*moved), runtime::DelayQueue(tier).c_str());
  }
  connection.Close();
  int rc = kExitOk;
  if (!without.empty()) rc = SetPolicy(without);
  std::printf("topology is up to date (%llu delayed message(s) moved)\n", static_cast<unsigned long long>(moved_total));
  return rc;
}

}  // namespace

int RunTopology(int argc, char* argv[]) {
  static const option kOptions[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
  optind = 1;
  int c = 0;
  while ((c = getopt_long(argc, argv, "h", kOptions, nullptr)) != -1) {
    if (c == 'h') {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (optind + 1 != argc || std::string(argv[optind]) != "upgrade") {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  return Upgrade();
}

}  // namespace cli
