// discogs_parse against recorded Discogs bodies (tests/data/discogs/SOURCES.md) and
// malformed ones: a body that is no JSON object is kTransient, one of the wrong shape
// kInvalidInput, each naming the problem, never a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "workers/discogs/discogs_parse.hpp"

namespace discogs {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/discogs/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Release LoadRelease(const std::string& name) {
  auto release = ParseRelease(Fixture(name));
  EXPECT_TRUE(release.has_value()) << (release ? "" : release.error().message);
  return release ? *release : Release{};
}

json::TrackJob Job(std::string artist, std::string title) {
  json::TrackJob job;
  job.job_id = "job-1";
  job.trace_id = "trace-1";
  job.artist = std::move(artist);
  job.title = std::move(title);
  return job;
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(DiscogsRelease, RickAstleyGivesStylesBeforeGenresAndTheTracksDuration) {
  Release release = LoadRelease("harmony-release-1503102-rick-astley.json");
  EXPECT_EQ(release.id, 1503102);
  EXPECT_EQ(release.master_id, 96559);
  EXPECT_EQ(release.artist, "Rick Astley");
  EXPECT_EQ(release.tracklist.size(), 3u);

  auto record = TrackFromRelease(Job("Rick Astley", "Never Gonna Give You Up"), release);
  EXPECT_EQ(record.provider, "discogs");
  EXPECT_EQ(record.job_id, "job-1");
  EXPECT_EQ(record.status, catalog::SourceStatus::kOk);
  EXPECT_EQ(record.external_id, "1503102");
  EXPECT_EQ(record.fields.discogs_id, 1503102);
  EXPECT_EQ(record.fields.title, "Never Gonna Give You Up");
  EXPECT_EQ(record.fields.duration_ms, 212000);  // "3:32", position B2
  EXPECT_EQ(record.fields.track_number, 3);
  EXPECT_EQ(record.fields.release_date, "1987");
  ASSERT_FALSE(record.genres.empty());
  EXPECT_EQ(record.genres.front(), "synth-pop") << "the style (finer genre) ranks above Electronic and Pop";
  EXPECT_TRUE(Contains(record.genres, "electronic"));
  EXPECT_TRUE(Contains(record.genres, "pop"));
  ASSERT_TRUE(record.raw_json.has_value());
  EXPECT_NE(record.raw_json->find("\"release_id\":1503102"), std::string::npos);
  EXPECT_NE(record.raw_json->find("\"position\":\"B2\""), std::string::npos);
}

TEST(DiscogsRelease, VariousCompilationFindsTheTrackAndCreditsItsOwnArtist) {
  Release release = LoadRelease("harmony-release-16004480-various-clockwork-orange.json");
  EXPECT_EQ(release.artist, "Various");
  auto record = TrackFromRelease(Job("Walter Carlos", "Timesteps (Excerpt)"), release);
  EXPECT_EQ(record.fields.duration_ms, 4 * 60000 + 18000);
  EXPECT_EQ(record.fields.track_number, 9);
  EXPECT_EQ(record.fields.artist_credit, "Walter Carlos");
}

TEST(DiscogsRelease, RepeatedTitleOnACompilationPrefersTheJobsArtist) {
  Release release = LoadRelease("harmony-release-16004480-various-clockwork-orange.json");
  // "William Tell Overture (Abridged)" is track 6 (Walter Carlos) and track 12 (Rossini).
  EXPECT_EQ(TrackFromRelease(Job("Gioacchino Rossini", "William Tell Overture (Abridged)"), release).fields.track_number, 12);
  EXPECT_EQ(TrackFromRelease(Job("Walter Carlos", "William Tell Overture (Abridged)"), release).fields.track_number, 6);
}

TEST(DiscogsRelease, YearZeroWithoutReleasedGivesNoDate) {
  Release release = LoadRelease("harmony-release-16004480-various-clockwork-orange.json");
  EXPECT_FALSE(release.release_date.has_value());
  auto record = TrackFromRelease(Job("Walter Carlos", "Timesteps (Excerpt)"), release);
  EXPECT_FALSE(record.fields.release_date.has_value());
}

TEST(DiscogsRelease, PartialReleasedDatesKeepYearAndMonth) {
  EXPECT_EQ(LoadRelease("joalla-release-1.json").release_date, "1999-03");   // "1999-03-00"
  EXPECT_EQ(LoadRelease("joalla-release-79.json").release_date, "1998-12");  // "1998-12-00"
  EXPECT_EQ(LoadRelease("harmony-release-8604223-pink-floyd-ummagumma.json").release_date, "2016-06-03");
}

TEST(DiscogsRelease, RelativeUrlsAndSortedArtistNamesParse) {
  Release release = LoadRelease("joalla-release-1.json");
  EXPECT_EQ(release.id, 1);
  EXPECT_EQ(release.artist, "The Persuader");  // "Persuader, The"
  EXPECT_EQ(release.label, "Svek");
  EXPECT_EQ(release.master_id, 5427);
  auto record = TrackFromRelease(Job("The Persuader", "Östermalm"), release);
  EXPECT_EQ(record.fields.duration_ms, 4 * 60000 + 45000);
  EXPECT_EQ(record.fields.track_number, 1);  // position "A"
}

TEST(DiscogsRelease, MissingMasterIdIsFine) {
  Release release = LoadRelease("harmony-release-11578434-non-music-audiobook.json");
  EXPECT_FALSE(release.master_id.has_value());
  EXPECT_EQ(release.artist, "Enid Blyton Read By Kate Winslet");
}

TEST(DiscogsRelease, NonMusicAudiobookGivesNoMusicGenres) {
  Release release = LoadRelease("harmony-release-11578434-non-music-audiobook.json");
  auto record = TrackFromRelease(Job("Enid Blyton", "Untitled"), release);
  EXPECT_TRUE(record.genres.empty());
  EXPECT_TRUE(record.moods.empty());
  EXPECT_EQ(record.fields.track_number, 1);  // "1-1": track 1 of disc 1
  EXPECT_FALSE(record.fields.duration_ms.has_value());  // duration ""
}

TEST(DiscogsRelease, HeadingsAreDroppedAndIndexSubTracksFlattened) {
  Release release = LoadRelease("harmony-release-8604223-pink-floyd-ummagumma.json");
  ASSERT_EQ(release.tracklist.size(), 16u);
  EXPECT_EQ(release.tracklist[0].title, "Astronomy Domine");
  EXPECT_EQ(release.tracklist[4].title, "Sysyphus - Part 1");
  EXPECT_EQ(release.tracklist[4].position, "C1.1");
  auto record = TrackFromRelease(Job("Pink Floyd", "Grantchester Meadows"), release);
  EXPECT_EQ(record.fields.track_number, 9);
  EXPECT_FALSE(record.fields.duration_ms.has_value());
}

TEST(DiscogsRelease, TracklistGivesAlbumTracksInOrderCreditedToTheTrackArtist) {
  Release compilation = LoadRelease("harmony-release-16004480-various-clockwork-orange.json");
  auto tracks = AlbumTracklist(compilation, "Various");
  ASSERT_EQ(tracks.size(), compilation.tracklist.size());
  ASSERT_GE(tracks.size(), 14u);
  EXPECT_EQ(tracks[0].disc, 1);
  EXPECT_EQ(tracks[0].position, 1);
  EXPECT_EQ(tracks[0].ref.artist, "Walter Carlos") << "a compilation's track is credited to its own artist";
  EXPECT_EQ(tracks[0].duration_ms, 146000) << "2:26";
  EXPECT_EQ(tracks[1].ref.artist, "Gioacchino Rossini");
  EXPECT_EQ(tracks[13].position, 14);
  EXPECT_FALSE(tracks[0].ref.spotify_id || tracks[0].ref.isrc || tracks[0].ref.mbid) << "Discogs has no track ids";
  ASSERT_TRUE(tracks[0].ref.album.has_value());
  EXPECT_EQ(*tracks[0].ref.album, compilation.title);

  // Vinyl sides (A1, B2, C1.1) are one running list on disc 1; sub-tracks are positions.
  Release ummagumma = LoadRelease("harmony-release-8604223-pink-floyd-ummagumma.json");
  auto lp = AlbumTracklist(ummagumma, "Pink Floyd");
  ASSERT_EQ(lp.size(), 16u);
  for (std::size_t i = 0; i < lp.size(); ++i) {
    EXPECT_EQ(lp[i].disc, 1) << lp[i].ref.title;
    EXPECT_EQ(lp[i].position, static_cast<int>(i + 1)) << lp[i].ref.title;
  }
  EXPECT_EQ(lp[4].ref.title, "Sysyphus - Part 1");

  // A box set's "2-1" / "CD2-1" positions name the disc; positions count within it.
  Release box;
  box.title = "Box";
  for (auto [position, title] : std::vector<std::pair<std::string, std::string>>{
           {"1-1", "One"}, {"1-2", "Two"}, {"CD2-1", "Three"}, {"2.2", "Four"}}) {
    Track track;
    track.position = position;
    track.title = title;
    box.tracklist.push_back(track);
  }
  auto discs = AlbumTracklist(box, "Band");
  ASSERT_EQ(discs.size(), 4u);
  EXPECT_EQ(discs[1].disc, 1);
  EXPECT_EQ(discs[1].position, 2);
  EXPECT_EQ(discs[2].disc, 2);
  EXPECT_EQ(discs[2].position, 1);
  EXPECT_EQ(discs[3].disc, 2);
  EXPECT_EQ(discs[3].position, 2);
  EXPECT_EQ(discs[3].ref.artist, "Band") << "no track artist: the job's";

  json::AlbumJob job;
  job.job_id = "a";
  job.trace_id = "t";
  job.artist = "Pink Floyd";
  job.album = "Ummagumma";
  EXPECT_EQ(AlbumFromRelease(job, ummagumma).tracklist.size(), 16u) << "the record carries it to the writer";
}

TEST(DiscogsRelease, TrackNotOnTheReleaseKeepsTheJobsTitleAndNoDuration) {
  Release release = LoadRelease("harmony-release-1503102-rick-astley.json");
  auto record = TrackFromRelease(Job("Rick Astley", "Together Forever"), release);
  EXPECT_EQ(record.status, catalog::SourceStatus::kOk);
  EXPECT_EQ(record.fields.title, "Together Forever");
  EXPECT_FALSE(record.fields.duration_ms.has_value());
  EXPECT_FALSE(record.fields.track_number.has_value());
}

TEST(DiscogsRelease, VersionSuffixMatchesWhenNoExactTitle) {
  Release release = LoadRelease("joalla-release-79.json");
  auto record = TrackFromRelease(Job("The Persuader", "Kungsbron (Original Mix)"), release);
  EXPECT_EQ(record.fields.title, "Kungsbron");
  EXPECT_EQ(record.fields.duration_ms, 4 * 60000 + 42000);
}

TEST(DiscogsRelease, AlbumRecordCarriesTitleDateLabelAndTrackCount) {
  Release release = LoadRelease("harmony-release-8604223-pink-floyd-ummagumma.json");
  json::AlbumJob job;
  job.job_id = "album-1";
  job.artist = "Pink Floyd";
  job.album = "Ummagumma";
  auto record = AlbumFromRelease(job, release);
  EXPECT_EQ(record.external_id, "8604223");
  EXPECT_EQ(record.fields.discogs_id, 8604223);
  EXPECT_EQ(record.fields.title, "Ummagumma");
  EXPECT_EQ(record.fields.release_date, "2016-06-03");
  EXPECT_EQ(record.fields.label, "Pink Floyd Records");
  EXPECT_EQ(record.fields.total_tracks, 16);
  ASSERT_GE(record.genres.size(), 3u);
  EXPECT_EQ(record.genres.back(), "rock") << "the broad genre after the styles";
}

TEST(DiscogsRelease, NotFoundRecordsCopyTheJobAndNothingElse) {
  auto track = TrackNotFound(Job("Nobody", "Nothing"));
  EXPECT_EQ(track.status, catalog::SourceStatus::kNotFound);
  EXPECT_EQ(track.ref.artist, "Nobody");
  EXPECT_EQ(track.provider, "discogs");
  EXPECT_FALSE(track.external_id.has_value());
  json::AlbumJob job;
  job.job_id = "a";
  job.artist = "Nobody";
  job.album = "Nothing";
  auto album = AlbumNotFound(job);
  EXPECT_EQ(album.status, catalog::SourceStatus::kNotFound);
  EXPECT_EQ(album.ref.title, "Nothing");
}

TEST(DiscogsMaster, ParsesMainReleaseTracklistAndArtistCredit) {
  auto master = ParseMaster(Fixture("joalla-master-4242.json"));
  ASSERT_TRUE(master.has_value()) << master.error().message;
  EXPECT_TRUE(master->is_master);
  EXPECT_EQ(master->main_release, 79);
  EXPECT_EQ(master->tracklist.size(), 4u);
  EXPECT_EQ(master->release_date, "1998");
  auto synkopy = ParseMaster(Fixture("buntine-master-synkopy.json"));
  ASSERT_TRUE(synkopy.has_value()) << synkopy.error().message;
  EXPECT_EQ(synkopy->artist, "Synkopy & Oldřich Veselý");
  json::AlbumJob job;
  job.artist = "Synkopy";
  job.album = synkopy->title;
  EXPECT_EQ(AlbumFromRelease(job, *synkopy).external_id, "master:9800");
}

TEST(DiscogsSearch, ResultLackingYearHasNoYear) {
  auto page = ParseSearch(Fixture("buntine-database-search-moonblood.json"));
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->results.size(), 4u);
  EXPECT_EQ(page->results[0].year, 1995);
  EXPECT_FALSE(page->results[2].year.has_value());
  const SearchHit* hit = BestHit(*page, "Moonblood", "Kingdom Under Funeral Skies");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->id, 1206759);
}

