// tunefleet migrate [--status] [--dir DIR]: applies migrations/ to TUNEFLEET_PG_DSN.
#include <getopt.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/config/settings.hpp"
#include "common/db/migrator.hpp"
#include "tools/tunefleet/commands.hpp"

namespace cli {
namespace {

constexpr const char* kUsage =
    "usage: tunefleet migrate [--status] [--dir DIR]\n"
    "\n"
    "Applies the pending migrations (NNNN_name.sql) to the database, in order, under an\n"
    "advisory lock: any number of migrators may run at once.\n"
    "\n"
    "  --status     list every migration as applied, pending, edited or missing; change nothing\n"
    "               (exit 1 when one is edited or missing)\n"
    "  --dir DIR    the migrations folder (default: TUNEFLEET_MIGRATIONS_DIR, else the\n"
    "               repository's migrations/)\n"
    "  -h, --help   this text\n"
    "\n"
    "environment: TUNEFLEET_PG_DSN (or TUNEFLEET_PG_DSN_FILE), TUNEFLEET_MIGRATIONS_DIR\n"
    "exit: 0 done, 1 failed, 2 bad flags or configuration\n";

struct Options {
  bool status = false;
  std::string dir;  // empty: from the environment
};

// nullopt to go on, else the exit code (--help, or a usage error already printed).
std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  static const option kLong[] = {
      {"status", no_argument, nullptr, 's'},
      {"dir", required_argument, nullptr, 'd'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;  // we print our own one-line messages
  optind = 0;  // glibc: full re-initialization
  int c = 0;
  while ((c = getopt_long(argc, argv, ":h", kLong, nullptr)) != -1) {
    switch (c) {
      case 's':
        options.status = true;
        break;
      case 'd':
        options.dir = optarg;
        break;
      case 'h':
        std::fputs(kUsage, stdout);
        return kExitOk;
      case ':':
        std::fprintf(stderr, "tunefleet migrate: %s needs a value (see tunefleet migrate --help)\n",
                     argv[optind - 1]);
        return kExitUsage;
      default:
        if (optopt != 0) {
          std::fprintf(stderr, "tunefleet migrate: unknown option -%c (see tunefleet migrate --help)\n",
                       optopt);
        } else {
          std::fprintf(stderr, "tunefleet migrate: unknown option %s (see tunefleet migrate --help)\n",
                       argv[optind - 1]);
        }
        return kExitUsage;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "tunefleet migrate: unexpected argument \"%s\" (see tunefleet migrate --help)\n",
                 argv[optind]);
    return kExitUsage;
  }
  return std::nullopt;
}

std::string Plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

int PrintStatus(const std::vector<db::MigrationStatus>& statuses) {
  std::vector<std::string> headers = {"version", "name", "applied_at", "state"};
  std::vector<std::vector<std::string>> rows;
  std::size_t counts[4] = {};
  for (const auto& s : statuses) {
    std::string id = db::MigrationId(s.version, s.name);
    rows.push_back({id.substr(0, id.find('_')), s.name, s.applied_at.empty() ? "-" : s.applied_at,
                    std::string(db::ToString(s.state))});
    ++counts[static_cast<int>(s.state)];
  }
  std::vector<std::size_t> widths;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    std::size_t width = headers[i].size();
    for (const auto& row : rows) width = std::max(width, row[i].size());
    widths.push_back(width);
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);

  auto count = [&](db::MigrationState state) { return counts[static_cast<int>(state)]; };
  std::printf("%zu applied, %zu pending, %zu edited, %zu missing\n",
              count(db::MigrationState::kApplied), count(db::MigrationState::kPending),
              count(db::MigrationState::kEdited), count(db::MigrationState::kMissing));
  bool broken = count(db::MigrationState::kEdited) + count(db::MigrationState::kMissing) > 0;
  return broken ? kExitFailure : kExitOk;
}

int PrintReport(const db::MigrationReport& report) {
  using std::chrono::milliseconds;
  if (report.lock_wait >= milliseconds{500}) {
    std::printf("waited %lld ms for another migrator to finish\n",
                static_cast<long long>(report.lock_wait.count()));
  }
  if (report.applied.empty()) {
    std::printf("database is up to date (%s)\n", Plural(report.total, "migration").c_str());
    return kExitOk;
  }
  std::string ids;
  for (const auto& applied : report.applied) {
    std::printf("applied %s in %lld ms\n", applied.id.c_str(),
                static_cast<long long>(applied.duration.count()));
    ids += (ids.empty() ? "" : ", ") + applied.id;
  }
  std::printf("applied %s (%s) in %lld ms\n", Plural(report.applied.size(), "migration").c_str(),
              ids.c_str(), static_cast<long long>(report.elapsed.count()));
  return kExitOk;
}

}  // namespace

int RunMigrate(int argc, char* argv[]) {
  Options options;
  if (auto exit_code = ParseFlags(argc, argv, options)) return *exit_code;

  db::MigratorSettings settings;
  try {
    config::Env env;
    settings.dsn = config::LoadPostgresSettings(env).dsn;
    settings.migrations_dir = options.dir.empty()
                                  ? env.String("TUNEFLEET_MIGRATIONS_DIR", TUNEFLEET_DEFAULT_MIGRATIONS_DIR)
                                  : options.dir;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "tunefleet migrate: %s\n", e.what());
    return kExitUsage;
  }

  db::Migrator migrator{settings};
  if (options.status) {
    auto statuses = migrator.Status();
    if (!statuses) {
      std::fprintf(stderr, "tunefleet migrate: %s\n", statuses.error().message.c_str());
      return kExitFailure;
    }
    return PrintStatus(*statuses);
  }
  auto report = migrator.Apply();
  if (!report) {
    std::fprintf(stderr, "tunefleet migrate: %s\n", report.error().message.c_str());
    return kExitFailure;
  }
  return PrintReport(*report);
}

}  // namespace cli
