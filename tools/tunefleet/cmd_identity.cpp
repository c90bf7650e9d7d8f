// tunefleet identity conflicts [--entity E] [--limit N] [--json] | merges [--since D] [--limit N]
// [--json]: what the identity merges of migrations/0009_identity_merge.sql did and refused
// (docs/OPERATIONS.md, "Identity merges and conflicts").
#include <getopt.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "common/config/settings.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/identity_report.hpp"

namespace cli {
namespace {

constexpr const char* kPrefix = "tunefleet identity: ";

constexpr const char* kUsage =
    "usage: tunefleet identity conflicts [--entity track|album|artist] [--limit N] [--json]\n"
    "       tunefleet identity merges [--since D] [--limit N] [--json]\n"
    "\n"
    "What the catalog writer's identity merges did (docs/OPERATIONS.md, \"Identity merges and\n"
    "conflicts\").\n"
    "\n"
    "  conflicts  pairs of rows that share one identifier but hold different values of another:\n"
    "             never merged; both rows (id, artist - title or name), the shared identifier,\n"
    "             the conflicting values and how often a write met the pair, most recent first\n"
    "  merges     rows merged into another: the absorbed row's identity key and id, the survivor\n"
    "             (id, artist - title), the shared identifier and when, newest first; then the\n"
    "             totals per entity and identifier kind\n"
    "\n"
    "  --entity E   conflicts of tracks, albums or artists only\n"
    "  --since D    merges at or after D: 2026-12-07 (midnight UTC), 2026-12-07T18:00:00Z, or\n"
    "               7d / 24h / 30m ago (the totals count the same merges)\n"
    "  --limit N    list at most N rows (default 50, at most 10000)\n"
    "  --json       one JSON document\n"
    "  -h, --help   this text\n"
    "\n"
    "environment: TUNEFLEET_PG_DSN (or TUNEFLEET_PG_DSN_FILE): run it as the read-only role,\n"
    "  TUNEFLEET_PG_DSN=$TUNEFLEET_PG_READER_DSN\n"
    "exit: 0 printed, 1 the database failed, 2 bad flags or configuration\n";

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 10000;

struct Options {
  std::string what;  // conflicts | merges
  std::string entity;
  std::string since;  // timestamptz text; empty: all
  int limit = kDefaultLimit;
  bool json = false;
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "%s%s (see tunefleet identity --help)\n", kPrefix, message.c_str());
  return kExitUsage;
}

std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  enum : int { kEntity = 256, kSince, kLimit, kJson };
  static const option kLong[] = {
      {"entity", required_argument, nullptr, kEntity},
      {"since", required_argument, nullptr, kSince},
      {"limit", required_argument, nullptr, kLimit},
      {"json", no_argument, nullptr, kJson},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  // argv[0] is "identity"; the subcommand is argv[1], its flags follow.
  if (argc >= 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (argc < 2) return UsageError("which list? conflicts or merges");
  options.what = argv[1];
  if (options.what != "conflicts" && options.what != "merges") {
    return UsageError("unknown subcommand \"" + options.what + "\" (conflicts or merges)");
  }
  bool since_given = false;
  bool entity_given = false;
  opterr = 0;
  optind = 0;
  int c = 0;
  while ((c = getopt_long(argc - 1, argv + 1, ":h", kLong, nullptr)) != -1) {
    switch (c) {
      case kEntity:
        options.entity = optarg;
        entity_given = true;
        if (options.entity != "track" && options.entity != "album" && options.entity != "artist") {
          return UsageError(std::string("--entity \"") + optarg + "\" is not track, album or artist");
        }
        break;
      case kSince: {
        auto since = identity::ParseSince(optarg, std::chrono::system_clock::now());
        if (!since) {
          return UsageError(std::string("--since \"") + optarg +
                            "\" is not a date (2026-12-07), a UTC time (2026-12-07T18:00:00Z) or an age "
                            "(7d, 24h, 30m)");
        }
        options.since = *since;
        since_given = true;
        break;
      }
      case kLimit: {
        std::optional<std::int64_t> limit;
        try {
          limit = config::ParseInt(optarg, "");
        } catch (const config::ConfigError&) {
        }
        if (!limit || *limit < 1 || *limit > kMaxLimit) {
          return UsageError(std::string("--limit \"") + optarg + "\" is not a whole number from 1 to " +
                            std::to_string(kMaxLimit));
        }
        options.limit = static_cast<int>(*limit);
        break;
      }
      case kJson:
        options.json = true;
        break;
      case 'h':
        std::fputs(kUsage, stdout);
        return kExitOk;
      case ':':
        return UsageError(std::string(argv[optind]) + " needs a value");
      default:
        if (optopt != 0) return UsageError(std::string("unknown option -") + static_cast<char>(optopt));
        return UsageError(std::string("unknown option ") + argv[optind]);
    }
  }
  if (optind + 1 < argc) return UsageError(std::string("unexpected argument \"") + argv[optind + 1] + "\"");
  if (options.what == "conflicts" && since_given) return UsageError("--since applies to merges, not conflicts");
  if (options.what == "merges" && entity_given) return UsageError("--entity applies to conflicts, not merges");
  return std::nullopt;
}

int DatabaseFailed(const core::Error& error) {
  const std::string& message = error.message;
  std::fprintf(stderr, "%s%s%s\n", kPrefix, message.substr(0, message.find('\n')).c_str(),
               error.kind == core::ErrorKind::kTransient
                   ? "; is PostgreSQL running? check TUNEFLEET_PG_DSN"
                   : " (check TUNEFLEET_PG_DSN; the identity tables come with migration 0009)");
  return kExitFailure;
}

}  // namespace

int RunIdentity(int argc, char* argv[]) {
  Options options;
  if (auto exit_code = ParseFlags(argc, argv, options)) return *exit_code;

  std::string dsn;
  try {
    dsn = config::LoadPostgresSettings(config::Env{}).dsn;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s%s\n", kPrefix, e.what());
    return kExitUsage;
  }

  std::string text;
  if (options.what == "conflicts") {
    auto conflicts = identity::ReadConflicts(dsn, options.entity, options.limit);
    if (!conflicts) return DatabaseFailed(conflicts.error());
    text = options.json ? identity::FormatConflictsJson(*conflicts) + "\n" : identity::FormatConflicts(*conflicts);
  } else {
    auto merges = identity::ReadMerges(dsn, options.since, options.limit);
    if (!merges) return DatabaseFailed(merges.error());
    text = options.json ? identity::FormatMergesJson(*merges) + "\n" : identity::FormatMerges(*merges);
  }
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

}  // namespace cli
