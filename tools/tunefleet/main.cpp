// tunefleet: the operator CLI. Dispatches `tunefleet <command> [flags]` through kCommands.
#include <cstdio>
#include <span>
#include <string_view>

#include "tools/tunefleet/commands.hpp"

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `tunefleet help`
  int (*run)(int argc, char* argv[]);
};

constexpr Command kCommands[] = {
    {"migrate", "apply database migrations; --status lists them", cli::RunMigrate},
    {"publish", "publish jobs from CSV or JSON Lines, with publisher confirms", cli::RunPublish},
    {"status", "queue depths, consumers, rates and dead letters (management API)", cli::RunStatus},
    {"dlq", "dead letters of a provider: list, show, replay, purge", cli::RunDlq},
    {"similar", "a track's most similar tracks and why; --m3u writes a playlist", cli::RunSimilar},
    {"export", "stream the feature matrix or the enriched catalog as CSV", cli::RunExport},
    {"cache", "the response cache in Redis: stats per provider and endpoint, invalidate", cli::RunCache},
    {"stats", "catalog analytics: coverage, genres, moods, features, rates; --json", cli::RunStats},
    {"identity", "identity merges: conflicts (rows not merged), merges (absorbed -> survivor); --json",
     cli::RunIdentity},
    {"import", "a listener's scrobbles from Last.fm or a CSV export; track jobs for new rows", cli::RunImport},
    {"playlist", "build a listener's playlist (similar-recent, discovery, trending); list, show, export",
     cli::RunPlaylist},
    {"topology", "upgrade: move an earlier build's RabbitMQ topology to this one, losing nothing", cli::RunTopology},
    {"workers", "the running workers and builders; --watch follows their heartbeats", cli::RunWorkers},
    {"control", "pause, resume, breaker, rate or log-level of running workers and builders", cli::RunControl},
};

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: tunefleet <command> [flags]\n\ncommands:\n");
  for (const auto& command : kCommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(command.name.size()),
                 command.name.data(), static_cast<int>(command.summary.size()),
                 command.summary.data());
  }
  std::fprintf(out, "\nRun `tunefleet <command> --help` for a command's flags.\n");
}

const Command* Find(std::string_view name) {
  for (const auto& command : kCommands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::span<char*> args(argv, static_cast<std::size_t>(argc));
  if (args.size() < 2) {
    PrintUsage(stderr);
    return cli::kExitUsage;
  }
  std::string_view first = args[1];
  if (first == "--help" || first == "-h" || (first == "help" && args.size() == 2)) {
    PrintUsage(stdout);
    return cli::kExitOk;
  }
  if (first == "help") {
    // `tunefleet help migrate` is `tunefleet migrate --help`.
    const Command* command = Find(args[2]);
    if (command == nullptr) {
      std::fprintf(stderr, "tunefleet: unknown command \"%s\" (see tunefleet --help)\n", args[2]);
      return cli::kExitUsage;
    }
    char help_flag[] = "--help";
    char* help_argv[] = {args[2], help_flag, nullptr};
    return command->run(2, help_argv);
  }
  if (first.starts_with('-')) {
    std::fprintf(stderr, "tunefleet: unknown option %s (see tunefleet --help)\n", args[1]);
    return cli::kExitUsage;
  }
  const Command* command = Find(first);
  if (command == nullptr) {
    std::fprintf(stderr, "tunefleet: unknown command \"%s\" (see tunefleet --help)\n", args[1]);
    return cli::kExitUsage;
  }
  return command->run(argc - 1, argv + 1);
}
