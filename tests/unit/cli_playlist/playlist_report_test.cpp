#include "tools/tunefleet/playlist_report.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace {

using playlist::Entry;
using playlist::Playlist;

Playlist Sample() {
  Playlist p;
  p.id = 12;
  p.user = "alice";
  p.kind = "similar-recent";
  p.size = 25;
  p.days = 30;
  p.created_at = "2026-12-07T23:40:01Z";
  Entry a;
  a.position = 1;
  a.score = 2.21349;
  a.reason = "similar to Slowdive - Alison (played 3 times, last 1 day ago)";
  a.seed_track_id = 1;
  a.track.id = 2;
  a.track.artist = "Slowdive";
  a.track.title = "When the Sun Hits";
  a.track.duration_ms = 285400;
  a.track.spotify_id = "spSun";
  Entry b;
  b.position = 2;
  b.score = 0.5;
  b.reason = "shares shoegaze with your top genres";
  b.shared_tags = {"shoegaze", "dream pop"};
  b.track.id = 8;
  b.track.artist = "Pale Saints";
  b.track.title = "Sight\nof You";
  p.tracks = {a, b};
  return p;
}

TEST(PlaylistReasons, SimilarNamesTheSeedItsPlaysAndWhen) {
  EXPECT_EQ(playlist::SimilarReason("Slowdive", "Alison", 3, 1),
            "similar to Slowdive - Alison (played 3 times, last 1 day ago)");
  EXPECT_EQ(playlist::SimilarReason("Ride", "Vapour Trail", 1, 10),
            "similar to Ride - Vapour Trail (played 1 time, last 10 days ago)");
  EXPECT_EQ(playlist::SimilarReason("Ride", "Dreams Burn Down", 2, 0),
            "similar to Ride - Dreams Burn Down (played 2 times, last today)");
}

TEST(PlaylistReasons, DiscoveryListsSharedGenresThenMoods) {
  EXPECT_EQ(playlist::DiscoveryReason({"shoegaze", "dream pop"}, {}),
            "shares shoegaze, dream pop with your top genres");
  EXPECT_EQ(playlist::DiscoveryReason({}, {"melancholic"}), "shares melancholic with your top moods");
  EXPECT_EQ(playlist::DiscoveryReason({"shoegaze"}, {"dreamy", "melancholic"}),
            "shares shoegaze with your top genres and dreamy, melancholic with your top moods");
}

TEST(PlaylistReasons, TrendingCountsPlaysAndListeners) {
  EXPECT_EQ(playlist::TrendingReason(4, 2, 30), "played 4 times by 2 listeners in the last 30 days");
  EXPECT_EQ(playlist::TrendingReason(1, 1, 1), "played 1 time by 1 listener in the last day");
}

TEST(PlaylistReport, TextHasAHeaderAndOneLinePerEntry) {
  EXPECT_EQ(playlist::FormatText(Sample()),
            "playlist 12: similar-recent for alice, last 30 days, 2 of at most 25 tracks (created "
            "2026-12-07T23:40:01Z)\n"
            "rank     score  track  [why]\n"
            "   1    2.2135  Slowdive - When the Sun Hits  [similar to Slowdive - Alison (played 3 times, last 1 day "
            "ago)]\n"
            "   2    0.5000  Pale Saints - Sight of You  [shares shoegaze with your top genres]\n");
}

TEST(PlaylistReport, JsonHasEveryField) {
  rapidjson::Document d;
  const std::string json = playlist::FormatJson(Sample());
  ASSERT_FALSE(d.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_EQ(d["id"].GetInt64(), 12);
  EXPECT_STREQ(d["user"].GetString(), "alice");
  EXPECT_STREQ(d["kind"].GetString(), "similar-recent");
  EXPECT_EQ(d["size"].GetInt(), 25);
  EXPECT_EQ(d["days"].GetInt(), 30);
  EXPECT_STREQ(d["created_at"].GetString(), "2026-12-07T23:40:01Z");
  ASSERT_EQ(d["tracks"].Size(), 2u);
  const auto& a = d["tracks"][0];
  EXPECT_EQ(a["position"].GetInt(), 1);
  EXPECT_EQ(a["track_id"].GetInt64(), 2);
  EXPECT_STREQ(a["artist"].GetString(), "Slowdive");
  EXPECT_STREQ(a["title"].GetString(), "When the Sun Hits");
  EXPECT_DOUBLE_EQ(a["score"].GetDouble(), 2.21349);
  EXPECT_EQ(a["seed_track_id"].GetInt64(), 1);
  EXPECT_EQ(a["shared_tags"].Size(), 0u);
  const auto& b = d["tracks"][1];
  EXPECT_TRUE(b["seed_track_id"].IsNull());
  ASSERT_EQ(b["shared_tags"].Size(), 2u);
  EXPECT_STREQ(b["shared_tags"][1].GetString(), "dream pop");
  EXPECT_STREQ(b["title"].GetString(), "Sight\nof You");
}

TEST(PlaylistReport, M3uIsWhatSimilarWrites) {
  EXPECT_EQ(playlist::FormatM3u(Sample()),
            "#EXTM3U\n"
            "#EXTINF:285,Slowdive - When the Sun Hits\nspotify:track:spSun\n"
            "#EXTINF:-1,Pale Saints - Sight of You\ntunefleet:track:8\n");
}

TEST(PlaylistReport, ListsNewestFirstAsGiven) {
  std::vector<playlist::PlaylistSummary> lists = {
      {.id = 3, .kind = "trending", .size = 10, .days = 7, .created_at = "2026-12-07T23:00:00Z", .tracks = 4}};
  EXPECT_EQ(playlist::FormatList("alice", lists),
            "1 playlist for alice, newest first:\n"
            "    id  kind            tracks  size  days  created\n"
            "     3  trending             4    10     7  2026-12-07T23:00:00Z\n");
  EXPECT_EQ(playlist::FormatList("bob", {}), "no playlists for bob\n");
  EXPECT_EQ(playlist::FormatListJson("alice", lists),
            "{\"user\":\"alice\",\"playlists\":[{\"id\":3,\"kind\":\"trending\",\"size\":10,\"days\":7,"
            "\"created_at\":\"2026-12-07T23:00:00Z\",\"tracks\":4}]}");
}

}  // namespace
