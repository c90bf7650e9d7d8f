// MusicBrainz parsers, Lucene escaping and record building (tests/data/musicbrainz/, SOURCES.md).
#include "workers/musicbrainz/musicbrainz_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace musicbrainz {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Data(const std::string& name) {
  std::string path = std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/musicbrainz/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing test data " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const normalize::Vocabulary& Vocab() { return normalize::Vocabulary::Default(); }

TEST(LuceneEscape, EscapesEverySpecialCharacter) {
  EXPECT_EQ(EscapeLucene(R"(+ - && || ! ( ) { } [ ] ^ " ~ * ? : \ /)"),
            R"(\+ \- \&\& \|\| \! \( \) \{ \} \[ \] \^ \" \~ \* \? \: \\ \/)");
  EXPECT_EQ(EscapeLucene("Plain Title 42"), "Plain Title 42");
  EXPECT_EQ(EscapeLucene("AC/DC"), R"(AC\/DC)");
}

TEST(LuceneEscape, QueriesQuoteEscapedValues) {
  EXPECT_EQ(RecordingQuery("Guns N' Roses", R"(Sweet Child o' Mine (Live) "B-side")"),
            R"(recording:"Sweet Child o' Mine \(Live\) \"B\-side\"" AND artist:"Guns N' Roses")");
  EXPECT_EQ(ReleaseGroupQuery("AC/DC", "Back in Black"), R"(releasegroup:"Back in Black" AND artist:"AC\/DC")");
}

TEST(MusicBrainzRequests, UrlsPercentEncodeTheQuery) {
  EXPECT_EQ(RecordingSearchUrl("http://h/musicbrainz/", "A&B", "x y"),
            "http://h/musicbrainz/ws/2/recording?query=recording%3A%22x%20y%22%20AND%20artist%3A%22A%5C%26B%22"
            "&limit=5&fmt=json");
  EXPECT_EQ(IsrcUrl("https://musicbrainz.org", "GBXYZ1600123"),
            "https://musicbrainz.org/ws/2/isrc/GBXYZ1600123?inc=artist-credits+tags+genres&fmt=json");
  EXPECT_EQ(RecordingUrl("https://musicbrainz.org", "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9"),
            "https://musicbrainz.org/ws/2/recording/3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9"
            "?inc=tags+genres+isrcs+artist-credits+releases&fmt=json");
}

TEST(MusicBrainzParse, RecordingLookupWithTagsGenresAndIsrcs) {
  auto r = ParseRecording(Data("own-recording-lookup-tags-isrcs.json"), "recording");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9");
  EXPECT_EQ(r->title, "Harbour Lights");
  EXPECT_EQ(r->length_ms, 254000);
  EXPECT_EQ(r->first_release_date, "2016-03-11");
  EXPECT_EQ(r->artist_credit, "Mara Quill");
  EXPECT_THAT(r->isrcs, ElementsAre("GBXYZ1600123"));
  EXPECT_EQ(r->tags.size(), 4u);
  ASSERT_EQ(r->genres.size(), 2u);
  EXPECT_EQ(r->genres[0].name, "folk");
  EXPECT_EQ(r->genres[0].weight, 4);
  EXPECT_FALSE(NeedsLookup(*r));
}

TEST(MusicBrainzParse, MultiArtistCreditJoinsNamesWithJoinPhrases) {
  auto r = ParseRecording(Data("own-recording-lookup-multi-artist-credit.json"), "recording");
  ASSERT_TRUE(r) << r.error().message;
  // The credited name ("Ire") wins over the artist's name ("Ire Adebayo").
  EXPECT_EQ(r->artist_credit, "DJ Okapi feat. Ire & The Harmattan Choir");
  EXPECT_TRUE(r->tags.empty());
  EXPECT_TRUE(NeedsLookup(*r));
}

TEST(MusicBrainzParse, EmptyTagsNullLengthAndNullRating) {
  auto r = ParseRecording(Data("own-recording-lookup-empty-tags-rating-null.json"), "recording");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->tags.empty());
  EXPECT_TRUE(r->genres.empty());
  EXPECT_FALSE(r->length_ms.has_value());
  EXPECT_EQ(r->first_release_date, "2001-05-14");  // the earliest dated release
}

