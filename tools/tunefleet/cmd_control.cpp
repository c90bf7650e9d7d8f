// tunefleet control: sends one command to the workers and builders it names over the control
// channel and prints, per process, what it did (docs/OPERATIONS.md, "Remote control").
#include <getopt.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "common/config/env.hpp"
#include "common/core/redact.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/control_client.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: tunefleet control pause|resume             TARGET\n"
    "       tunefleet control breaker open|close|reset --provider P | --process ID\n"
    "       tunefleet control rate R                   --provider P | --process ID  --for DURATION\n"
    "       tunefleet control log-level LEVEL          TARGET --for DURATION\n"
    "TARGET: --provider P | --builder B | --process ID (from `tunefleet workers`) | --all\n"
    "\n"
    "  pause       stop taking new jobs; those in flight finish and are acked\n"
    "  resume      take jobs again\n"
    "  breaker     open: hold the provider's circuit breaker open (calls fail fast, jobs wait\n"
    "              in the delay queues) until close/reset; close: close it now; reset: close\n"
    "              it and forget its failures and recent health (/readyz)\n"
    "  rate R      R requests/s for the whole fleet of the provider for --for, then the\n"
    "              configured rate again\n"
    "  log-level   debug|info|warn|error for --for, then the configured level\n"
    "\n"
    "  --timeout DURATION  how long to wait for the answers (default 5s)\n"
    "\n"
    "Prints one line per process: applied, rejected (with the reason; nothing changed) or did\n"
    "not answer. Exit 0 when every process applied it, 1 otherwise, 2 for bad flags.\n";

int Usage(const std::string& why) {
  std::fprintf(stderr, "tunefleet control: %s\n\n%s", why.c_str(), kUsage);
  return kExitUsage;
}

struct Target {
  std::string routing_key;
  std::string description;  // "provider spotify"
  bool provider_or_process = false;
};

}  // namespace

