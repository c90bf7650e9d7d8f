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

}  // namespace
}  // namespace musicbrainz