TEST(MusicBrainzParse, ReleaseGroupLookup) {
  auto g = ParseReleaseGroup(Data("own-release-group-lookup-tags-rating.json"), "release-group");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->title, "Undertow");
  EXPECT_EQ(g->primary_type, "Album");
  EXPECT_EQ(g->first_release_date, "1994-02");
  EXPECT_EQ(g->artist_credit, "Velvet Hum");
  EXPECT_EQ(g->genres.size(), 2u);
}

TEST(MusicBrainzParse, IsrcLookupListsRecordings) {
  auto list = ParseIsrc(Data("own-isrc-lookup.json"), "isrc");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].title, "Harbour Lights");
}

TEST(MusicBrainzParse, SearchPicksTheBestScoreAndPrefersTheExactTitle) {
  auto list = ParseRecordingSearch(Data("own-recording-search.json"), "recording-search");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].score, 100);  // "100" as a string
  const Recording* best = BestRecording(*list, "harbour lights");
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->id, "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9");  // first of the two 100s
  EXPECT_FALSE(NeedsLookup(*best));
  auto empty = ParseRecordingSearch(Data("own-recording-search-empty.json"), "recording-search");
  ASSERT_TRUE(empty);
  EXPECT_EQ(BestRecording(*empty, "x"), nullptr);
  auto untagged = ParseRecordingSearch(Data("own-recording-search-untagged.json"), "recording-search");
  ASSERT_TRUE(untagged);
  EXPECT_TRUE(NeedsLookup(*BestRecording(*untagged, "Harbour Lights")));
}

TEST(MusicBrainzParse, ReleaseGroupSearch) {
  auto list = ParseReleaseGroupSearch(Data("own-release-group-search.json"), "release-group-search");
  ASSERT_TRUE(list) << list.error().message;
  const ReleaseGroup* best = BestReleaseGroup(*list, "Undertow");
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->id, "18b9c0d1-e2f3-4a4b-8c5d-6e7f8a9b0c1d");
  EXPECT_FALSE(NeedsLookup(*best));
}

TEST(MusicBrainzErrors, UnusableBodiesAreTransientNamingTheEndpoint) {
  struct Case {
    const char* file;
    const char* why;
  };
  for (auto c : {Case{"malformed-truncated.json", "malformed JSON"}, Case{"malformed-html.html", "HTML"},
                 Case{"malformed-empty.json", "empty body"}}) {
    auto classified = ClassifyBody(Data(c.file), "recording");
    ASSERT_TRUE(classified.has_value()) << c.file;
    EXPECT_EQ(classified->kind, core::ErrorKind::kTransient) << c.file;
    EXPECT_THAT(classified->message, HasSubstr("musicbrainz recording")) << c.file;
    EXPECT_THAT(classified->message, HasSubstr(c.why)) << c.file;
    auto parsed = ParseRecording(Data(c.file), "recording");
    ASSERT_FALSE(parsed) << c.file;
    EXPECT_EQ(parsed.error().kind, core::ErrorKind::kTransient);
  }
  EXPECT_FALSE(ClassifyBody(Data("own-recording-search.json"), "recording-search").has_value());
}

TEST(MusicBrainzErrors, UnexpectedTypesAreInvalidInput) {
  auto list = ParseRecordingSearch(Data("malformed-recordings-object.json"), "recording-search");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(list.error().message, HasSubstr("/recordings is an object, expected an array"));
  auto tags = ParseRecording(Data("malformed-tags-string.json"), "recording");
  ASSERT_FALSE(tags);
  EXPECT_THAT(tags.error().message, HasSubstr("/tags is a string, expected an array"));
  auto no_id = ParseRecording(R"({"title":"x"})", "recording");
  ASSERT_FALSE(no_id);
  EXPECT_THAT(no_id.error().message, HasSubstr("/id is missing"));
}