TEST(DiscogsSearch, ArtistRowsAreSkippedAndRelativeUrlsParse) {
  auto page = ParseSearch(Fixture("joalla-database-search-q-trash80.json"));
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->results[0].type, "artist");
  const SearchHit* hit = BestHit(*page, "Trash80", "");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->id, 1743771);
  hit = BestHit(*page, "Trash80", "Hologram");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->id, 480740);
}

TEST(DiscogsSearch, PagedSearchReadsPaginationAndTheFirstPage) {
  auto page = ParseSearch(Fixture("maxep-database-search-nirvana-paged.json"));
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->page, 1);
  EXPECT_EQ(page->pages, 66);
  EXPECT_EQ(page->items, 198);
  ASSERT_EQ(page->results.size(), 3u);
  // Non-Music next to Rock: the Non-Music style (Interview) goes, the music stays.
  auto classified = ClassifyGenres(page->results[0].genres, page->results[0].styles, "Nirvana");
  EXPECT_EQ(classified.genres, (std::vector<std::string>{"grunge", "rock"}));
  // A year breaks the tie between equally good rows.
  const SearchHit* hit = BestHit(*page, "Nirvana", "Nevermind", 2005);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->id, 2028757);
}

TEST(DiscogsSearch, PaginationGivesPerPageAndTheNextLink) {
  auto page = ParseSearch(Fixture("maxep-database-search-nirvana-paged.json"));
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->per_page, 3);
  ASSERT_TRUE(page->next_url.has_value());
  EXPECT_EQ(*page->next_url,
            "http://api.discogs.com/database/search?per_page=3&artist=nirvana&release_title=nevermind&page=2");
  EXPECT_TRUE(page->HasNext());
  // A single page: "urls": {} (buntine's recording), so no next page.
  auto single = ParseSearch(Fixture("buntine-database-search-moonblood.json"));
  ASSERT_TRUE(single.has_value()) << single.error().message;
  EXPECT_EQ(single->per_page, 50);
  EXPECT_FALSE(single->next_url.has_value());
  EXPECT_FALSE(single->HasNext());
}

