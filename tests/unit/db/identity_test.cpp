#include "common/db/identity.hpp"

#include <gtest/gtest.h>

namespace db {
namespace {

TEST(NameKey, LowerCasesAscii) { EXPECT_EQ(NameKey("Daft PUNK"), "daft punk"); }

TEST(NameKey, CollapsesAndTrimsWhitespace) {
  EXPECT_EQ(NameKey("  Around \t the\n\nWorld  "), "around the world");
  EXPECT_EQ(NameKey(" \t\r\n"), "");
  EXPECT_EQ(NameKey(""), "");
}

TEST(NameKey, LeavesNonAsciiBytesAndPunctuationAlone) {
  EXPECT_EQ(NameKey("Sigur Rós"), "sigur rós");
  EXPECT_EQ(NameKey("ÉCOLE"), "École");  // no Unicode case folding
  EXPECT_EQ(NameKey("AC/DC"), "ac/dc");
}

TEST(NameKey, DoesNotStripRemasterSuffixes) {
  EXPECT_EQ(NameKey("Heroes - 2017 Remaster"), "heroes - 2017 remaster");
  EXPECT_EQ(NameKey("Heroes (Remastered)"), "heroes (remastered)");
}

TEST(TrackNameKey, JoinsArtistAndTitleWithUnitSeparator) {
  EXPECT_EQ(TrackNameKey(" Daft Punk ", "One More  Time"), "daft punk\x1fone more time");
}

TEST(TrackIdentityKey, PrefersIsrcThenMbidThenSpotifyThenName) {
  TrackIdentity track{.artist = "Daft Punk",
                      .title = "One More Time",
                      .isrc = "GBDUW0000059",
                      .mbid = "5A9E5B4C-0000-4000-8000-000000000001",
                      .spotify_id = "0DiWol3AO6WpXZgp0goxAV"};
  EXPECT_EQ(*TrackIdentityKey(track), "isrc:GBDUW0000059");
  track.isrc = "";
  EXPECT_EQ(*TrackIdentityKey(track), "mbid:5a9e5b4c-0000-4000-8000-000000000001");
  track.mbid = "";
  EXPECT_EQ(*TrackIdentityKey(track), "spotify:0DiWol3AO6WpXZgp0goxAV");
  track.spotify_id = "";
  EXPECT_EQ(*TrackIdentityKey(track), "name:daft punk\x1fone more time");
}

TEST(TrackIdentityKey, NormalizesIsrcSpelling) {
  EXPECT_EQ(*TrackIdentityKey({.artist = "a", .title = "b", .isrc = " gb-duw-00-00059 "}),
            "isrc:GBDUW0000059");
}

TEST(TrackIdentityKey, TreatsWhitespaceOnlyIdsAsAbsent) {
  EXPECT_EQ(*TrackIdentityKey({.artist = "A", .title = "B", .isrc = " ", .spotify_id = "  "}),
            "name:a\x1f" "b");
}

TEST(TrackIdentityKey, FailsWithoutIdsAndWithoutATitle) {
  auto key = TrackIdentityKey({.artist = "Daft Punk", .title = "  "});
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().kind, core::ErrorKind::kInvalidInput);
}

TEST(AlbumIdentityKey, PrefersUpcThenMbidThenSpotifyThenDiscogsThenName) {
  AlbumIdentity album{.artist = "Daft Punk",
                      .title = "Discovery",
                      .upc = "0724384960650",
                      .mbid = "48117B82-0000-4000-8000-000000000002",
                      .spotify_id = "2noRn2Aes5aoNVsU6iWThc",
                      .discogs_id = 1234};
  EXPECT_EQ(*AlbumIdentityKey(album), "upc:724384960650");
  album.upc = "";
  EXPECT_EQ(*AlbumIdentityKey(album), "mbid:48117b82-0000-4000-8000-000000000002");
  album.mbid = "";
  EXPECT_EQ(*AlbumIdentityKey(album), "spotify:2noRn2Aes5aoNVsU6iWThc");
  album.spotify_id = "";
  EXPECT_EQ(*AlbumIdentityKey(album), "discogs:1234");
  album.discogs_id.reset();
  EXPECT_EQ(*AlbumIdentityKey(album), "name:daft punk\x1f" "discovery");
}

TEST(AlbumIdentityKey, UpcAndEanSpellingsOfOneCodeMatch) {
  EXPECT_EQ(*AlbumIdentityKey({.upc = "724384960650"}), *AlbumIdentityKey({.upc = "0724384960650"}));
}

TEST(AlbumIdentityKey, FailsWithoutIdsAndWithoutAnArtist) {
  EXPECT_FALSE(AlbumIdentityKey({.title = "Discovery"}));
}

}  // namespace
}  // namespace db