TEST(MusicBrainzRecord, TrackRecordHasIdsDatesCreditAndVocabularyGenres) {
  auto rec = *ParseRecording(Data("own-recording-lookup-tags-isrcs.json"), "recording");
  json::TrackJob job{.job_id = "j1", .artist = "Mara Quill", .title = "Harbour Lights"};
  auto r = TrackRecordFrom(job, rec, "{\"raw\":1}", Vocab());
  EXPECT_EQ(r.status, catalog::SourceStatus::kOk);
  EXPECT_EQ(r.provider, "musicbrainz");
  EXPECT_EQ(r.external_id, "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9");
  EXPECT_EQ(r.fields.mbid, "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9");
  EXPECT_EQ(r.fields.isrc, "GBXYZ1600123");
  EXPECT_EQ(r.fields.title, "Harbour Lights");
  EXPECT_EQ(r.fields.duration_ms, 254000);
  EXPECT_EQ(r.fields.release_date, "2016-03-11");
  EXPECT_EQ(r.fields.artist_credit, "Mara Quill");
  ASSERT_FALSE(r.genres.empty());
  EXPECT_EQ(r.genres.front(), "folk music");  // "folk" (8 votes) is the vocabulary's "folk music"
  EXPECT_EQ(r.genres, Vocab().Classify({{"folk", 8}, {"indie folk", 4}, {"melancholy", 1}}).genres);
  EXPECT_THAT(r.genres, Not(Contains("mara quill")));
  EXPECT_THAT(r.moods, Contains("melancholic"));
  EXPECT_EQ(r.raw_json, "{\"raw\":1}");
}

