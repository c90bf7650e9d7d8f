// tunefleet export features|tracks: streams the feature matrix or the enriched catalog
// (workers/features/features_export.hpp does the reading; this file the flags, the output
// file and the progress).
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "common/config/env.hpp"
#include "common/config/settings.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/status_line.hpp"
#include "tools/tunefleet/publish_report.hpp"
#include "workers/features/features_export.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: tunefleet export features [--format csv] [--out FILE] [--version V]\n"
    "       tunefleet export tracks [--format csv|jsonl] [--out FILE]\n"
    "\n"
    "Streams, ordered by track id and from one consistent snapshot:\n"
    "  features   the feature matrix of tunefleet-features: a header (track_id and the column\n"
    "             names of the vocabulary version), one row per track at that version, missing\n"
    "             values as empty fields; tracks at another version or without a row yet are\n"
    "             counted on stderr, not exported (docs/builders/features.md)\n"
    "  tracks     the enriched catalog: ids, names, provider ids, numeric fields, genres and\n"
    "             moods (JSON arrays in CSV), audio features, providers_done\n"
    "\n"
    "  --format F   csv (default); tracks also jsonl (one JSON object per line)\n"
    "  --out FILE   write FILE (through a temporary file renamed at the end: never half a file);\n"
    "               default standard output\n"
    "  --version V  features: the vocabulary version (default the latest)\n"
    "  -h, --help   this text\n"
    "\n"
    "Progress goes to stderr: a bar on a terminal, else a line every 5 s.\n"
    "environment: TUNEFLEET_PG_DSN (or TUNEFLEET_PG_DSN_FILE)\n"
    "exit: 0 done, 1 failed (database unreachable, write error), 2 bad flags or configuration\n";

constexpr const char* kPrefix = "tunefleet export: ";

struct Options {
  std::string what;  // features | tracks
  std::string format = "csv";
  std::string out;  // empty: stdout
  std::optional<int> version;
};

int Usage(const std::string& message) {
  std::fprintf(stderr, "%s%s (see tunefleet export --help)\n", kPrefix, message.c_str());
  return kExitUsage;
}

// nullopt to go on, else the exit code (--help, or a usage error already printed).
std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  static const option kLong[] = {
      {"format", required_argument, nullptr, 'f'},
      {"out", required_argument, nullptr, 'o'},
      {"version", required_argument, nullptr, 'v'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  optind = 0;
  int c = 0;
  while ((c = getopt_long(argc, argv, ":h", kLong, nullptr)) != -1) {
    switch (c) {
      case 'f':
        options.format = optarg;
        break;
      case 'o':
        options.out = optarg;
        break;
      case 'v':
        try {
          const auto v = config::ParseInt(optarg, "--version");
          if (v < 1 || v > 2147483647) return Usage("--version must be a positive integer, not \"" + std::string(optarg) + "\"");
          options.version = static_cast<int>(v);
        } catch (const config::ConfigError& e) {
          return Usage(e.what());
        }
        break;
      case 'h':
        std::fputs(kUsage, stdout);
        return kExitOk;
      case ':':
        return Usage(std::string(argv[optind - 1]) + " needs a value");
      default:
        if (optopt != 0) return Usage(std::string("unknown option -") + static_cast<char>(optopt));
        return Usage(std::string("unknown option ") + argv[optind - 1]);
    }
  }
  if (optind >= argc) return Usage("what to export? features or tracks");
  options.what = argv[optind++];
  if (options.what != "features" && options.what != "tracks") {
    return Usage("unknown export \"" + options.what + "\": features or tracks");
  }
  if (optind < argc) return Usage("unexpected argument \"" + std::string(argv[optind]) + "\"");
  if (options.what == "features" && options.format != "csv") {
    return Usage("features are exported as csv only, not \"" + options.format + "\"");
  }
  if (options.what == "tracks" && options.format != "csv" && options.format != "jsonl") {
    return Usage("--format must be csv or jsonl, not \"" + options.format + "\"");
  }
  if (options.what == "tracks" && options.version) return Usage("--version applies to features only");
  return std::nullopt;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Progress on stderr: a bar rewritten in place on a terminal (every 200 ms), else a plain
// line every 5 s. Checks the clock only every 1024 rows.
class Progress {
 public:
  explicit Progress(Clock::time_point start) : start_(start), line_(kPrefix, start) {}

  void Tick(std::uint64_t done, std::uint64_t total) {
    if ((done & 1023) != 0) return;
    const auto now = Clock::now();
    if (!line_.Due(now)) return;
    const double elapsed = Seconds(now - start_);
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    std::string line = publish::FormatCount(done) + "/" + publish::FormatCount(total) + " rows, " +
                       publish::FormatRate(rate) + "/s";
    if (total > 0 && done <= total && rate > 0) {
      line += ", ETA " + publish::FormatDuration(static_cast<double>(total - done) / rate);
    }
    if (line_.tty()) {
      constexpr int kWidth = 30;
      const double fraction = total > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 0;
      const int filled = static_cast<int>(fraction * kWidth);
      char percent[8];
      std::snprintf(percent, sizeof percent, "%3d%% ", static_cast<int>(fraction * 100));
      line = "[" + std::string(static_cast<std::size_t>(filled), '#') +
             std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] " + percent + line;
    }
    line_.Show(line);
  }

  void Clear() { line_.Clear(); }

 private:
  Clock::time_point start_;
  StatusLine line_;
};

// Where the lines go: stdout, FILE directly (a device or FIFO such as /dev/null), or a
// temporary file next to FILE renamed over it by Commit().
class Output {
 public:
  ~Output() {
    if (file_ != nullptr && file_ != stdout) std::fclose(file_);
    if (!temp_.empty()) std::remove(temp_.c_str());
  }

  // Empty on success, else the error message.
  std::string Open(const std::string& path) {
    path_ = path;
    if (path.empty()) {
      file_ = stdout;
    } else {
      struct stat st {};
      const bool special = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
      const std::string target = special ? path : path + ".tmp-" + std::to_string(::getpid());
      file_ = std::fopen(target.c_str(), "wb");
      if (file_ == nullptr) return "cannot write " + target + ": " + std::strerror(errno);
      if (!special) temp_ = target;
    }
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    return "";
  }

  bool Write(std::string_view line) {
    if (std::fwrite(line.data(), 1, line.size(), file_) == line.size()) return true;
    if (errno_ == 0) errno_ = errno != 0 ? errno : EIO;
    return false;
  }

  // Flushes (and for a file, syncs and renames); empty on success, else the error message.
  std::string Commit() {
    if (std::fflush(file_) != 0 && errno_ == 0) errno_ = errno;
    if (errno_ == 0 && !temp_.empty() && ::fsync(fileno(file_)) != 0) errno_ = errno;
    if (file_ != stdout) {
      if (std::fclose(file_) != 0 && errno_ == 0) errno_ = errno;
      file_ = nullptr;
    }
    if (errno_ != 0) return WriteError();
    if (!temp_.empty()) {
      if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
        return "cannot rename " + temp_ + " to " + path_ + ": " + std::strerror(errno);
      }
      temp_.clear();
    }
    return "";
  }

  std::string WriteError() const {
    return "cannot write " + (path_.empty() ? std::string("standard output") : path_) + ": " +
           std::strerror(errno_ != 0 ? errno_ : EIO);
  }
  std::string Name() const { return path_.empty() ? "standard output" : path_; }

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  std::string temp_;
  int errno_ = 0;
};

}  // namespace

