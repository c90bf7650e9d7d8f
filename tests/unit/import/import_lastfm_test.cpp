#include "tools/tunefleet/import_lastfm.hpp"

#include <gtest/gtest.h>

namespace scrobbles {
namespace {

// Shaped like Last.fm's answers (docs/LISTENERS.md): numbers as strings, now playing first.
constexpr std::string_view kPage = R"({"recenttracks":{"track":[
  {"artist":{"mbid":"","#text":"Now Artist"},"streamable":"0","image":[],"mbid":"","album":{"mbid":"","#text":"X"},
   "name":"Now Title","url":"u","@attr":{"nowplaying":"true"}},
  {"artist":{"mbid":"","#text":"Radiohead"},"streamable":"0","image":[],"mbid":"6b9a509f-6907-4a6e-9345-2f12da09ba4b",
   "album":{"mbid":"","#text":"OK Computer"},"name":"Karma Police","url":"u","date":{"uts":"1700000000","#text":"14 Nov 2023, 22:13"}},
  {"artist":{"mbid":"","#text":"Björk"},"streamable":"0","image":[],"mbid":"","album":{"mbid":"","#text":""},
   "name":"Hyperballad","url":"u","date":{"uts":"1699999000","#text":"14 Nov 2023, 21:56"}}
 ],"@attr":{"user":"alice","totalPages":"3","page":"1","perPage":"200","total":"402"}}})";

TEST(ParseRecentTracks, SkipsTheNowPlayingEntry) {
  auto page = ParseRecentTracks(kPage);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->page, 1);
  EXPECT_EQ(page->total_pages, 3);
  EXPECT_EQ(page->total, 402);
  EXPECT_EQ(page->now_playing, 1);
  ASSERT_EQ(page->scrobbles.size(), 2u);
  EXPECT_EQ(page->scrobbles[0].artist, "Radiohead");
  EXPECT_EQ(page->scrobbles[0].title, "Karma Police");
  EXPECT_EQ(page->scrobbles[0].album, "OK Computer");
  EXPECT_EQ(page->scrobbles[0].mbid, "6b9a509f-6907-4a6e-9345-2f12da09ba4b");
  EXPECT_EQ(page->scrobbles[0].played_at, 1700000000);
  EXPECT_EQ(page->scrobbles[1].artist, "Björk");
  EXPECT_EQ(page->scrobbles[1].album, "");
}

TEST(ParseRecentTracks, ASingleEntryMayComeAsAnObject) {
  auto page = ParseRecentTracks(R"({"recenttracks":{"track":{"artist":{"#text":"A"},"name":"T",
    "date":{"uts":"5"}},"@attr":{"user":"a","totalPages":"1","page":"1","perPage":"200","total":"1"}}})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->scrobbles.size(), 1u);
  EXPECT_EQ(page->scrobbles[0].played_at, 5);
}

TEST(ParseRecentTracks, AnEmptyWindowHasNoTracks) {
  auto page = ParseRecentTracks(
      R"({"recenttracks":{"track":[],"@attr":{"user":"a","totalPages":"0","page":"1","perPage":"200","total":"0"}}})");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->scrobbles.empty());
  EXPECT_EQ(page->total_pages, 0);
}

TEST(ParseRecentTracks, UserNotFoundInAn200BodyIsNotFound) {
  auto page = ParseRecentTracks(R"({"error":6,"message":"User not found"})");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind, core::ErrorKind::kNotFound);
}

TEST(ParseRecentTracks, RateLimitInAn200BodyIsTransient) {
  auto page = ParseRecentTracks(R"({"error":29,"message":"Rate Limit Exceeded"})");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind, core::ErrorKind::kTransient);
}

TEST(ParseRecentTracks, CutOffOrHtmlBodiesAreTransient) {
  EXPECT_EQ(ParseRecentTracks(kPage.substr(0, 100)).error().kind, core::ErrorKind::kTransient);
  EXPECT_EQ(ParseRecentTracks("<html>502 Bad Gateway</html>").error().kind, core::ErrorKind::kTransient);
  EXPECT_EQ(ParseRecentTracks(R"({"recenttracks":{}})").error().kind, core::ErrorKind::kTransient);
}

