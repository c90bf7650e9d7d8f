#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"
#include "common/db/listen_store.hpp"

// `tunefleet import lastfm`'s pure logic (docs/LISTENERS.md): reading a user.getRecentTracks
// page, choosing the window a run pages and where it starts, what a Last.fm error means to
// the operator, progress and summary lines. No I/O, no clock: tests/unit/import.
namespace scrobbles {

// One page of user.getRecentTracks: its scrobbles (newest first), without the now-playing
// entry, which is not a scrobble (it has no date).
struct RecentPage {
  int page = 1;
  int total_pages = 0;
  std::int64_t total = 0;
  std::vector<db::ScrobbleRow> scrobbles;
  int now_playing = 0;  // entries skipped because they are playing now
};

// kTransient for a body that is not a recenttracks object (cut off, HTML); an error object
// ({"error":N,...}) is lastfm::ErrorFor(N) (6 kNotFound, 29 kTransient, 10/26 kInvalidInput).
// An entry without artist, name or date.uts is skipped as not a scrobble.
core::Result<RecentPage> ParseRecentTracks(std::string_view body);

// The window a run pages and the page it starts at. A cursor not done resumes where it
// stopped (same window); a done one starts a new window at its `to`; none starts at `since`
// (or the beginning). A new window ends at `now`.
db::ListenCursor PlanWindow(const std::optional<db::ListenCursor>& saved, std::optional<std::int64_t> since,
                            std::int64_t now);
// The cursor after page `page` of `total_pages` is stored: the next page, done after the last.
db::ListenCursor AfterPage(db::ListenCursor cursor, int page, int total_pages);

// What a failed call means: the line to print (without the command prefix) and the exit code.
struct Failure {
  int exit_code = 1;
  std::string line;
};
// code: the Last.fm error code of the answer, when it was an error object.
Failure DescribeFailure(std::string_view user, std::optional<int> code, const core::Error& error);

struct Counters {
  int pages_done = 0;    // this run
  int pages_total = 0;   // of the window (0 until the first page)
  int first_page = 1;    // where this run started
  std::uint64_t stored = 0;
  std::uint64_t already = 0;
  std::uint64_t new_tracks = 0;
  std::uint64_t published = 0;
};
// "page 12/50, 2,400 scrobbles stored, 1,900 new tracks, 2.1 pages/s, ETA 18s"
std::string ProgressLine(const Counters& counters, double elapsed_seconds);
// "stored 9,999 scrobbles (1 already there), 8,400 new tracks, published 8,400 jobs"
std::string SummaryLine(const Counters& counters);

// 1234567 -> "1,234,567".
std::string Thousands(std::uint64_t n);
// Unix seconds -> "2023-11-14 22:13:20 UTC".
std::string FormatTime(std::int64_t unix_seconds);
// --since: "2023-11-14", "2023-11-14 22:13:20", RFC 3339, or unix seconds.
core::Result<std::int64_t> ParseTime(std::string_view text);

}  // namespace scrobbles