TEST(DiscogsSearch, LastPageHasPrevButNoNext) {
  // The documented shape on the last page: first and prev links, no next or last.
  auto page = ParseSearch(R"({"pagination":{"page":66,"pages":66,"per_page":3,"items":198,"urls":{)"
                          R"("first":"https://api.discogs.com/database/search?q=x&per_page=3&page=1",)"
                          R"("prev":"https://api.discogs.com/database/search?q=x&per_page=3&page=65"}},"results":[]})");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->page, 66);
  EXPECT_FALSE(page->next_url.has_value());
  EXPECT_FALSE(page->HasNext());
  // A next link on what pagination calls the last page is not followed either.
  auto odd = ParseSearch(R"({"pagination":{"page":2,"pages":2,"per_page":3,"items":6,"urls":{"next":"x"}},"results":[]})");
  ASSERT_TRUE(odd.has_value());
  EXPECT_FALSE(odd->HasNext());
  // urls.next of the wrong type is an error naming it, not a crash.
  auto bad = ParseSearch(R"({"pagination":{"page":1,"pages":2,"urls":{"next":7}},"results":[]})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("next"), std::string::npos) << bad.error().message;
}

TEST(DiscogsSearch, IsMatchNeedsTheArtistAndTheTitle) {
  SearchHit hit;
  hit.id = 1;
  hit.type = "release";
  hit.title = "Nirvana (2) - Nevermind (Remastered)";
  EXPECT_TRUE(IsMatch(hit, "nirvana", "Nevermind"));  // number and version suffix aside
  EXPECT_TRUE(IsMatch(hit, "Nirvana", ""));           // a track search: the artist alone
  EXPECT_FALSE(IsMatch(hit, "Nirvana", "In Utero"));
  EXPECT_FALSE(IsMatch(hit, "Nirvana Tribute 1", "Nevermind"));
  hit.type = "master";
  EXPECT_FALSE(IsMatch(hit, "Nirvana", "Nevermind"));
}

TEST(DiscogsSearch, RankedHitsPutsTheArtistFirstAndKeepsDiscogsOrderOnTies) {
  auto page = ParseSearch(Fixture("joalla-database-search-q-trash80.json"));
  ASSERT_TRUE(page.has_value()) << page.error().message;
  auto ranked = RankedHits(*page, "Trash80", "", std::nullopt, 100);
  ASSERT_FALSE(ranked.empty());
  for (const auto& hit : ranked) EXPECT_EQ(hit.type, "release") << hit.title;  // artist rows skipped
  const SearchHit* best = BestHit(*page, "Trash80", "");
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(ranked.front().id, best->id);
  EXPECT_LE(RankedHits(*page, "Trash80", "", std::nullopt, 2).size(), 2u);

  SearchPage decoys;
  for (int i = 1; i <= 3; ++i) {
    SearchHit h;
    h.id = i;
    h.type = "release";
    h.title = (i == 3 ? std::string("Foo") : "Foo Tribute " + std::to_string(i)) + " - Bar";
    decoys.results.push_back(h);
  }
  auto order = RankedHits(decoys, "Foo", "Bar", std::nullopt, 3);
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0].id, 3);  // the artist's own row
  EXPECT_EQ(order[1].id, 1);  // then the others in Discogs' order
  EXPECT_EQ(order[2].id, 2);
}

