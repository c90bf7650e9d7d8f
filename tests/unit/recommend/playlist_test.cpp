#include <gtest/gtest.h>

#include "workers/recommend/similar_reader.hpp"

namespace recommend {
namespace {

TEST(M3uLocation, SpotifyThenMusicBrainzThenCatalogId) {
  TrackSummary t;
  t.id = 42;
  t.spotify_id = "4uLU6hMCjMI75M1A2tKUQC";
  t.mbid = "0f3ef23d-8ee3-4bd5-9a5f-8b9a4b7a8e0c";
  EXPECT_EQ(M3uLocation(t), "spotify:track:4uLU6hMCjMI75M1A2tKUQC");
  t.spotify_id.clear();
  EXPECT_EQ(M3uLocation(t), "https://musicbrainz.org/recording/0f3ef23d-8ee3-4bd5-9a5f-8b9a4b7a8e0c");
  t.mbid.clear();
  EXPECT_EQ(M3uLocation(t), "tunefleet:track:42");
}

TEST(FormatM3u, ExtendedHeaderSecondsAndNames) {
  TrackSummary a;
  a.id = 1;
  a.artist = "Slowdive";
  a.title = "Alison";
  a.duration_ms = 230'600;
  a.spotify_id = "abc";
  TrackSummary b;
  b.id = 2;
  b.artist = "Ride";
  b.title = "Vapour\nTrail";
  EXPECT_EQ(FormatM3u({a, b}),
            "#EXTM3U\n"
            "#EXTINF:231,Slowdive - Alison\n"
            "spotify:track:abc\n"
            "#EXTINF:-1,Ride - Vapour Trail\n"
            "tunefleet:track:2\n");
}

}  // namespace
}  // namespace recommend
