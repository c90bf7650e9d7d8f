// tunefleet status [--json] [--watch SECONDS]: queue depths, consumers, rates and dead letters
// of every tunefleet queue, from the RabbitMQ management API (docs/OPERATIONS.md).
#include <getopt.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "common/config/settings.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/stop_signal.hpp"
#include "tools/tunefleet/management_api.hpp"
#include "tools/tunefleet/status_queues.hpp"

namespace cli {
namespace {

constexpr const char* kUsage =
    "usage: tunefleet status [--json] [--watch SECONDS]\n"
    "\n"
    "Shows every tunefleet queue of the vhost (job queues, builder queues, retry tiers and\n"
    "dead-letter queues): messages ready and unacknowledged, consumers, publish and deliver\n"
    "rates, and the dead letters per provider. Non-empty dead-letter queues are flagged '!'.\n"
    "Figures come from the RabbitMQ management API, which refreshes them every few seconds.\n"
    "\n"
    "  --json             one line of JSON instead of the table (shape: docs/OPERATIONS.md)\n"
    "  --watch SECONDS    refresh every SECONDS until interrupted (with --json: one line each)\n"
    "  -h, --help         this text\n"
    "\n"
    "environment: TUNEFLEET_RABBITMQ_API_URL (management API, with user and password),\n"
    "             TUNEFLEET_AMQP_URL (its path names the vhost; default /)\n"
    "exit: 0 shown, 1 the management API failed (unreachable, refused the credentials, no such\n"
    "      vhost), 2 bad flags or configuration\n";

constexpr const char* kPrefix = "tunefleet status: ";

struct Options {
  bool json = false;
  std::optional<int> watch_seconds;
};


int UsageError(const std::string& message) {
  std::fprintf(stderr, "%s%s (see tunefleet status --help)\n", kPrefix, message.c_str());
  return kExitUsage;
}

// nullopt to go on, else the exit code (--help, or a usage error already printed).
std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  enum : int { kJson = 256, kWatch };
  static const option kLong[] = {
      {"json", no_argument, nullptr, kJson},
      {"watch", required_argument, nullptr, kWatch},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;  // we print our own one-line messages
  optind = 0;  // glibc: full re-initialization
  int c = 0;
  try {
    while ((c = getopt_long(argc, argv, ":h", kLong, nullptr)) != -1) {
      switch (c) {
        case kJson:
          options.json = true;
          break;
        case kWatch: {
          const std::int64_t seconds = config::ParseInt(optarg, "--watch");
          if (seconds < 1 || seconds > 86400) return UsageError("--watch must be between 1 and 86400 seconds");
          options.watch_seconds = static_cast<int>(seconds);
          break;
        }
        case 'h':
          std::fputs(kUsage, stdout);
          return kExitOk;
        case ':':
          return UsageError(std::string(argv[optind - 1]) + " needs a value");
        default:
          if (optopt != 0) return UsageError(std::string("unknown option -") + static_cast<char>(optopt));
          return UsageError(std::string("unknown option ") + argv[optind - 1]);
      }
    }
  } catch (const config::ConfigError& e) {
    return UsageError(e.what());
  }
  if (optind < argc) return UsageError(std::string("unexpected argument \"") + argv[optind] + "\"");
  return std::nullopt;
}

std::string NowRfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// One fetch: the formatted report, or the one-line reason it failed.
core::Result<std::string> Fetch(ops::ManagementApi& api, const ops::ApiTarget& target, const Options& options) {
  const std::string path = "/queues/" + ops::PercentEncode(target.vhost) + "?columns=" + ops::kQueueColumns;
  const std::string at = NowRfc3339();
  auto body = api.Get(path);
  if (!body) {
    if (body.error().kind == core::ErrorKind::kNotFound) {
      return core::Error::InvalidInput("vhost \"" + target.vhost + "\" does not exist on RabbitMQ at " +
                                       api.host_port() + " (it is the path of TUNEFLEET_AMQP_URL)");
    }
    return body.error();
  }
  auto rows = ops::ParseQueues(*body);
  if (!rows) return rows.error();
  const auto report = ops::BuildReport(target.vhost, api.host_port(), at, std::move(*rows));
  return options.json ? ops::FormatJson(report) + "\n" : ops::FormatTable(report);
}

}  // namespace

int RunStatus(int argc, char* argv[]) {
  Options options;
  if (auto exit_code = ParseFlags(argc, argv, options)) return *exit_code;
  ops::ApiTarget target;
  try {
    config::Env env;
    target = ops::LoadApiTarget(env);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s%s\n", kPrefix, e.what());
    return kExitUsage;
  }
  ops::ManagementApi api(target.endpoint);

  if (!options.watch_seconds) {
    auto text = Fetch(api, target, options);
    if (!text) {
      std::fprintf(stderr, "%s%s\n", kPrefix, text.error().message.c_str());
      return kExitFailure;
    }
    std::fputs(text->c_str(), stdout);
    return kExitOk;
  }

  CatchStopSignals();
  // The table redraws in place on a terminal; piped output (and JSON) gets one report after another.
  const bool redraw = !options.json && isatty(STDOUT_FILENO) == 1;
  while (!StopRequested()) {
    auto text = Fetch(api, target, options);
    if (redraw) std::fputs("\x1b[H\x1b[2J", stdout);
    if (text) {
      std::fputs(text->c_str(), stdout);
    } else {
      // Keep watching: the broker may be restarting.
      std::fprintf(stderr, "%s%s\n", kPrefix, text.error().message.c_str());
    }
    if (!options.json && !redraw) std::fputs("\n", stdout);
    std::fflush(stdout);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(*options.watch_seconds);
    while (!StopRequested() && std::chrono::steady_clock::now() < until) ::poll(nullptr, 0, 100);
  }
  return kExitOk;
}

}  // namespace cli
