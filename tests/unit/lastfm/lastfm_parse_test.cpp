// Last.fm parsers and record building on recorded answers (tests/data/lastfm/, SOURCES.md).
#include "workers/lastfm/lastfm_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/lastfm/test_data.hpp"

namespace lastfm {
namespace {

using lastfm_test::Data;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Names(const std::vector<normalize::WeightedTag>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) out.push_back(t.name);
  return out;
}
std::vector<double> Weights(const std::vector<normalize::WeightedTag>& tags) {
  std::vector<double> out;
  for (const auto& t : tags) out.push_back(t.weight);
  return out;
}

const normalize::Vocabulary& Vocab() { return normalize::Vocabulary::Default(); }

TEST(LastfmParse, TopTagsWithStringCounts) {
  auto tags = ParseTopTags(Data("if-artist-gettoptags-multiple.json"), "artist.getTopTags");
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(tags->artist, "Cristobal Tapia de Veer");
  EXPECT_THAT(Names(tags->tags), ElementsAre("electronic", "experimental", "Bandcamp", "ambient", "psychedelic"));
  EXPECT_THAT(Weights(tags->tags), ElementsAre(100, 100, 100, 50, 50));
}

TEST(LastfmParse, TopTagsWithNumericCounts) {
  auto tags = ParseTopTags(Data("own-track-gettoptags-numeric-counts.json"), "track.getTopTags");
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(tags->subject, "Slow Tide");
  EXPECT_THAT(Weights(tags->tags), ElementsAre(100, 61, 40, 22, 12, 0));
}

TEST(LastfmParse, SingleTagObjectIsOneTag) {
  auto tags = ParseTopTags(Data("if-artist-gettoptags-single-tag-object.json"), "artist.getTopTags");
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_THAT(Names(tags->tags), ElementsAre("electronic"));
  EXPECT_THAT(Weights(tags->tags), ElementsAre(100));
}

TEST(LastfmParse, EmptyTopTagsHaveNoTagsAndKeepTheArtist) {
  auto tags = ParseTopTags(Data("if-artist-gettoptags-empty.json"), "artist.getTopTags");
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_TRUE(tags->tags.empty());
  EXPECT_EQ(tags->artist, "Jamie Ryan");
}

TEST(LastfmParse, AlbumTopTagsNameTheAlbum) {
  auto tags = ParseTopTags(Data("if-album-gettoptags-cher-believe.json"), "album.getTopTags");
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(tags->artist, "Cher");
  EXPECT_EQ(tags->subject, "Believe");
  EXPECT_EQ(tags->tags.size(), 100u);
}

TEST(LastfmParse, OldAlbumInfoKeepsTagsUnderToptags) {
  auto album = ParseAlbumInfo(Data("if-album-getinfo-madonna-ray-of-light.json"), "album.getInfo");
  ASSERT_TRUE(album) << album.error().message;
  EXPECT_EQ(album->title, "Ray of Light");
  EXPECT_EQ(album->artist, "Madonna");
  EXPECT_EQ(album->mbid, "ddb3168d-66a9-4b2d-af02-05278da8a23d");
  EXPECT_EQ(album->total_tracks, 13);
  EXPECT_THAT(Names(album->tags), ElementsAre("albums i own", "pop", "electronic", "dance", "madonna"));
}

TEST(LastfmParse, CurrentAlbumInfoHasTagsWithoutCounts) {
  auto album = ParseAlbumInfo(Data("own-album-getinfo-current.json"), "album.getInfo");
  ASSERT_TRUE(album) << album.error().message;
  EXPECT_EQ(album->mbid, "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
  EXPECT_EQ(album->total_tracks, 2);
  EXPECT_THAT(Weights(album->tags), ElementsAre(1, 1, 1, 1, 1));
}

TEST(LastfmParse, AlbumInfoWithEmptyStringTagsHasNoTagsAndNoMbid) {
  auto album = ParseAlbumInfo(Data("own-album-getinfo-tags-empty-string.json"), "album.getInfo");
  ASSERT_TRUE(album) << album.error().message;
  EXPECT_TRUE(album->tags.empty());
  EXPECT_FALSE(album->mbid.has_value());
  EXPECT_FALSE(album->total_tracks.has_value());
}

TEST(LastfmParse, TrackInfoGivesDurationMbidAndAlbum) {
  auto track = ParseTrackInfo(Data("own-track-getinfo.json"), "track.getInfo");
  ASSERT_TRUE(track) << track.error().message;
  EXPECT_EQ(track->title, "Slow Tide");
  EXPECT_EQ(track->artist, "Velvet Hum");
  EXPECT_EQ(track->duration_ms, 263000);
  EXPECT_EQ(track->mbid, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  EXPECT_EQ(track->album, "Undertow");
  EXPECT_EQ(track->url, "https://www.last.fm/music/Velvet+Hum/_/Slow+Tide");
}

TEST(LastfmParse, TrackInfoWithZeroDurationAndEmptyMbidLeavesThemOut) {
  auto track = ParseTrackInfo(Data("own-track-getinfo-unknown-duration.json"), "track.getInfo");
  ASSERT_TRUE(track) << track.error().message;
  EXPECT_FALSE(track->duration_ms.has_value());
  EXPECT_FALSE(track->mbid.has_value());
  EXPECT_FALSE(track->album.has_value());
}

TEST(LastfmParse, ArtistInfoTags) {
  auto artist = ParseArtistInfo(Data("koel-artist-getinfo-kamelot.json"), "artist.getInfo");
  ASSERT_TRUE(artist) << artist.error().message;
  EXPECT_EQ(artist->name, "Kamelot");
  EXPECT_FALSE(artist->tags.empty());
}

TEST(LastfmErrors, ErrorSixIsNotFound) {
  for (const char* file : {"koel-error-6-album-not-found.json", "own-error-6-artist-not-found.json"}) {
    auto error = ClassifyBody(Data(file), "album.getInfo");
    ASSERT_TRUE(error.has_value()) << file;
    EXPECT_EQ(error->kind, core::ErrorKind::kNotFound) << file;
    auto parsed = ParseAlbumInfo(Data(file), "album.getInfo");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().kind, core::ErrorKind::kNotFound);
  }
}

TEST(LastfmErrors, RateLimitAndOfflineAreTransient) {
  auto limited = ClassifyBody(Data("own-error-29-rate-limit.json"), "track.getTopTags");
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->kind, core::ErrorKind::kTransient);
  EXPECT_TRUE(limited->retry_after.has_value());
  auto offline = ClassifyBody(Data("own-error-11-offline.json"), "track.getTopTags");
  ASSERT_TRUE(offline.has_value());
  EXPECT_EQ(offline->kind, core::ErrorKind::kTransient);
  EXPECT_EQ(ErrorFor(16, "Temporarily unavailable", "x").kind, core::ErrorKind::kTransient);
}

TEST(LastfmErrors, BadApiKeyIsPermanentAndNamesTheVariable) {
  auto error = ClassifyBody(Data("own-error-10-invalid-key.json"), "track.getTopTags");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(error->message, HasSubstr("TUNEFLEET_LASTFM_API_KEY"));
  EXPECT_THAT(error->message, HasSubstr("track.getTopTags"));
  EXPECT_TRUE(IsApiKeyError(10));
  EXPECT_TRUE(IsApiKeyError(26));
  EXPECT_EQ(ErrorFor(26, "Suspended API key", "x").kind, core::ErrorKind::kInvalidInput);
  EXPECT_EQ(ErrorCode(Data("own-error-10-invalid-key.json")), 10);
}

TEST(LastfmErrors, NormalAnswersPassTheClassifier) {
  EXPECT_FALSE(ClassifyBody(Data("if-artist-gettoptags-multiple.json"), "artist.getTopTags").has_value());
  EXPECT_FALSE(ClassifyBody(Data("if-artist-gettoptags-empty.json"), "artist.getTopTags").has_value());
}

TEST(LastfmErrors, UnusableBodiesAreTransientNamingTheEndpoint) {
  struct Case {
    const char* file;
    const char* why;
  };
  for (auto c : {Case{"malformed-truncated.json", "malformed JSON"}, Case{"malformed-html.html", "HTML"},
                 Case{"malformed-empty.json", "empty body"}, Case{"malformed-array.json", "JSON object"}}) {
    auto classified = ClassifyBody(Data(c.file), "track.getTopTags");
    ASSERT_TRUE(classified.has_value()) << c.file;
    EXPECT_EQ(classified->kind, core::ErrorKind::kTransient) << c.file;
    EXPECT_THAT(classified->message, HasSubstr("lastfm track.getTopTags")) << c.file;
    EXPECT_THAT(classified->message, HasSubstr(c.why)) << c.file;
    auto parsed = ParseTopTags(Data(c.file), "track.getTopTags");
    ASSERT_FALSE(parsed) << c.file;
    EXPECT_EQ(parsed.error().kind, core::ErrorKind::kTransient) << c.file;
  }
}

TEST(LastfmErrors, UnexpectedTypesAreInvalidInput) {
  auto parsed = ParseTopTags(Data("malformed-tag-number.json"), "track.getTopTags");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(parsed.error().message, HasSubstr("tag"));
  auto wrong_root = ParseTrackInfo(Data("if-artist-gettoptags-multiple.json"), "track.getInfo");
  ASSERT_FALSE(wrong_root);
  EXPECT_THAT(wrong_root.error().message, HasSubstr("/track is missing"));
  auto not_object = ParseAlbumInfo(R"({"album":"x"})", "album.getInfo");
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().kind, core::ErrorKind::kInvalidInput);
}