TEST(MusicBrainzRecord, RecordsCarryTheFirstCreditedArtistsMbidWhenItIsTheJobsArtist) {
  auto rec = *ParseRecording(Data("own-recording-lookup-tags-isrcs.json"), "recording");
  auto r = TrackRecordFrom({.job_id = "j", .artist = "mara  QUILL", .title = "Harbour Lights"}, rec, "", Vocab());
  EXPECT_EQ(r.fields.artist_mbid, "8c7b6a59-4e3d-4c2b-a190-f8e7d6c5b4a3");
  EXPECT_FALSE(TrackRecordFrom({.job_id = "j", .artist = "Other", .title = "Harbour Lights"}, rec, "", Vocab())
                   .fields.artist_mbid);
  // Only the first credit: a featured artist's id never lands on the job's artist.
  auto multi = *ParseRecording(Data("own-recording-lookup-multi-artist-credit.json"), "recording");
  EXPECT_EQ(TrackRecordFrom({.job_id = "j", .artist = "DJ Okapi", .title = "t"}, multi, "", Vocab()).fields.artist_mbid,
            "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
  EXPECT_FALSE(TrackRecordFrom({.job_id = "j", .artist = "Ire", .title = "t"}, multi, "", Vocab()).fields.artist_mbid);
  auto g = *ParseReleaseGroup(Data("own-release-group-lookup-tags-rating.json"), "release-group");
  EXPECT_EQ(AlbumRecordFrom({.job_id = "a", .artist = "Velvet Hum", .album = "Undertow"}, g, "", Vocab())
                .fields.artist_mbid,
            "07a8b9c0-d1e2-4f3a-8b4c-5d6e7f8a9b0c");
  EXPECT_FALSE(AlbumRecordFrom({.job_id = "a", .artist = "Velvet Hums", .album = "Undertow"}, g, "", Vocab())
                   .fields.artist_mbid);
}

TEST(MusicBrainzRecord, TheJobsIsrcWins) {
  auto rec = *ParseRecording(Data("own-recording-lookup-tags-isrcs.json"), "recording");
  json::TrackJob job{.job_id = "j1", .artist = "Mara Quill", .title = "Harbour Lights", .isrc = "USABC1234567"};
  EXPECT_EQ(TrackRecordFrom(job, rec, "", Vocab()).fields.isrc, "USABC1234567");
}

TEST(MusicBrainzRecord, EmptyTagsGiveNoGenres) {
  auto rec = *ParseRecording(Data("own-recording-lookup-empty-tags-rating-null.json"), "recording");
  auto r = TrackRecordFrom({.job_id = "j", .artist = "Tom Verity", .title = "Counting Sheep"}, rec, "", Vocab());
  EXPECT_TRUE(r.genres.empty());
  EXPECT_FALSE(r.fields.duration_ms.has_value());
  EXPECT_FALSE(r.raw_json.has_value());
}

TEST(MusicBrainzRecord, AlbumRecordFromReleaseGroup) {
  auto g = *ParseReleaseGroup(Data("own-release-group-lookup-tags-rating.json"), "release-group");
  auto r = AlbumRecordFrom({.job_id = "a", .artist = "Velvet Hum", .album = "Undertow"}, g, "", Vocab());
  EXPECT_EQ(r.fields.mbid, "18b9c0d1-e2f3-4a4b-8c5d-6e7f8a9b0c1d");
  EXPECT_EQ(r.fields.release_date, "1994-02");
  EXPECT_THAT(r.genres, ElementsAre("shoegaze", "dream pop"));
  auto missing = NotFoundAlbum({.job_id = "a", .artist = "X", .album = "Y"});
  EXPECT_EQ(missing.status, catalog::SourceStatus::kNotFound);
}

TEST(MusicBrainzNormalize, RecognizesEachShape) {
  struct Case {
    const char* file;
    const char* shape;
  };
  for (auto c : {Case{"own-recording-lookup-tags-isrcs.json", "recording"}, Case{"own-isrc-lookup.json", "isrc"},
                 Case{"own-recording-search.json", "recording-search"},
                 Case{"own-release-group-lookup-tags-rating.json", "release-group"},
                 Case{"own-release-group-search.json", "release-group-search"}, Case{"own-error-404.json", "error"}}) {
    auto n = Normalize(Data(c.file), Vocab());
    ASSERT_TRUE(n) << c.file << ": " << n.error().message;
    EXPECT_EQ(n->shape, c.shape) << c.file;
  }
  auto not_found = Normalize(Data("own-error-404.json"), Vocab());
  EXPECT_EQ(not_found->error->kind, core::ErrorKind::kNotFound);
  auto limited = Normalize(Data("own-error-503-rate-limit.json"), Vocab());
  EXPECT_EQ(limited->error->kind, core::ErrorKind::kTransient);
  auto release = Normalize(Data("koel-release-lookup-inc-recordings.json"), Vocab());
  ASSERT_FALSE(release);  // a release (not a release group) is not something this worker asks for
  EXPECT_THAT(release.error().message, HasSubstr("not a MusicBrainz answer"));
}


// --- release lookups: the album's tracklist ---------------------------------------------------

// koel's recorded /release/{mbid}?inc=recordings answer (Aerosmith, 1976 LP, one vinyl medium
// of 8 tracks, no ISRCs or artist credits asked for).
TEST(MusicBrainzRelease, RecordedLpGivesEightPositionsWithRecordingIds) {
  auto release = ParseRelease(Data("koel-release-lookup-inc-recordings.json"), "release", "Aerosmith");
  ASSERT_TRUE(release) << release.error().message;
  EXPECT_EQ(release->id, "390133b4-7060-4ae3-a451-ca81ce4b7f45");
  EXPECT_EQ(release->title, "Aerosmith");
  ASSERT_EQ(release->tracklist.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(release->tracklist[i].disc, 1);
    EXPECT_EQ(release->tracklist[i].position, static_cast<int>(i + 1));
    EXPECT_EQ(release->tracklist[i].ref.artist, "Aerosmith") << "no credits in the answer: the job's artist";
    EXPECT_EQ(release->tracklist[i].ref.album, "Aerosmith");
    EXPECT_FALSE(release->tracklist[i].ref.isrc) << "inc=recordings without isrcs";
    EXPECT_TRUE(release->tracklist[i].ref.mbid);
  }
  const auto& first = release->tracklist.front();
  EXPECT_EQ(first.ref.title, "Make It");
  EXPECT_EQ(first.ref.mbid, "fe67ff29-a470-4c5c-9b0a-080162bae8dd");
  EXPECT_EQ(first.duration_ms, 225000) << "the track's length, not the recording's 220666";
  EXPECT_EQ(release->tracklist[2].ref.title, "Dream On");
  EXPECT_EQ(release->tracklist[6].ref.title, "Movin\u2019 Out");
  EXPECT_EQ(release->tracklist[7].ref.mbid, "efba3bd5-1408-4c0d-be5b-125761cc857b");
}

TEST(MusicBrainzRelease, TwoDiscsKeepTheirMediumPositionsAndSkipTheVideo) {
  auto release = ParseRelease(Data("own-release-lookup-two-discs-compilation.json"), "release", "Various Artists");
  ASSERT_TRUE(release) << release.error().message;
  EXPECT_EQ(release->id, "5a1b2c3d-0000-4000-8000-00000000c0de") << "lower-cased";
  ASSERT_EQ(release->tracklist.size(), 4u) << "disc 1 track 3 is a video recording";
  std::vector<std::pair<int, int>> positions;
  for (const auto& t : release->tracklist) positions.emplace_back(t.disc, t.position);
  EXPECT_THAT(positions, ElementsAre(std::pair{1, 1}, std::pair{1, 2}, std::pair{2, 1}, std::pair{2, 2}));
  for (const auto& t : release->tracklist) EXPECT_EQ(t.ref.album, "Harbour Nights: The Collection");
}

TEST(MusicBrainzRelease, CompilationTracksTakeTheirFirstCreditedArtistRecordingIdAndFirstWellFormedIsrc) {
  auto release = ParseRelease(Data("own-release-lookup-two-discs-compilation.json"), "release", "Various Artists");
  ASSERT_TRUE(release) << release.error().message;
  ASSERT_EQ(release->tracklist.size(), 4u);
  const auto& a = release->tracklist[0];
  EXPECT_EQ(a.ref.title, "Harbour Lights");
  EXPECT_EQ(a.ref.artist, "Mara Quill") << "the first credit, not \"Mara Quill feat. Ire\"";
  EXPECT_EQ(a.ref.mbid, "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9") << "lower-cased";
  EXPECT_EQ(a.ref.isrc, "GBTFA1700001") << "the first ISRC";
  EXPECT_EQ(a.duration_ms, 241000);
  const auto& b = release->tracklist[1];
  EXPECT_EQ(b.ref.artist, "DJ Okapi");
  EXPECT_EQ(b.ref.isrc, "DEAB31800077") << "a malformed ISRC would fail the tracks CHECK: skipped";
  EXPECT_EQ(b.duration_ms, 198000) << "a null track length: the recording's";
  const auto& c = release->tracklist[2];
  EXPECT_EQ(c.ref.artist, "The Harmattan Choir");
  EXPECT_FALSE(c.ref.isrc) << "no isrcs member";
  EXPECT_EQ(c.ref.mbid, "1d5e4f3a-2b1c-4d0e-9f8a-8b7c6d5e4f3a");
}

TEST(MusicBrainzRelease, ATrackWithoutRecordingIsANameOnlyEntry) {
  auto release = ParseRelease(Data("own-release-lookup-two-discs-compilation.json"), "release", "Various Artists");
  ASSERT_TRUE(release) << release.error().message;
  ASSERT_EQ(release->tracklist.size(), 4u);
  const auto& hidden = release->tracklist[3];
  EXPECT_EQ(hidden.disc, 2);
  EXPECT_EQ(hidden.position, 2);
  EXPECT_EQ(hidden.ref.title, "Hidden Track");
  EXPECT_EQ(hidden.ref.artist, "Various Artists") << "no credit of its own: the release's";
  EXPECT_FALSE(hidden.ref.mbid);
  EXPECT_FALSE(hidden.ref.isrc);
  EXPECT_EQ(hidden.duration_ms, 61000);
}

TEST(MusicBrainzRelease, MediaWithoutTracksGiveNoEntries) {
  auto release = ParseRelease(
      R"({"id":"5a1b2c3d-0000-4000-8000-00000000c0de","title":"X","media":[{"position":1,"track-count":9}]})", "release",
      "A");
  ASSERT_TRUE(release) << release.error().message;
  EXPECT_TRUE(release->tracklist.empty());
}

TEST(MusicBrainzRelease, MalformedBodiesArePermanentOrTransientLikeTheOtherAnswers) {
  auto object = ParseRelease(Data("malformed-release-media-object.json"), "release", "A");
  ASSERT_FALSE(object);
  EXPECT_EQ(object.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(object.error().message, HasSubstr("musicbrainz release"));
  EXPECT_THAT(object.error().message, HasSubstr("/media"));
  auto recording = ParseRelease(
      R"({"id":"5a1b2c3d-0000-4000-8000-00000000c0de","title":"X","media":[{"position":1,"tracks":[{"position":1,"title":"T","recording":"x"}]}]})",
      "release", "A");
  ASSERT_FALSE(recording);
  EXPECT_EQ(recording.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(recording.error().message, HasSubstr("/media/0/tracks/0/recording"));
  auto html = ParseRelease(Data("malformed-html.html"), "release", "A");
  ASSERT_FALSE(html);
  EXPECT_EQ(html.error().kind, core::ErrorKind::kTransient);
  auto truncated = ParseRelease(Data("malformed-truncated.json"), "release", "A");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().kind, core::ErrorKind::kTransient);
}

TEST(MusicBrainzRelease, ReleaseUrlAsksForRecordingsIsrcsAndCredits) {
  EXPECT_EQ(ReleaseUrl("https://musicbrainz.org/", "390133b4-7060-4ae3-a451-ca81ce4b7f45"),
            "https://musicbrainz.org/ws/2/release/390133b4-7060-4ae3-a451-ca81ce4b7f45"
            "?inc=recordings+isrcs+artist-credits&fmt=json");
  EXPECT_THAT(ReleaseGroupUrl("https://musicbrainz.org", "x"), HasSubstr("inc=tags+genres+artist-credits+releases&"));
}

TEST(MusicBrainzRelease, ReleaseGroupLookupListsItsReleases) {
  auto group = ParseReleaseGroup(
      R"({"id":"c9fdb94c-4975-4ed6-a96f-ef6d80bb7738","title":"Rocks","primary-type":"Album","releases":[)"
      R"({"id":"r1","title":"Rocks","status":"Official","date":"1976-05-03","barcode":"074643432428"},)"
      R"({"id":"r2","title":"Rocks","status":null,"date":"","barcode":null}]})",
      "release-group");
  ASSERT_TRUE(group) << group.error().message;
  ASSERT_EQ(group->releases.size(), 2u);
  EXPECT_EQ(group->releases[0].id, "r1");
  EXPECT_EQ(group->releases[0].status, "Official");
  EXPECT_EQ(group->releases[0].date, "1976-05-03");
  EXPECT_EQ(group->releases[0].barcode, "074643432428");
  EXPECT_FALSE(group->releases[1].status);
  EXPECT_FALSE(group->releases[1].date);
  EXPECT_FALSE(group->releases[1].barcode);
  auto wrong = ParseReleaseGroup(R"({"id":"g","title":"T","releases":[7]})", "release-group");
  ASSERT_FALSE(wrong);
  EXPECT_THAT(wrong.error().message, HasSubstr("/releases/0"));
}

std::vector<ReleaseSummary> Releases() {
  return {{.id = "bootleg", .title = "Bar", .status = "Bootleg", .date = "1970", .barcode = std::nullopt},
          {.id = "late", .title = "Bar", .status = "Official", .date = "2001-02-03", .barcode = "111"},
          {.id = "deluxe", .title = "Bar (Deluxe)", .status = "Official", .date = "1998", .barcode = std::nullopt},
          {.id = "undated", .title = "Bar", .status = "Official", .date = std::nullopt, .barcode = std::nullopt},
          {.id = "early", .title = "bar", .status = "Official", .date = "1999", .barcode = "222"},
          {.id = "twin", .title = "Bar", .status = "Official", .date = "1999", .barcode = std::nullopt}};
}

TEST(PickRelease, TheEarliestOfficialReleaseTitledLikeTheAlbum) {
  auto releases = Releases();
  const ReleaseSummary* picked = PickRelease(releases, "Bar", std::nullopt);
  ASSERT_NE(picked, nullptr);
  EXPECT_EQ(picked->id, "early") << "not the 1970 bootleg, not the 1998 deluxe titled otherwise, first of the 1999s";
}

TEST(PickRelease, TheJobsUpcPicksTheReleaseWithThatBarcode) {
  auto releases = Releases();
  EXPECT_EQ(PickRelease(releases, "Bar", std::string("111"))->id, "late");
  EXPECT_EQ(PickRelease(releases, "Bar", std::string("0111"))->id, "late") << "UPC-A vs EAN-13: a leading zero";
  EXPECT_EQ(PickRelease(releases, "Bar", std::string("000"))->id, "early") << "no digits to match";
  EXPECT_EQ(PickRelease(releases, "Bar", std::string("999"))->id, "early") << "an unknown UPC changes nothing";
}

TEST(PickRelease, WithoutATitleMatchOrAnOfficialReleaseTheEarliestOfTheRest) {
  auto releases = Releases();
  EXPECT_EQ(PickRelease(releases, "Something Else", std::nullopt)->id, "deluxe") << "official, 1998";
  std::vector<ReleaseSummary> unofficial = {{.id = "p", .title = "X", .status = "Promotion", .date = "2005", .barcode = std::nullopt},
                                            {.id = "n", .title = "X", .status = std::nullopt, .date = "2004", .barcode = std::nullopt}};
  EXPECT_EQ(PickRelease(unofficial, "X", std::nullopt)->id, "n");
  EXPECT_EQ(PickRelease({}, "X", std::nullopt), nullptr);
}

}  // namespace
}  // namespace musicbrainz