int RunExport(int argc, char* argv[]) {
  Options options;
  if (auto exit_code = ParseFlags(argc, argv, options)) return *exit_code;

  std::string dsn;
  try {
    config::Env env;
    dsn = config::LoadPostgresSettings(env).dsn;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s%s\n", kPrefix, e.what());
    return kExitUsage;
  }

  Output output;
  if (auto error = output.Open(options.out); !error.empty()) {
    std::fprintf(stderr, "%s%s\n", kPrefix, error.c_str());
    return kExitFailure;
  }
  const auto start = Clock::now();
  Progress progress(start);
  auto sink = [&](std::string_view line) { return output.Write(line); };
  auto tick = [&](std::uint64_t done, std::uint64_t total) { progress.Tick(done, total); };

  std::uint64_t rows = 0;
  std::string detail;
  std::string note;
  std::optional<core::Error> failure;
  if (options.what == "features") {
    auto result = features::ExportFeatures(dsn, options.version, sink, tick);
    if (result) {
      rows = result->rows;
      detail = " (vocabulary version " + std::to_string(result->version) + ", " +
               std::to_string(result->columns.size()) + " columns)";
      if (result->other_version_rows > 0 || result->tracks_without_row > 0) {
        note = "left out: " + publish::FormatCount(result->other_version_rows) +
               " tracks at another vocabulary version, " + publish::FormatCount(result->tracks_without_row) +
               " tracks without features yet (tunefleet-features catches up in the background)";
      }
    } else {
      failure = result.error();
    }
  } else {
    auto format = options.format == "jsonl" ? features::TracksFormat::kJsonl : features::TracksFormat::kCsv;
    auto result = features::ExportTracks(dsn, format, sink, tick);
    if (result) {
      rows = *result;
      detail = " (" + options.format + ")";
    } else {
      failure = result.error();
    }
  }
  progress.Clear();

  if (failure) {
    if (failure->message == "output write failed") {
      std::fprintf(stderr, "%s%s\n", kPrefix, output.WriteError().c_str());
    } else if (failure->kind == core::ErrorKind::kTransient) {
      std::fprintf(stderr, "%s%s (check TUNEFLEET_PG_DSN)\n", kPrefix, failure->message.c_str());
    } else {
      std::fprintf(stderr, "%s%s\n", kPrefix, failure->message.c_str());
    }
    return kExitFailure;
  }
  if (auto error = output.Commit(); !error.empty()) {
    std::fprintf(stderr, "%s%s\n", kPrefix, error.c_str());
    return kExitFailure;
  }
  const double elapsed = Seconds(Clock::now() - start);
  std::fprintf(stderr, "%sexported %s %s%s to %s in %s (%s/s)\n", kPrefix, publish::FormatCount(rows).c_str(),
               options.what == "features" ? "feature rows" : "tracks", detail.c_str(), output.Name().c_str(),
               publish::FormatDuration(elapsed).c_str(),
               publish::FormatRate(elapsed > 0 ? static_cast<double>(rows) / elapsed : 0).c_str());
  if (!note.empty()) std::fprintf(stderr, "%s%s\n", kPrefix, note.c_str());
  return kExitOk;
}

}  // namespace cli
