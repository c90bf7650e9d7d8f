// tunefleet similar "<artist> - <title>" | --id N [--limit K] [--m3u FILE]: the neighbours
// tunefleet-recommend stored in track_similar (docs/builders/recommend.md).
#include <getopt.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "common/config/settings.hpp"
#include "tools/tunefleet/commands.hpp"
#include "workers/recommend/similar_reader.hpp"

namespace cli {
namespace {

constexpr const char* kUsage =
    "usage: tunefleet similar \"<artist> - <title>\" | --id N [--limit K] [--m3u FILE]\n"
    "\n"
    "Prints the tracks tunefleet-recommend found most similar to one track: rank, score\n"
    "(higher is closer; comparable within one track only), artist - title, and the genres\n"
    "and moods they share with it.\n"
    "\n"
    "  \"<artist> - <title>\"  the track by name, matched like tracks.name_key (ASCII case and\n"
    "                      runs of whitespace ignored); when the name holds several \" - \",\n"
    "                      each split is tried in turn. Several tracks with that name: the\n"
    "                      one with neighbours, then the lowest id (the others are listed)\n"
    "  --id N              the track by catalog id instead (an id a merge absorbed shows the\n"
    "                      track it was merged into, and says so)\n"
    "  --limit K           show at most K neighbours (default 20, at most 1000)\n"
    "  --m3u FILE          also write an extended M3U playlist: the track, then its\n"
    "                      neighbours; each entry points at spotify:track:<id>, else\n"
    "                      https://musicbrainz.org/recording/<mbid>, else tunefleet:track:<id>\n"
    "  -h, --help          this text\n"
    "\n"
    "environment: TUNEFLEET_PG_DSN (or TUNEFLEET_PG_DSN_FILE)\n"
    "exit: 0 printed, 1 no such track, no neighbours yet, or the database failed,\n"
    "      2 bad flags or configuration\n";

constexpr std::int64_t kDefaultLimit = 20;
constexpr std::int64_t kMaxLimit = 1000;

struct Options {
  std::string name;
  std::optional<std::int64_t> id;
  std::int64_t limit = kDefaultLimit;
  std::string m3u;
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "tunefleet similar: %s (see tunefleet similar --help)\n", message.c_str());
  return kExitUsage;
}

std::optional<std::int64_t> ParsePositive(const char* text, std::int64_t max) {
  try {
    std::int64_t value = config::ParseInt(text, "");
    if (value >= 1 && value <= max) return value;
  } catch (const config::ConfigError&) {
  }
  return std::nullopt;
}

// nullopt to go on, else the exit code (--help, or a usage error already printed).
std::optional<int> ParseFlags(int argc, char* argv[], Options& options) {
  enum : int { kId = 256, kLimit, kM3u };
  static const option kLong[] = {
      {"id", required_argument, nullptr, kId},
      {"limit", required_argument, nullptr, kLimit},
      {"m3u", required_argument, nullptr, kM3u},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;  // we print our own one-line messages
  optind = 0;  // glibc: full re-initialization
  int c = 0;
  while ((c = getopt_long(argc, argv, ":h", kLong, nullptr)) != -1) {
    switch (c) {
      case kId:
        options.id = ParsePositive(optarg, INT64_MAX);
        if (!options.id) return UsageError(std::string("--id \"") + optarg + "\" is not a positive track id");
        break;
      case kLimit: {
        auto limit = ParsePositive(optarg, kMaxLimit);
        if (!limit) {
          return UsageError(std::string("--limit \"") + optarg + "\" is not a whole number from 1 to " +
                            std::to_string(kMaxLimit));
        }
        options.limit = *limit;
        break;
      }
      case kM3u:
        options.m3u = optarg;
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
  std::vector<std::string> positional(argv + optind, argv + argc);
  if (positional.size() > 1) return UsageError("unexpected argument \"" + positional[1] + "\"");
  if (positional.size() == 1 && options.id) return UsageError("give either \"<artist> - <title>\" or --id, not both");
  if (positional.empty() && !options.id) return UsageError("which track? give \"<artist> - <title>\" or --id N");
  if (positional.size() == 1) {
    options.name = positional[0];
    if (options.name.find(" - ") == std::string::npos) {
      return UsageError("\"" + options.name + "\" is not \"<artist> - <title>\" (artist, space, dash, space, title)");
    }
  }
  return std::nullopt;
}

int DatabaseFailed(const core::Error& error) {
  std::string message = error.message.substr(0, error.message.find('\n'));
  if (error.kind == core::ErrorKind::kTransient) {
    std::fprintf(stderr, "tunefleet similar: %s; is PostgreSQL running? check TUNEFLEET_PG_DSN\n", message.c_str());
  } else {
    std::fprintf(stderr, "tunefleet similar: %s (check TUNEFLEET_PG_DSN)\n", message.c_str());
  }
  return kExitFailure;
}

std::string Join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// "genres: a, b; moods: c", leaving out an empty list; "-" when both are empty.
std::string Tags(const std::vector<std::string>& genres, const std::vector<std::string>& moods) {
  std::vector<std::string> parts;
  if (!genres.empty()) parts.push_back("genres: " + Join(genres));
  if (!moods.empty()) parts.push_back("moods: " + Join(moods));
  return parts.empty() ? "-" : Join(parts, "; ");
}

std::string Printable(const std::string& key) {
  std::string out = key;
  for (char& c : out) {
    if (c == '\x1f') c = '|';
  }
  return out;
}

}  // namespace

int RunSimilar(int argc, char* argv[]) {
  Options options;
  if (auto exit_code = ParseFlags(argc, argv, options)) return *exit_code;

  std::string dsn;
  try {
    dsn = config::LoadPostgresSettings(config::Env{}).dsn;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "tunefleet similar: %s\n", e.what());
    return kExitUsage;
  }
  recommend::SimilarReader reader(dsn);

  recommend::TrackSummary track;
  if (options.id) {
    auto found = reader.FindById(*options.id);
    if (!found) return DatabaseFailed(found.error());
    if (!*found) {
      std::fprintf(stderr, "tunefleet similar: no track with id %lld\n", static_cast<long long>(*options.id));
      return kExitFailure;
    }
    track = **found;
    if (track.id != *options.id) {
      std::fprintf(stderr, "tunefleet similar: track %lld was merged into %lld\n", static_cast<long long>(*options.id),
                   static_cast<long long>(track.id));
    }
  } else {
    auto match = reader.FindByName(options.name);
    if (!match) return DatabaseFailed(match.error());
    if (match->tracks.empty()) {
      std::vector<std::string> keys;
      for (const auto& key : match->tried_keys) keys.push_back("\"" + Printable(key) + "\"");
      std::fprintf(stderr,
                   "tunefleet similar: no track named \"%s\" (looked up tracks.name_key %s: artist|title, ASCII "
                   "lower-cased, whitespace collapsed; versions like \"- Remastered\" are part of the title); try "
                   "--id\n",
                   options.name.c_str(), Join(keys, " and ").c_str());
      return kExitFailure;
    }
    track = match->tracks.front();
    if (match->tracks.size() > 1) {
      std::vector<std::string> others;
      for (std::size_t i = 1; i < match->tracks.size(); ++i) others.push_back(std::to_string(match->tracks[i].id));
      std::fprintf(stderr,
                   "tunefleet similar: %zu tracks are named \"%s - %s\"; showing id %lld (tracks with neighbours "
                   "first, then the lowest id); the others: %s (use --id)\n",
                   match->tracks.size(), match->artist.c_str(), match->title.c_str(),
                   static_cast<long long>(track.id), Join(others).c_str());
    }
  }

  auto neighbours = reader.Neighbours(track.id, static_cast<std::size_t>(options.limit));
  if (!neighbours) return DatabaseFailed(neighbours.error());
  std::printf("%s - %s (id %lld; %s)\n", track.artist.c_str(), track.title.c_str(), static_cast<long long>(track.id),
              Tags(track.genres, track.moods).c_str());
  if (neighbours->empty()) {
    std::printf("no similar tracks yet: track_similar has no rows for id %lld (is tunefleet-recommend running? it "
                "fills them after each enrichment)\n",
                static_cast<long long>(track.id));
    return kExitFailure;
  }
  std::printf("%zu similar tracks (computed %s):\n", neighbours->size(), neighbours->front().computed_at.c_str());
  std::printf("rank  score   track  [shared]\n");
  for (const auto& n : *neighbours) {
    std::printf("%4d  %.4f  %s - %s  [%s]\n", n.rank, n.score, n.track.artist.c_str(), n.track.title.c_str(),
                Tags(n.shared_genres, n.shared_moods).c_str());
  }

  if (!options.m3u.empty()) {
    std::vector<recommend::TrackSummary> playlist = {track};
    for (const auto& n : *neighbours) playlist.push_back(n.track);
    std::ofstream out(options.m3u, std::ios::binary | std::ios::trunc);
    out << recommend::FormatM3u(playlist);
    out.close();
    if (!out) {
      std::fprintf(stderr, "tunefleet similar: cannot write %s\n", options.m3u.c_str());
      return kExitFailure;
    }
    std::printf("wrote %s (%zu entries)\n", options.m3u.c_str(), playlist.size());
  }
  return kExitOk;
}

}  // namespace cli