json::TrackJob VelvetHumJob() {
  return {.job_id = "j1", .trace_id = "t1", .artist = "velvet hum", .title = "slow tide"};
}

TEST(LastfmRecord, TrackTagsBecomeGenresAndMoodsWithoutJunkOrTheArtist) {
  TrackAnswers answers;
  answers.track_tags = *ParseTopTags(Data("own-track-gettoptags-numeric-counts.json"), "track.getTopTags");
  answers.info = *ParseTrackInfo(Data("own-track-getinfo.json"), "track.getInfo");
  answers.raw = {{"track.getTopTags", "{}"}, {"track.getInfo", "{\"a\":1}"}};
  auto r = TrackRecordFrom(VelvetHumJob(), answers, Vocab());
  EXPECT_EQ(r.status, catalog::SourceStatus::kOk);
  EXPECT_EQ(r.provider, "lastfm");
  EXPECT_EQ(r.job_id, "j1");
  EXPECT_EQ(r.ref.artist, "velvet hum");
  ASSERT_FALSE(r.genres.empty());
  EXPECT_EQ(r.genres.front(), "shoegaze");
  EXPECT_THAT(r.genres, Contains("dream pop"));
  EXPECT_THAT(r.genres, Not(Contains("velvet hum")));
  EXPECT_THAT(r.genres, Not(Contains("seen live")));
  EXPECT_THAT(r.moods, Contains("dreamy"));
  EXPECT_EQ(r.fields.title, "Slow Tide");
  EXPECT_EQ(r.fields.duration_ms, 263000);
  EXPECT_EQ(r.fields.mbid, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  EXPECT_EQ(r.fields.artist_credit, "Velvet Hum");  // Last.fm's corrected spelling
  EXPECT_EQ(r.external_id, "https://www.last.fm/music/Velvet+Hum/_/Slow+Tide");
  EXPECT_EQ(r.raw_json, R"({"track.getTopTags":{},"track.getInfo":{"a":1}})");
}

TEST(LastfmRecord, TrackWithoutTagsFallsBackToArtistTags) {
  TrackAnswers answers;
  answers.track_tags = TopTags{"Cristobal Tapia de Veer", "Some Track", {}};
  answers.artist_tags = *ParseTopTags(Data("if-artist-gettoptags-multiple.json"), "artist.getTopTags");
  json::TrackJob job{.job_id = "j2", .artist = "Cristobal Tapia de Veer", .title = "Some Track"};
  auto r = TrackRecordFrom(job, answers, Vocab());
  // "experimental" and "psychedelic" are the vocabulary's "... music" genres.
  EXPECT_THAT(r.genres, ElementsAre("electronic", "experimental music", "ambient", "psychedelic music"));
}

TEST(LastfmRecord, TrackWithNoTagsAnywhereIsOkWithoutGenres) {
  TrackAnswers answers;
  answers.track_tags = TopTags{"A", "B", {}};
  answers.artist_tags = *ParseTopTags(Data("if-artist-gettoptags-empty.json"), "artist.getTopTags");
  auto r = TrackRecordFrom({.job_id = "j3", .artist = "A", .title = "B"}, answers, Vocab());
  EXPECT_EQ(r.status, catalog::SourceStatus::kOk);
  EXPECT_TRUE(r.genres.empty());
  EXPECT_TRUE(r.moods.empty());
}

TEST(LastfmRecord, AlbumDropsTheArtistsOwnNameTag) {
  AlbumAnswers answers;
  answers.info = *ParseAlbumInfo(Data("if-album-getinfo-madonna-ray-of-light.json"), "album.getInfo");
  json::AlbumJob job{.job_id = "a1", .artist = "Madonna", .album = "Ray of Light"};
  auto r = AlbumRecordFrom(job, answers, Vocab());
  EXPECT_EQ(r.status, catalog::SourceStatus::kOk);
  EXPECT_THAT(r.genres, Contains("pop"));
  EXPECT_THAT(r.genres, Contains("electronic"));
  EXPECT_THAT(r.genres, Not(Contains("madonna")));
  EXPECT_EQ(r.fields.mbid, "ddb3168d-66a9-4b2d-af02-05278da8a23d");
  EXPECT_EQ(r.fields.total_tracks, 13);
  EXPECT_FALSE(r.fields.artist_credit.has_value());  // same spelling as the job
}

TEST(LastfmRecord, NotFoundRecordsCarryTheJob) {
  json::TrackJob job{.job_id = "j4", .artist = "Nobody", .title = "Nothing", .isrc = "GBXYZ1600123"};
  auto r = NotFoundTrack(job);
  EXPECT_EQ(r.status, catalog::SourceStatus::kNotFound);
  EXPECT_EQ(r.provider, "lastfm");
  EXPECT_EQ(r.ref.isrc, "GBXYZ1600123");
  EXPECT_TRUE(r.genres.empty());
  auto a = NotFoundAlbum({.job_id = "a2", .artist = "Nobody", .album = "Nothing"});
  EXPECT_EQ(a.status, catalog::SourceStatus::kNotFound);
  EXPECT_EQ(a.ref.title, "Nothing");
}

TEST(LastfmRequests, MethodUrlEncodesEveryParameter) {
  auto url = MethodUrl("http://127.0.0.1:9/lastfm/", "track.getTopTags",
                       {{"artist", "AC/DC"}, {"track", "Rock & Roll + more=yes"}, {"autocorrect", "1"}}, "k3y");
  EXPECT_EQ(url,
            "http://127.0.0.1:9/lastfm/2.0/?method=track.getTopTags&artist=AC%2FDC"
            "&track=Rock%20%26%20Roll%20%2B%20more%3Dyes&autocorrect=1&api_key=k3y&format=json");
}

TEST(LastfmRequests, KeyPartFoldsCaseAndSpaces) {
  EXPECT_EQ(KeyPart("  The   Killers "), "the%20killers");
  EXPECT_EQ(KeyPart("Sigur Rós"), KeyPart("sigur rós"));
}

TEST(LastfmNormalize, RecognizesEachShape) {
  struct Case {
    const char* file;
    const char* shape;
  };
  for (auto c : {Case{"if-artist-gettoptags-multiple.json", "toptags"}, Case{"own-track-getinfo.json", "track"},
                 Case{"own-album-getinfo-current.json", "album"}, Case{"koel-artist-getinfo-kamelot.json", "artist"},
                 Case{"koel-error-6-album-not-found.json", "error"}}) {
    auto n = Normalize(Data(c.file), Vocab());
    ASSERT_TRUE(n) << c.file << ": " << n.error().message;
    EXPECT_EQ(n->shape, c.shape) << c.file;
  }
  auto error = Normalize(Data("own-error-29-rate-limit.json"), Vocab());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error_code, 29);
  EXPECT_EQ(error->error->kind, core::ErrorKind::kTransient);
  auto unknown = Normalize(R"({"results":{}})", Vocab());
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message, HasSubstr("not a Last.fm answer"));
}

}  // namespace
}  // namespace lastfm