// GET /artists/{id} in the shape the Discogs API documentation gives (namevariations,
// profile, releases_url, resource_url, uri, urls, data_quality, id, images, members or
// aliases, name, realname); values written for this test, not a recording.
constexpr const char* kArtist = R"json({
  "namevariations": ["Persuader", "The Presuader"],
  "profile": "Swedish techno duo.",
  "releases_url": "https://api.discogs.com/artists/1/releases",
  "resource_url": "https://api.discogs.com/artists/1",
  "uri": "https://www.discogs.com/artist/1-The-Persuader",
  "urls": ["https://example.invalid/persuader"],
  "data_quality": "Needs Vote",
  "id": 1,
  "images": [{"type": "primary", "uri": "", "height": 450, "width": 600}],
  "aliases": [{"id": 239, "name": "Jesper Dahlb\u00e4ck", "resource_url": "https://api.discogs.com/artists/239"},
              {"id": 3659, "name": "Groove Machine (3)", "resource_url": "https://api.discogs.com/artists/3659"}],
  "realname": "Jesper Dahlback",
  "name": "Persuader, The"
})json";

TEST(DiscogsArtist, ParsesNamesVariationsAliasesAndProfile) {
  auto artist = ParseArtist(kArtist);
  ASSERT_TRUE(artist.has_value()) << artist.error().message;
  EXPECT_EQ(artist->id, 1);
  EXPECT_EQ(artist->name, "The Persuader");
  EXPECT_EQ(artist->realname, "Jesper Dahlback");
  EXPECT_EQ(artist->profile, "Swedish techno duo.");
  EXPECT_EQ(artist->name_variations, (std::vector<std::string>{"Persuader", "The Presuader"}));
  EXPECT_EQ(artist->aliases, (std::vector<std::string>{"Jesper Dahlb\xc3\xa4" "ck", "Groove Machine"}));
}

