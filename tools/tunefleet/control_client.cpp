#include "tools/tunefleet/control_client.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "common/config/settings.hpp"

namespace ops {
namespace {

std::string RandomHex() {
  std::random_device device;
  char text[17];
  std::snprintf(text, sizeof text, "%08x%08x", device(), device());
  return text;
}

std::string Uptime(double seconds) {
  auto s = static_cast<long long>(seconds);
  char text[32];
  if (s < 120) std::snprintf(text, sizeof text, "%llds", s);
  else if (s < 7200) std::snprintf(text, sizeof text, "%lldm", s / 60);
  else if (s < 172800) std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else std::snprintf(text, sizeof text, "%lldd", s / 86400);
  return text;
}

std::string RateText(const control::Status& s) {
  if (!s.rate_per_second) return "-";
  char text[64];
  if (s.configured_rate && *s.configured_rate != *s.rate_per_second) {
    std::snprintf(text, sizeof text, "%g/s (configured %g)", *s.rate_per_second, *s.configured_rate);
  } else {
    std::snprintf(text, sizeof text, "%g/s", *s.rate_per_second);
  }
  return text;
}

std::vector<const SeenProcess*> Sorted(const SeenProcesses& seen) {
  std::vector<const SeenProcess*> rows;
  for (const auto& [id, process] : seen) rows.push_back(&process);
  std::sort(rows.begin(), rows.end(), [](const SeenProcess* a, const SeenProcess* b) {
    const auto& x = a->status.who;
    const auto& y = b->status.who;
    return std::tie(x.kind, x.name, x.host, x.pid) < std::tie(y.kind, y.name, y.host, y.pid);
  });
  return rows;
}

}  // namespace

amqp::ConnectionSettings ControlConnectionSettings(const std::string& name) {
  config::Env env;
  const auto amqp = config::LoadAmqpSettings(env);
  return {.url = amqp.url, .heartbeat = amqp.heartbeat, .connection_name = "tunefleet-" + name,
          .tls_ca_file = amqp.tls_ca_file};
}

ControlClient::ControlClient(amqp::ConnectionSettings settings) : connection_(std::move(settings)) {}

core::Result<void> ControlClient::Open(bool hear_heartbeats) {
  if (auto r = connection_.Open(); !r) return r;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  queue_ = std::string(control::kCommandExchange) + ".cli." + host + ":" + std::to_string(::getpid()) + "." + RandomHex();
  amqp::Topology topology;
  topology.exchanges = {{control::kCommandExchange, "topic"},
                        {control::kAnnounceExchange, "topic"},
                        {control::kReplyExchange, "direct"}};
  topology.queues.push_back({.name = queue_, .quorum = false, .arguments = {}, .exclusive = true});
  topology.bindings.push_back({queue_, control::kReplyExchange, queue_, {}});
  if (hear_heartbeats) topology.bindings.push_back({queue_, control::kAnnounceExchange, "#", {}});
  if (auto r = connection_.Declare(topology); !r) return r;
  return connection_.Consume(queue_, 500);
}

core::Result<std::string> ControlClient::Send(const std::string& routing_key, const control::Command& command) {
  return SendRaw(routing_key, control::ToJson(command));
}

core::Result<std::string> ControlClient::SendRaw(const std::string& routing_key, const std::string& body) {
  amqp::OutgoingMessage message;
  message.exchange = control::kCommandExchange;
  message.routing_key = routing_key;
  message.body = body;
  message.reply_to = queue_;
  message.correlation_id = RandomHex() + "-" + std::to_string(++next_id_);
  message.headers = {{"x-tunefleet-control", std::string("command")}};
  auto refused = std::make_shared<std::string>();
  if (auto r = connection_.Publish(message, [refused](core::Result<void> ok) {
        if (!ok) *refused = ok.error().message;
      });
      !r) {
    return r.error();
  }
  auto keep = [this](amqp::Delivery delivery) { early_.push_back(std::move(delivery)); };
  if (auto r = connection_.WaitForConfirms(std::chrono::seconds{10}, keep); !r) return r.error();
  if (!refused->empty()) return core::Error::Transient("RabbitMQ refused the command: " + *refused);
  return message.correlation_id;
}

core::Result<void> ControlClient::Listen(std::chrono::steady_clock::time_point deadline,
                                         const std::function<bool(const Heard&)>& on_heard) {
  bool stop = false;
  std::vector<std::uint64_t> to_ack;
  auto handle = [&](amqp::Delivery delivery) {
      to_ack.push_back(delivery.delivery_tag);
      if (stop) return;
      Heard heard;
      if (delivery.exchange == control::kAnnounceExchange) {
        auto status = control::ParseStatus(delivery.body);
        if (!status) {
          ++skipped_;
          return;
        }
        heard.heartbeat = std::move(*status);
      } else {
        auto reply = control::ParseReply(delivery.body);
        if (!reply) {
          ++skipped_;
          return;
        }
        heard.correlation_id = delivery.correlation_id;
        heard.reply = std::move(*reply);
      }
      stop = on_heard(heard);
  };
  for (auto& delivery : early_) handle(std::move(delivery));
  early_.clear();
  for (;;) {
    auto pumped = connection_.Pump(handle);
    if (!pumped) return pumped.error();
    for (auto tag : to_ack) {
      if (auto r = connection_.Ack(tag, false); !r) return r;
    }
    to_ack.clear();
    auto now = std::chrono::steady_clock::now();
    if (stop || now >= deadline) return core::Ok();
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    pollfd fd{connection_.socket_fd(), POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(std::min<std::int64_t>(wait.count() + 1, 200)));
  }
}

void Remember(SeenProcesses& seen, const control::Status& status, std::chrono::steady_clock::time_point now) {
  seen[status.who.Id()] = {status, now};
}

std::vector<std::string> ForgetSilent(SeenProcesses& seen, std::chrono::steady_clock::time_point now) {
  std::vector<std::string> gone;
  for (auto it = seen.begin(); it != seen.end();) {
    auto heartbeat = std::chrono::milliseconds{std::max<std::int64_t>(it->second.status.heartbeat_ms, 100)};
    if (now - it->second.last_heard > 2 * heartbeat) {
      gone.push_back(it->first);
      it = seen.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

std::string FormatWorkers(const SeenProcesses& seen) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %-8s %-8s %-8s %9s  %-7s %-10s %-22s %s\n", "PROCESS", "KIND", "VERSION",
                "UPTIME", "IN FLIGHT", "STATE", "BREAKER", "RATE", "LOG");
  out += line;
  for (const SeenProcess* p : Sorted(seen)) {
    const auto& s = p->status;
    std::string breaker = s.breaker.empty() ? "-" : (s.breaker_held_open ? "held open" : s.breaker);
    std::snprintf(line, sizeof line, "%-40s %-8s %-8s %-8s %9lld  %-7s %-10s %-22s %s\n", s.who.Id().c_str(),
                  s.who.kind.c_str(), s.who.version.c_str(), Uptime(s.uptime_seconds).c_str(),
                  static_cast<long long>(s.in_flight), s.paused ? "paused" : "running", breaker.c_str(),
                  RateText(s).c_str(), s.log_level.c_str());
    out += line;
  }
  out += std::to_string(seen.size()) + (seen.size() == 1 ? " process\n" : " processes\n");
  return out;
}

std::string WorkersJson(const SeenProcesses& seen) {
  std::string out = "{\"processes\":[";
  bool first = true;
  for (const SeenProcess* p : Sorted(seen)) {
    if (!first) out += ",";
    first = false;
    out += control::ToJson(p->status);
  }
  return out + "]}";
}

}  // namespace ops
