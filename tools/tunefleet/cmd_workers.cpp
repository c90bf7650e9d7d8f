// tunefleet workers: the live workers and builders, from their answers to a ping and, with
// --watch, from their heartbeats (docs/OPERATIONS.md, "Remote control").
#include <getopt.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>

#include "common/config/env.hpp"
#include "common/core/redact.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/stop_signal.hpp"
#include "tools/tunefleet/control_client.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: tunefleet workers [--watch [--for DURATION]] [--json] [--timeout DURATION]\n"
    "                         [--provider P | --builder B]\n"
    "\n"
    "Lists the running workers and builders of TUNEFLEET_AMQP_URL's vhost: id (name@host:pid),\n"
    "kind, version, uptime, deliveries in flight, running or paused, circuit breaker, the rate\n"
    "in force and the log level. Every process answers a ping within --timeout (default 2s).\n"
    "\n"
    "  --watch          keep listening to the heartbeats and reprint every second; a process\n"
    "                   unheard for two heartbeats (TUNEFLEET_CONTROL_HEARTBEAT) is dropped\n"
    "  --for DURATION   with --watch: stop after DURATION (default: until Ctrl-C)\n"
    "  --json           one JSON document ({\"processes\":[...]}); with --watch one per line\n"
    "  --provider P     only the workers of provider P; --builder B: only builder B\n";

int Usage(const std::string& why) {
  std::fprintf(stderr, "tunefleet workers: %s\n\n%s", why.c_str(), kUsage);
  return kExitUsage;
}

void Print(const ops::SeenProcesses& seen, bool json, bool watch) {
  if (json) {
    std::printf("%s\n", ops::WorkersJson(seen).c_str());
  } else {
    if (watch && ::isatty(STDOUT_FILENO)) std::fputs("\033[H\033[2J", stdout);
    std::fputs(ops::FormatWorkers(seen).c_str(), stdout);
    if (watch) std::fputs("\n", stdout);
  }
  std::fflush(stdout);
}

}  // namespace

int RunWorkers(int argc, char* argv[]) {
  static const option kOptions[] = {{"watch", no_argument, nullptr, 'w'},       {"for", required_argument, nullptr, 'f'},
                                    {"json", no_argument, nullptr, 'j'},        {"timeout", required_argument, nullptr, 't'},
                                    {"provider", required_argument, nullptr, 'p'}, {"builder", required_argument, nullptr, 'b'},
                                    {"help", no_argument, nullptr, 'h'},        {nullptr, 0, nullptr, 0}};
  bool watch = false;
  bool json = false;
  std::chrono::milliseconds timeout{2000};
  std::chrono::milliseconds watch_for{0};
  std::string routing_key = control::kEveryone;
  optind = 1;
  int c = 0;
  try {
    while ((c = getopt_long(argc, argv, "h", kOptions, nullptr)) != -1) {
      switch (c) {
        case 'w': watch = true; break;
        case 'j': json = true; break;
        case 'f': watch_for = config::ParseDuration(optarg, "--for"); break;
        case 't': timeout = config::ParseDuration(optarg, "--timeout"); break;
        case 'p': routing_key = control::TargetKey("provider", optarg); break;
        case 'b': routing_key = control::TargetKey("builder", optarg); break;
        case 'h': std::fputs(kUsage, stdout); return kExitOk;
        default: std::fputs(kUsage, stderr); return kExitUsage;
      }
    }
  } catch (const config::ConfigError& e) {
    return Usage(e.what());
  }
  if (optind != argc) return Usage(std::string("unexpected argument '") + argv[optind] + "'");
  if (watch_for.count() > 0 && !watch) return Usage("--for needs --watch");
  if (timeout.count() <= 0) return Usage("--timeout must be above 0");

  amqp::ConnectionSettings settings;
  try {
    settings = ops::ControlConnectionSettings("workers");
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "tunefleet workers: %s\n", core::Redact(e.what()).c_str());
    return kExitUsage;
  }
  ops::ControlClient client(settings);
  if (auto r = client.Open(watch); !r) {
    std::fprintf(stderr, "tunefleet workers: %s\n", core::Redact(r.error().message).c_str());
    return kExitFailure;
  }
  auto ping = client.Send(routing_key, {.action = control::Action::kPing});
  if (!ping) {
    std::fprintf(stderr, "tunefleet workers: %s\n", core::Redact(ping.error().message).c_str());
    return kExitFailure;
  }
  // A --provider/--builder filter applies to heartbeats as well: their routing key is
  // "<kind>.<name>" and Status carries both.
  auto matches = [&routing_key](const control::Status& s) {
    return routing_key == control::kEveryone || routing_key == control::TargetKey(s.who.kind, s.who.name);
  };
  ops::SeenProcesses seen;
  auto hear = [&](const ops::ControlClient::Heard& heard) {
    if (heard.reply && heard.correlation_id == *ping && heard.reply->status) {
      ops::Remember(seen, *heard.reply->status, Clock::now());
    } else if (heard.heartbeat && matches(*heard.heartbeat)) {
      ops::Remember(seen, *heard.heartbeat, Clock::now());
    }
    return StopRequested();
  };
  auto first = client.Listen(Clock::now() + timeout, hear);
  if (!first) {
    std::fprintf(stderr, "tunefleet workers: %s\n", core::Redact(first.error().message).c_str());
    return kExitFailure;
  }
  Print(seen, json, watch);
  if (!watch) return kExitOk;

  CatchStopSignals();
  const auto end = watch_for.count() > 0 ? Clock::now() + watch_for : Clock::time_point::max();
  while (!StopRequested() && Clock::now() < end) {
    auto next = std::min(end, Clock::now() + std::chrono::seconds{1});
    if (auto r = client.Listen(next, hear); !r) {
      std::fprintf(stderr, "tunefleet workers: %s\n", core::Redact(r.error().message).c_str());
      return kExitFailure;
    }
    ops::ForgetSilent(seen, Clock::now());
    Print(seen, json, watch);
  }
  client.Close();
  return kExitOk;
}

}  // namespace cli