TEST(PlanWindow, FirstRunPagesFromSinceToNow) {
  auto cursor = PlanWindow(std::nullopt, 1000, 5000);
  EXPECT_EQ(cursor.window_from, 1000);
  EXPECT_EQ(cursor.window_to, 5000);
  EXPECT_EQ(cursor.next_page, 1);
  EXPECT_FALSE(cursor.done);
  EXPECT_FALSE(PlanWindow(std::nullopt, std::nullopt, 5000).window_from.has_value());
}

TEST(PlanWindow, AnUnfinishedWindowResumesAtItsNextPage) {
  db::ListenCursor saved{.window_from = 100, .window_to = 4000, .next_page = 7, .total_pages = 50, .done = false};
  auto cursor = PlanWindow(saved, 1, 9000);
  EXPECT_EQ(cursor.window_from, 100);
  EXPECT_EQ(cursor.window_to, 4000);
  EXPECT_EQ(cursor.next_page, 7);
}

TEST(PlanWindow, ADoneWindowIsFollowedByOneFromItsEnd) {
  db::ListenCursor saved{.window_from = std::nullopt, .window_to = 4000, .next_page = 51, .total_pages = 50, .done = true};
  auto cursor = PlanWindow(saved, 1, 9000);
  EXPECT_EQ(cursor.window_from, 4000);
  EXPECT_EQ(cursor.window_to, 9000);
  EXPECT_EQ(cursor.next_page, 1);
  EXPECT_FALSE(cursor.total_pages.has_value());
  EXPECT_FALSE(cursor.done);
  // Two runs in the same second: an empty window, never a reversed one.
  EXPECT_EQ(PlanWindow(saved, std::nullopt, 3999).window_to, 4000);
}

TEST(AfterPage, TheLastPageClosesTheWindow) {
  db::ListenCursor cursor{.window_from = 1, .window_to = 9, .next_page = 1};
  cursor = AfterPage(cursor, 1, 2);
  EXPECT_EQ(cursor.next_page, 2);
  EXPECT_FALSE(cursor.done);
  cursor = AfterPage(cursor, 2, 2);
  EXPECT_TRUE(cursor.done);
  EXPECT_TRUE(AfterPage({}, 1, 0).done);  // an empty window
}

TEST(DescribeFailure, UnknownUserIsOneLineAndExitOne) {
  auto failure = DescribeFailure("nobody", 6, core::Error::NotFound("user.getRecentTracks: User not found"));
  EXPECT_EQ(failure.exit_code, 1);
  EXPECT_EQ(failure.line, "Last.fm has no user \"nobody\" (error 6: User not found)");
}

TEST(DescribeFailure, BadApiKeyNamesTheVariable) {
  auto failure = DescribeFailure("a", 10, core::Error::InvalidInput("Invalid API key"));
  EXPECT_EQ(failure.exit_code, 2);
  EXPECT_NE(failure.line.find("TUNEFLEET_LASTFM_API_KEY"), std::string::npos);
}

TEST(DescribeFailure, TransientSaysRunAgain) {
  auto failure = DescribeFailure("a", 29, core::Error::Transient("rate limit"));
  EXPECT_EQ(failure.exit_code, 1);
  EXPECT_NE(failure.line.find("run the same command again"), std::string::npos);
}

TEST(ProgressLine, ShowsPagesCountsRateAndEta) {
  Counters c{.pages_done = 10, .pages_total = 50, .first_page = 1, .stored = 2000, .new_tracks = 1500};
  EXPECT_EQ(ProgressLine(c, 5.0), "page 10/50, 2,000 scrobbles stored, 1,500 new tracks, 2.0 pages/s, ETA 20s");
}

TEST(SummaryLine, SaysWhatWasStoredAndPublished) {
  Counters c{.stored = 9999, .already = 1, .new_tracks = 8400, .published = 8400};
  EXPECT_EQ(SummaryLine(c), "stored 9,999 scrobbles (1 already there), 8,400 new tracks, published 8,400 jobs");
}

TEST(ParseTime, AcceptsDatesAndUnixSeconds) {
  EXPECT_EQ(*ParseTime("2023-11-14"), 1699920000);
  EXPECT_EQ(*ParseTime("1700000000"), 1700000000);
  EXPECT_FALSE(ParseTime("yesterday"));
}

}  // namespace
}  // namespace scrobbles
