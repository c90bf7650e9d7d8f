// tunefleet playlist --user NAME --kind similar-recent|discovery|trending [--size N] [--days D]
// [--m3u FILE | --json] | list --user NAME [--json] | show ID [--json] | export ID [--m3u FILE |
// --json]: playlists built from a listener's plays (docs/PLAYLISTS.md).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/config/settings.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/playlist_options.hpp"
#include "tools/tunefleet/playlist_report.hpp"
#include "tools/tunefleet/playlist_store.hpp"

namespace cli {
namespace {

constexpr const char* kPrefix = "tunefleet playlist: ";

constexpr const char* kUsage =
    "usage: tunefleet playlist --user NAME --kind similar-recent|discovery|trending [--size N] [--days D]\n"
    "                          [--m3u FILE | --json]\n"
    "       tunefleet playlist list --user NAME [--json]\n"
    "       tunefleet playlist show ID [--json]\n"
    "       tunefleet playlist export ID [--m3u FILE | --json]\n"
    "\n"
    "Builds a playlist for a listener from their imported plays (tunefleet import), stores it\n"
    "(playlists, playlist_tracks) and prints it: rank, score, artist - title and why it is there.\n"
    "The window is the last D days before the database's now(). Never a track the listener\n"
    "ever played, never a track twice (docs/PLAYLISTS.md).\n"
    "\n"
    "  similar-recent  neighbours (track_similar) of the tracks played in the window; a seed\n"
    "                  weighs sum over its plays of exp(-ln 2 * age_days / 7) (a play's weight\n"
    "                  halves every 7 days); a track scores sum over seeds of weight * similarity\n"
    "  discovery       tracks sharing the listener's top 5 genres and top 5 moods of the window\n"
    "                  (a tag weighs the share of the window's plays carrying it; a mood counts\n"
    "                  half), by artists the listener never played (same artist_id, or the\n"
    "                  same artist name key when either has none); then popularity, then id\n"
    "  trending        the tracks played most by all listeners in the window (plays, then\n"
    "                  distinct listeners, then id)\n"
    "\n"
    "  --user NAME   the listener (as imported; case ignored)\n"
    "  --kind K      similar-recent, discovery or trending\n"
    "  --size N      at most N tracks (default 25, at most 500)\n"
    "  --days D      the window in days (default 30, at most 3650)\n"
    "  --m3u FILE    also write the playlist as extended M3U, as `tunefleet similar --m3u` does\n"
    "                (export without --m3u or --json prints the M3U)\n"
    "  --json        print one JSON document instead of text\n"
    "  list          the listener's playlists, newest first\n"
    "  show ID       a stored playlist; export ID: the same as M3U or JSON\n"
    "  -h, --help    this text\n"
    "\n"
    "environment: TUNEFLEET_PG_DSN (or TUNEFLEET_PG_DSN_FILE): building writes (the worker role);\n"
    "  list, show and export only read: TUNEFLEET_PG_DSN=$TUNEFLEET_PG_READER_DSN works\n"
    "exit: 0 done, 1 no such listener or playlist, no plays in the window, nothing to recommend\n"
    "      (nothing stored), or the database failed, 2 bad flags or configuration\n";

// `building`: a refused statement is most likely the reader role's DSN, which may not write.
int DatabaseFailed(const core::Error& error, bool building = false) {
  const std::string& message = error.message;
  const char* hint = error.kind == core::ErrorKind::kTransient ? "; is PostgreSQL running? check TUNEFLEET_PG_DSN"
                     : building ? " (building a playlist writes: TUNEFLEET_PG_DSN must be the worker role's, not the "
                                  "reader's; the playlist tables come with migration 0011)"
                                : " (check TUNEFLEET_PG_DSN; the playlist tables come with migration 0011)";
  std::fprintf(stderr, "%s%s%s\n", kPrefix, message.substr(0, message.find('\n')).c_str(), hint);
  return kExitFailure;
}

int WriteM3u(const std::string& path, const playlist::Playlist& list) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << playlist::FormatM3u(list);
  out.close();
  if (!out) {
    std::fprintf(stderr, "%scannot write %s (does its folder exist? is it writable?)\n", kPrefix, path.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int RunPlaylist(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = playlist::ParseArgs(args);
  if (!parsed) {
    std::fprintf(stderr, "%s%s (see tunefleet playlist --help)\n", kPrefix, parsed.error().message.c_str());
    return kExitUsage;
  }
  const playlist::Options& options = *parsed;
  if (options.action == playlist::Options::Action::kHelp) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }

  std::string dsn;
  try {
    dsn = config::LoadPostgresSettings(config::Env{}).dsn;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s%s\n", kPrefix, e.what());
    return kExitUsage;
  }

  using Action = playlist::Options::Action;
  if (options.action == Action::kList) {
    auto listed = playlist::List(dsn, options.user);
    if (!listed) return DatabaseFailed(listed.error());
    if (!listed->listener_found) {
      std::fprintf(stderr, "%s%s\n", kPrefix, playlist::NoListener(options.user).c_str());
      return kExitFailure;
    }
    std::string text = options.json ? playlist::FormatListJson(listed->user, listed->playlists) + "\n"
                                    : playlist::FormatList(listed->user, listed->playlists);
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }

  playlist::Playlist list;
  if (options.action == Action::kBuild) {
    auto built =
        playlist::Build(dsn, {.user = options.user, .kind = options.kind, .size = options.size, .days = options.days});
    if (!built) return DatabaseFailed(built.error(), /*building=*/true);
    if (!built->playlist) {
      std::fprintf(stderr, "%s%s\n", kPrefix, built->refusal.c_str());
      return kExitFailure;
    }
    list = std::move(*built->playlist);
  } else {
    auto read = playlist::Read(dsn, options.id);
    if (!read) return DatabaseFailed(read.error());
    if (!*read) {
      std::fprintf(stderr, "%sno playlist with id %lld (tunefleet playlist list --user NAME lists them)\n", kPrefix,
                   static_cast<long long>(options.id));
      return kExitFailure;
    }
    list = std::move(**read);
  }

  if (options.json) {
    std::printf("%s\n", playlist::FormatJson(list).c_str());
    return kExitOk;
  }
  if (options.action == Action::kExport && options.m3u.empty()) {
    std::fputs(playlist::FormatM3u(list).c_str(), stdout);
    return kExitOk;
  }
  if (options.action != Action::kExport) std::fputs(playlist::FormatText(list).c_str(), stdout);
  if (!options.m3u.empty()) {
    if (int failed = WriteM3u(options.m3u, list); failed != kExitOk) return failed;
    std::printf("wrote %s (%zu entries)\n", options.m3u.c_str(), list.tracks.size());
  }
  return kExitOk;
}

}  // namespace cli