int RunControl(int argc, char* argv[]) {
  static const option kOptions[] = {{"provider", required_argument, nullptr, 'p'}, {"builder", required_argument, nullptr, 'b'},
                                    {"process", required_argument, nullptr, 'P'},  {"all", no_argument, nullptr, 'a'},
                                    {"for", required_argument, nullptr, 'f'},      {"timeout", required_argument, nullptr, 't'},
                                    {"help", no_argument, nullptr, 'h'},           {nullptr, 0, nullptr, 0}};
  std::vector<Target> targets;
  std::chrono::milliseconds duration{0};
  std::chrono::milliseconds timeout{5000};
  optind = 1;
  int c = 0;
  try {
    while ((c = getopt_long(argc, argv, "h", kOptions, nullptr)) != -1) {
      switch (c) {
        case 'p': targets.push_back({control::TargetKey("provider", optarg), std::string("provider ") + optarg, true}); break;
        case 'b': targets.push_back({control::TargetKey("builder", optarg), std::string("builder ") + optarg, false}); break;
        case 'P': targets.push_back({control::ProcessKey(optarg), std::string("process ") + optarg, true}); break;
        case 'a': targets.push_back({control::kEveryone, "every process", false}); break;
        case 'f': duration = config::ParseDuration(optarg, "--for"); break;
        case 't': timeout = config::ParseDuration(optarg, "--timeout"); break;
        case 'h': std::fputs(kUsage, stdout); return kExitOk;
        default: std::fputs(kUsage, stderr); return kExitUsage;
      }
    }
  } catch (const config::ConfigError& e) {
    return Usage(e.what());
  }
  std::vector<std::string> words(argv + optind, argv + argc);
  if (words.empty()) return Usage("which command? pause, resume, breaker, rate or log-level");
  if (targets.size() != 1) {
    return Usage(targets.empty() ? "name the processes: --provider, --builder, --process or --all"
                                 : "name one target (--provider, --builder, --process or --all), not several");
  }
  if (timeout.count() <= 0) return Usage("--timeout must be above 0");
  const Target target = targets.front();

  control::Command command;
  const std::string& verb = words[0];
  std::size_t arguments = 0;
  if (verb == "pause" || verb == "resume") {
    command.action = verb == "pause" ? control::Action::kPause : control::Action::kResume;
  } else if (verb == "breaker") {
    arguments = 1;
    if (words.size() < 2) return Usage("breaker needs open, close or reset");
    if (words[1] == "open") command.action = control::Action::kBreakerOpen;
    else if (words[1] == "close") command.action = control::Action::kBreakerClose;
    else if (words[1] == "reset") command.action = control::Action::kBreakerReset;
    else return Usage("breaker needs open, close or reset, not '" + words[1] + "'");
  } else if (verb == "rate") {
    arguments = 1;
    if (words.size() < 2) return Usage("rate needs the requests per second, e.g. `rate 20 --provider spotify --for 10m`");
    std::string text = words[1];
    if (text.ends_with("/s")) text.resize(text.size() - 2);
    char* end = nullptr;
    command.action = control::Action::kRate;
    command.rate_per_second = std::strtod(text.c_str(), &end);
    if (text.empty() || end == nullptr || *end != '\0') return Usage("rate: '" + words[1] + "' is not a number of requests per second");
  } else if (verb == "log-level") {
    arguments = 1;
    if (words.size() < 2) return Usage("log-level needs debug, info, warn or error");
    command.action = control::Action::kLogLevel;
    command.log_level = words[1];
  } else {
    return Usage("unknown command '" + verb + "' (pause, resume, breaker, rate, log-level)");
  }
  if (words.size() != 1 + arguments) return Usage("unexpected argument '" + words[1 + arguments] + "'");
  const bool timed = command.action == control::Action::kRate || command.action == control::Action::kLogLevel;
  if (timed && duration.count() == 0) return Usage(verb + " needs --for DURATION (e.g. --for 10m); then the configured value is back");
  if (!timed && duration.count() != 0) return Usage("--for applies to rate and log-level only");
  command.duration = duration;
  const bool provider_only = command.action == control::Action::kRate || command.action == control::Action::kBreakerOpen ||
                             command.action == control::Action::kBreakerClose ||
                             command.action == control::Action::kBreakerReset;
  if (provider_only && !target.provider_or_process) return Usage(verb + " applies to one provider: --provider P or --process ID");
  // The workers apply exactly these rules: refuse here what they would refuse.
  if (auto valid = control::ParseCommand(control::ToJson(command)); !valid) return Usage(valid.error().message);

  amqp::ConnectionSettings settings;
  try {
    settings = ops::ControlConnectionSettings("control");
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "tunefleet control: %s\n", core::Redact(e.what()).c_str());
    return kExitUsage;
  }
  ops::ControlClient client(settings);
  auto fail = [](const core::Error& error) {
    std::fprintf(stderr, "tunefleet control: %s\n", core::Redact(error.message).c_str());
    return kExitFailure;
  };
  if (auto r = client.Open(false); !r) return fail(r.error());
  // A ping first: who is there to answer. Each process handles its commands in order, so its
  // pong comes before its answer to the command.
  auto ping = client.Send(target.routing_key, {.action = control::Action::kPing});
  if (!ping) return fail(ping.error());
  auto sent = client.Send(target.routing_key, command);
  if (!sent) return fail(sent.error());

  std::set<std::string> present;
  std::map<std::string, control::Reply> answers;
  auto last_news = Clock::now();
  const auto deadline = Clock::now() + timeout;
  constexpr auto kQuiet = 500ms;  // no new process for this long after everyone answered: done
  for (;;) {
    auto until = std::min(deadline, Clock::now() + 100ms);
    auto heard = client.Listen(until, [&](const ops::ControlClient::Heard& h) {
      if (!h.reply) return false;
      if (h.correlation_id == *ping) present.insert(h.reply->process);
      else if (h.correlation_id == *sent) answers[h.reply->process] = *h.reply;
      else return false;
      last_news = Clock::now();
      return false;
    });
    if (!heard) return fail(heard.error());
    bool everyone = !present.empty() && answers.size() >= present.size();
    if (Clock::now() >= deadline || (everyone && Clock::now() - last_news >= kQuiet)) break;
  }
  client.Close();

  int rc = kExitOk;
  for (const auto& id : present) answers.try_emplace(id);  // pinged, never answered
  if (answers.empty()) {
    std::fprintf(stderr, "tunefleet control: no process of %s answered within %lld ms (is it running? see `tunefleet workers`)\n",
                 target.description.c_str(), static_cast<long long>(timeout.count()));
    return kExitFailure;
  }
  for (const auto& [id, reply] : answers) {
    if (reply.process.empty()) {
      std::printf("%-40s did not answer within %lld ms\n", id.c_str(), static_cast<long long>(timeout.count()));
      rc = kExitFailure;
    } else if (reply.applied) {
      std::printf("%-40s applied: %s\n", id.c_str(), reply.detail.c_str());
    } else {
      std::printf("%-40s %s\n", id.c_str(), reply.detail.c_str());
      rc = kExitFailure;
    }
  }
  return rc;
}

}  // namespace cli