TEST(DiscogsArtist, AnswersToItsNameRealNameVariationsAndAliases) {
  auto artist = ParseArtist(kArtist);
  ASSERT_TRUE(artist.has_value()) << artist.error().message;
  EXPECT_TRUE(AnswersTo(*artist, "the persuader"));
  EXPECT_TRUE(AnswersTo(*artist, "Persuader, The"));
  EXPECT_TRUE(AnswersTo(*artist, "Persuader"));        // a name variation
  EXPECT_TRUE(AnswersTo(*artist, "JESPER DAHLBACK"));  // the real name
  EXPECT_TRUE(AnswersTo(*artist, "Groove Machine"));   // an alias, its number dropped
  EXPECT_FALSE(AnswersTo(*artist, "Persuader Tribute 1"));
  EXPECT_FALSE(AnswersTo(*artist, ""));
}

TEST(DiscogsArtist, ErrorBodiesAndWrongTypesAreErrors) {
  auto missing = ParseArtist(R"({"message": "Artist not found."})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("Artist not found."), std::string::npos);
  auto html = ParseArtist("<html>502</html>");
  ASSERT_FALSE(html.has_value());
  EXPECT_EQ(html.error().kind, core::ErrorKind::kTransient);
  auto wrong = ParseArtist(R"({"id": 5, "name": "X", "namevariations": "X"})");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(wrong.error().message.find("namevariations"), std::string::npos) << wrong.error().message;
  EXPECT_FALSE(ParseArtist(R"({"id": "5", "name": "X"})").has_value());
}

TEST(DiscogsRelease, FirstCreditedArtistsIdIsKept) {
  Release release = LoadRelease("harmony-release-1503102-rick-astley.json");
  ASSERT_TRUE(release.artist_id.has_value());
  EXPECT_EQ(*release.artist_id, 72872);
}

TEST(DiscogsSearch, NoReleaseRowsGivesNoHit) {
  auto page = ParseSearch(R"({"pagination":{"page":1,"pages":0,"per_page":5,"items":0,"urls":{}},"results":[]})");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(BestHit(*page, "Anyone", "Anything"), nullptr);
}

TEST(DiscogsError, NotFoundMessageIsRecognized) {
  std::string body = Fixture("swiftdiscogs-error-release-404.json");
  EXPECT_EQ(ParseErrorMessage(body), "Release not found.");
  auto release = ParseRelease(body);
  ASSERT_FALSE(release.has_value());
  EXPECT_EQ(release.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(release.error().message.find("Release not found."), std::string::npos);
  EXPECT_FALSE(ParseErrorMessage(Fixture("joalla-release-1.json")).has_value());
}

struct MalformedCase {
  const char* name;  // the test's name suffix
  const char* file;
  bool search;
  const char* expected;  // part of the message
  // kTransient: no JSON object at all (the network's or Discogs' fault, retried);
  // kInvalidInput: a well-formed body of the wrong shape.
  core::ErrorKind kind;
};

class DiscogsMalformedTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(DiscogsMalformedTest, GivesItsKindNamingTheProblem) {
  const auto& c = GetParam();
  std::string body = Fixture(c.file);
  core::Error error;
  if (c.search) {
    auto page = ParseSearch(body);
    ASSERT_FALSE(page.has_value());
    error = page.error();
  } else {
    auto release = ParseRelease(body);
    ASSERT_FALSE(release.has_value());
    error = release.error();
  }
  EXPECT_EQ(error.kind, c.kind) << error.message;
  EXPECT_NE(error.message.find(c.expected), std::string::npos) << error.message;
  EXPECT_EQ(error.message.rfind(c.search ? "search: " : "release: ", 0), 0u) << error.message;
  auto normalized = NormalizeSaved(body);
  ASSERT_FALSE(normalized.has_value());
  EXPECT_EQ(normalized.error().kind, c.kind);
  // The gateway's classify hook agrees: an unusable body is never cached, a wrong shape is
  // a JSON object the parser refuses later.
  auto checked = CheckBody(body, c.search ? "search" : "release");
  EXPECT_EQ(checked.has_value(), c.kind == core::ErrorKind::kTransient);
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, DiscogsMalformedTest,
    testing::Values(MalformedCase{"TruncatedRelease", "malformed-truncated-release.json", false, "not JSON (truncated?)", core::ErrorKind::kTransient},
                    MalformedCase{"HtmlPageAsRelease", "malformed-html-error-page.html", false, "HTML", core::ErrorKind::kTransient},
                    MalformedCase{"HtmlPageAsSearch", "malformed-html-error-page.html", true, "HTML", core::ErrorKind::kTransient},
                    MalformedCase{"EmptyRelease", "malformed-empty.json", false, "empty body", core::ErrorKind::kTransient},
                    MalformedCase{"EmptySearch", "malformed-empty.json", true, "empty body", core::ErrorKind::kTransient},
                    MalformedCase{"GenresString", "malformed-genres-string.json", false, "/genres is a string", core::ErrorKind::kInvalidInput},
                    MalformedCase{"ResultsObject", "malformed-search-results-object.json", true, "/results is an object", core::ErrorKind::kInvalidInput},
                    MalformedCase{"IdString", "malformed-release-id-string.json", false, "/id is a string", core::ErrorKind::kInvalidInput},
                    MalformedCase{"ArrayAsRelease", "malformed-top-level-array.json", false, "expected a JSON object", core::ErrorKind::kTransient},
                    MalformedCase{"ArrayAsSearch", "malformed-top-level-array.json", true, "expected a JSON object", core::ErrorKind::kTransient}),
    [](const testing::TestParamInfo<MalformedCase>& param_info) { return std::string(param_info.param.name); });

TEST(DiscogsMalformed, EveryTruncationOfEveryFixtureIsAnError) {
  for (const char* name : {"harmony-release-1503102-rick-astley.json", "joalla-database-search-q-trash80.json",
                           "joalla-master-4242.json", "maxep-database-search-nirvana-paged.json",
                           "harmony-release-16004480-various-clockwork-orange.json"}) {
    std::string body = Fixture(name);
    ASSERT_TRUE(NormalizeSaved(body).has_value()) << name;
    for (std::size_t cut = 0; cut + 1 < body.size(); cut += 61) {
      SCOPED_TRACE(std::string(name) + " cut at " + std::to_string(cut));
      std::string_view part(body.data(), cut);
      EXPECT_FALSE(ParseRelease(part).has_value());
      EXPECT_FALSE(ParseSearch(part).has_value());
      EXPECT_FALSE(NormalizeSaved(part).has_value());
    }
  }
}

TEST(DiscogsMalformed, UnexpectedTypesAnywhereAreErrorsNotCrashes) {
  const char* bodies[] = {
      R"({"id":1,"tracklist":5})",
      R"({"id":1,"tracklist":[1,2]})",
      R"({"id":1,"tracklist":[{"title":7}]})",
      R"({"id":1,"tracklist":[{"type_":"index","sub_tracks":"x"}]})",
      R"({"id":1,"artists":[{"name":["x"]}]})",
      R"({"id":1,"artists":"Various"})",
      R"({"id":1,"year":"nineteen"})",
      R"({"id":1,"year":1.5})",
      R"({"id":1,"styles":[null, 3]})",
      R"({"id":1,"labels":[4]})",
      R"({"id":1,"master_id":"5"})",
      R"({"id":-4})",
      R"({"id":1e30})",
      R"({"title":"no id"})",
  };
  for (const char* body : bodies) {
    auto release = ParseRelease(body);
    EXPECT_FALSE(release.has_value()) << body;
    if (!release) {
      EXPECT_EQ(release.error().kind, core::ErrorKind::kInvalidInput);
    }
  }
  const char* searches[] = {
      R"({"results":[1]})",
      R"({"results":[{"type":"release"}]})",
      R"({"results":[{"id":1,"genre":"Rock"}]})",
      R"({"results":[{"id":1,"year":{}}]})",
      R"({"pagination":[],"results":[]})",
      R"({"message":"You are making requests too quickly."})",
  };
  for (const char* body : searches) {
    auto page = ParseSearch(body);
    EXPECT_FALSE(page.has_value()) << body;
  }
}

TEST(DiscogsNormalize, ParseDurationReadsMinutesSecondsAndHours) {
  EXPECT_EQ(ParseDuration("3:45"), 225000);
  EXPECT_EQ(ParseDuration("0:07"), 7000);
  EXPECT_EQ(ParseDuration("1:02:03"), 3723000);
  EXPECT_EQ(ParseDuration("12:00"), 720000);
  EXPECT_FALSE(ParseDuration("").has_value());
  EXPECT_FALSE(ParseDuration("3:75").has_value());
  EXPECT_FALSE(ParseDuration("abc").has_value());
  EXPECT_FALSE(ParseDuration("3:4x").has_value());
  EXPECT_FALSE(ParseDuration(":").has_value());
  EXPECT_FALSE(ParseDuration("0:00").has_value());
  EXPECT_FALSE(ParseDuration("1:1:1:1").has_value());
  EXPECT_FALSE(ParseDuration("99999999:00").has_value());
}

TEST(DiscogsNormalize, ReleaseDateHandlesPartialAndMissingParts) {
  EXPECT_EQ(ReleaseDate("2016-06-03", 2016), "2016-06-03");
  EXPECT_EQ(ReleaseDate("1999-03-00", 1999), "1999-03");
  EXPECT_EQ(ReleaseDate("1999-00-00", 1999), "1999");
  EXPECT_EQ(ReleaseDate("1987", 1987), "1987");
  EXPECT_EQ(ReleaseDate("", 1995), "1995");
  EXPECT_EQ(ReleaseDate("", 0), std::nullopt);
  EXPECT_EQ(ReleaseDate("unknown", 0), std::nullopt);
  EXPECT_EQ(ReleaseDate("0000-00-00", 0), std::nullopt);
  EXPECT_EQ(ReleaseDate("1999-13-01", 0), "1999");
}

TEST(DiscogsNormalize, CleanNameDropsNumbersAndMovesArticles) {
  EXPECT_EQ(CleanName("Uruk-Hai (2)"), "Uruk-Hai");
  EXPECT_EQ(CleanName("Persuader, The"), "The Persuader");
  EXPECT_EQ(CleanName("Artist*"), "Artist");
  EXPECT_EQ(CleanName("Sunn O)))"), "Sunn O)))");
  EXPECT_EQ(CleanName("Band (Live)"), "Band (Live)");
}

TEST(DiscogsNormalize, FoldTitleIgnoresCasePunctuationAndApostrophes) {
  EXPECT_EQ(FoldTitle("Singin' In The Rain"), FoldTitle("singin in the rain"));
  EXPECT_EQ(FoldTitle("  Hey,   Jude! "), "hey jude");
  EXPECT_EQ(FoldTitle("Östermalm"), "Östermalm");
}

TEST(DiscogsNormalize, CompositeGenresAreSplitAndNonMusicDropped) {
  auto soul = ClassifyGenres({"Funk / Soul"}, {}, "");
  EXPECT_EQ(soul.genres, (std::vector<std::string>{"funk", "soul"}));
  auto only_non_music = ClassifyGenres({"Non-Music"}, {"Spoken Word", "Comedy"}, "");
  EXPECT_TRUE(only_non_music.genres.empty());
  auto artist_named = ClassifyGenres({"Rock"}, {"Grunge", "Nirvana"}, "Nirvana");
  EXPECT_EQ(artist_named.genres, (std::vector<std::string>{"grunge", "rock"}));
}

// An error message is classified as the gateway classifies the status Discogs sends it with.
TEST(DiscogsNormalize, ErrorMessagesGetTheKindOfTheirStatus) {
  const std::pair<const char*, core::ErrorKind> cases[] = {
      {R"({"message": "Release not found."})", core::ErrorKind::kNotFound},
      {R"({"message": "You are making requests too quickly."})", core::ErrorKind::kTransient},
      {R"({"message": "An internal server error occurred."})", core::ErrorKind::kTransient},
      {R"({"message": "You must authenticate to access this resource."})", core::ErrorKind::kInvalidInput},
      {R"({"message": "Invalid page."})", core::ErrorKind::kInvalidInput},
  };
  for (const auto& [body, kind] : cases) {
    auto out = NormalizeSaved(body);
    ASSERT_TRUE(out.has_value()) << body;
    EXPECT_EQ(out->shape, "error");
    ASSERT_TRUE(out->error.has_value()) << body;
    EXPECT_EQ(out->error->kind, kind) << body;
    EXPECT_TRUE(out->record_json.empty());
  }
}

}  // namespace
}  // namespace discogs
