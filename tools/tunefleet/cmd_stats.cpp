// tunefleet stats [--json] [--top N] [--no-dead-letters]: catalog analytics from the
// catalog_stats_* views (migrations/0008_catalog_stats.sql), plus each provider's dead
// letters from the RabbitMQ management API (docs/OPERATIONS.md, "tunefleet stats").
#include <getopt.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "common/config/settings.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/management_api.hpp"
#include "tools/tunefleet/stats_report.hpp"
#include "tools/tunefleet/status_queues.hpp"

namespace cli {
namespace {

constexpr const char* kPrefix = "tunefleet stats: ";

constexpr const char* kUsage =
    "usage: tunefleet stats [--json] [--top N] [--no-dead-letters]\n"
    "\n"
    "Catalog analytics: tracks and albums by how many providers stored them, coverage per\n"
    "provider (source rows stored / not found, dead letters), the top genres and moods with\n"
    "counts and shares of all tracks, tracks with audio features, the feature matrix per\n"
    "vocabulary version with its missing share, jobs committed in the last hour and day, and\n"
    "rows merged by identity and identity conflicts (tunefleet identity lists them).\n"
    "Every figure comes from a catalog_stats_* view (the Grafana \"Catalog\" dashboard's too)\n"
    "and reads a few hundred rows whatever the catalog's size.\n"
    "\n"
    "  --json             one JSON document (fields: docs/OPERATIONS.md, \"tunefleet stats\")\n"
    "  --top N            genres and moods to list (default 10, at most 1000)\n"
    "  --no-dead-letters  do not ask the RabbitMQ management API (dead letters shown as -, null)\n"
    "  -h, --help         this text\n"
    "\n"
    "environment: TUNEFLEET_PG_DSN (or TUNEFLEET_PG_DSN_FILE): run it as the read-only role,\n"
    "  TUNEFLEET_PG_DSN=$TUNEFLEET_PG_READER_DSN; TUNEFLEET_RABBITMQ_API_URL and the vhost of\n"
    "  TUNEFLEET_AMQP_URL for the dead letters (unreachable: a note on stderr, exit 0)\n"
    "exit: 0 printed, 1 the database failed, 2 bad flags or configuration\n";

constexpr int kDefaultTop = 10;
constexpr int kMaxTop = 1000;

struct Options {
  bool json = false;
  int top = kDefaultTop;
  bool dead_letters = true;
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "%s%s (see tunefleet stats --help)\n", kPrefix, message.c_str());
  return kExitUsage;
}

std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  enum : int { kJson = 256, kTop, kNoDeadLetters };
  static const option kLong[] = {
      {"json", no_argument, nullptr, kJson},
      {"top", required_argument, nullptr, kTop},
      {"no-dead-letters", no_argument, nullptr, kNoDeadLetters},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  optind = 0;
  int c = 0;
  while ((c = getopt_long(argc, argv, ":h", kLong, nullptr)) != -1) {
    switch (c) {
      case kJson:
        options.json = true;
        break;
      case kTop: {
        std::optional<std::int64_t> top;
        try {
          top = config::ParseInt(optarg, "");
        } catch (const config::ConfigError&) {
        }
        if (!top || *top < 1 || *top > kMaxTop) {
          return UsageError(std::string("--top \"") + optarg + "\" is not a whole number from 1 to " +
                            std::to_string(kMaxTop));
        }
        options.top = static_cast<int>(*top);
        break;
      }
      case kNoDeadLetters:
        options.dead_letters = false;
        break;
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
  if (optind < argc) return UsageError(std::string("unexpected argument \"") + argv[optind] + "\"");
  return std::nullopt;
}

// {provider: messages in tunefleet.<provider>.dead}, or the reason the broker did not say.
core::Result<std::map<std::string, std::int64_t>> DeadLetters(const ops::ApiTarget& target) {
  ops::ManagementApi api(target.endpoint, std::chrono::seconds{5});
  auto body = api.Get("/queues/" + ops::PercentEncode(target.vhost) + "?columns=" + ops::kQueueColumns);
  if (!body) return body.error();
  auto rows = ops::ParseQueues(*body);
  if (!rows) return rows.error();
  std::map<std::string, std::int64_t> dead;
  for (const auto& row : *rows) {
    if (row.kind == ops::QueueKind::kDead) dead[row.owner] += row.ready + row.unacked;
  }
  return dead;
}

}  // namespace

int RunStats(int argc, char* argv[]) {
  Options options;
  if (auto exit_code = ParseFlags(argc, argv, options)) return *exit_code;

  std::string dsn;
  std::optional<ops::ApiTarget> target;
  try {
    config::Env env;
    dsn = config::LoadPostgresSettings(env).dsn;
    if (options.dead_letters) target = ops::LoadApiTarget(env);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s%s\n", kPrefix, e.what());
    return kExitUsage;
  }

  auto stats = stats::ReadCatalogStats(dsn, options.top);
  if (!stats) {
    const std::string& message = stats.error().message;
    std::fprintf(stderr, "%s%s%s\n", kPrefix, message.substr(0, message.find('\n')).c_str(),
                 stats.error().kind == core::ErrorKind::kTransient
                     ? "; is PostgreSQL running? check TUNEFLEET_PG_DSN"
                     : " (check TUNEFLEET_PG_DSN; the catalog_stats_* views come with migrations 0008 and 0010)");
    return kExitFailure;
  }
  if (target) {
    auto dead = DeadLetters(*target);
    if (dead) {
      stats::AddDeadLetters(*stats, *dead);
    } else {
      std::fprintf(stderr, "%sdead letters unknown: %s\n", kPrefix, dead.error().message.c_str());
    }
  }
  const std::string text = options.json ? stats::FormatJson(*stats) + "\n" : stats::FormatTable(*stats);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

}  // namespace cli
