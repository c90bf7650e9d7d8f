// The pure Spotify parser against recorded responses (tests/data/spotify/, see SOURCES.md).
#include "workers/spotify/spotify_parse.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <iterator>
#include <string>

namespace spotify {
namespace {

std::string Fixture(const std::string& name) {
  std::string path = std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/spotify/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

template <typename T>
void ExpectError(const core::Result<T>& result, core::ErrorKind kind, const std::string& needle) {
  ASSERT_FALSE(result.has_value()) << "expected " << core::ToString(kind) << " containing '" << needle << "'";
  EXPECT_EQ(result.error().kind, kind) << result.error().message;
  EXPECT_NE(result.error().message.find(needle), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.rfind("spotify ", 0), 0u) << result.error().message;
}

// A well-formed body of the wrong shape: permanent.
template <typename T>
void ExpectInvalid(const core::Result<T>& result, const std::string& needle) {
  ExpectError(result, core::ErrorKind::kInvalidInput, needle);
}

// A body that is no document at all (truncated, HTML, empty): the provider's or the network's
// fault, retried (docs/GATEWAY.md, "Provider faults").
template <typename T>
void ExpectUnusable(const core::Result<T>& result, const std::string& needle) {
  ExpectError(result, core::ErrorKind::kTransient, needle);
}

json::TrackJob Job(const std::string& artist, const std::string& title) {
  json::TrackJob job;
  job.job_id = "job-1";
  job.artist = artist;
  job.title = title;
  return job;
}

// --- token ------------------------------------------------------------------------------

TEST(SpotifyParse, TokenGivesAccessTokenAndLifetime) {
  auto token = ParseToken(Fixture("java-token-client-credentials.json"));
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(token->access_token.substr(0, 12), "taHZ2SdB-bPA");
  EXPECT_EQ(token->expires_in, std::chrono::seconds{3600});
}

TEST(SpotifyParse, TokenErrorIsInvalidInputAndReadableAsAnError) {
  std::string body = Fixture("java-token-error-invalid-client.json");
  ExpectInvalid(ParseToken(body), "invalid_client");
  auto error = ParseError(body);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "invalid_client");
  EXPECT_EQ(error->message, "Invalid client");
}

TEST(SpotifyParse, BasicAuthorizationIsBase64OfIdColonSecret) {
  EXPECT_EQ(BasicAuthorization("id", "secret"), "Basic aWQ6c2VjcmV0");
  EXPECT_EQ(BasicAuthorization("a", "b"), "Basic YTpi");
  EXPECT_EQ(BasicAuthorization("ab", "cd"), "Basic YWI6Y2Q=");
}

// --- search -----------------------------------------------------------------------------

TEST(SpotifyParse, TrackSearchHitGivesTheTrack) {
  auto items = ParseTrackSearch(Fixture("beets-search-track-happy.json"));
  ASSERT_TRUE(items.has_value()) << items.error().message;
  ASSERT_EQ(items->size(), 1u);
  const Track& t = items->front();
  EXPECT_EQ(t.id, "6NPVjNh8Jhru9xOmyQigds");
  EXPECT_EQ(t.name, "Happy");
  ASSERT_EQ(t.artists.size(), 1u);
  EXPECT_EQ(t.artists[0].name, "Pharrell Williams");
  EXPECT_EQ(t.fields.isrc, "USQ4E1300686");
  EXPECT_EQ(t.fields.duration_ms, 233305);
  EXPECT_EQ(t.fields.popularity, 89);
  EXPECT_EQ(t.fields.track_number, 4);
  EXPECT_EQ(t.fields.is_explicit, false);
  EXPECT_EQ(t.raw_json.find("available_markets"), std::string::npos) << "markets are trimmed from raw";
}

TEST(SpotifyParse, EmptyTrackSearchGivesNoItemsAndPicksNothing) {
  auto items = ParseTrackSearch(Fixture("beets-search-track-empty.json"));
  ASSERT_TRUE(items.has_value()) << items.error().message;
  EXPECT_TRUE(items->empty());
  EXPECT_FALSE(PickTrack(*items, "Happy", "Pharrell Williams").has_value());
}

TEST(SpotifyParse, PagedSearchPicksTheExactTitleOverSpotifysOrder) {
  auto items = ParseTrackSearch(Fixture("java-search-track-muse-paged.json"));
  ASSERT_TRUE(items.has_value()) << items.error().message;
  ASSERT_EQ(items->size(), 10u);
  auto best = PickTrack(*items, "hysteria", "MUSE");
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ((*items)[*best].name, "Hysteria");
  EXPECT_EQ(PickTrack(*items, "no such title", "nobody"), 0u) << "nothing matches: Spotify's first item";
}

TEST(SpotifyParse, SearchWithTwentyItemsOfTwoHundredFiftyNineParses) {
  auto items = ParseTrackSearch(Fixture("jmperez-search-track-gatan.json"));
  ASSERT_TRUE(items.has_value()) << items.error().message;
  EXPECT_EQ(items->size(), 20u);
  auto best = PickTrack(*items, "Satan i gatan", "Veronica Maggio");
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ((*items)[*best].id, "3q8WojYJVZsGClFGFBYdTc");
}

TEST(SpotifyParse, PickTrackPrefersExactThenPrefixThenArtist) {
  std::vector<Track> items(3);
  items[0].name = "The Creep";
  items[1].name = "Creep - Remastered";
  items[2].name = "Creep";
  items[2].artists = {{"x", "Radiohead", {}}};
  EXPECT_EQ(PickTrack(items, "Creep", "Radiohead"), 2u);
  items[2].name = "Creeping";
  EXPECT_EQ(PickTrack(items, "Creep", "Someone"), 1u);
}

// --- tracks -----------------------------------------------------------------------------

TEST(SpotifyParse, TrackGivesEveryField) {
  auto t = ParseTrack(Fixture("beets-track-happy.json"));
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->fields.title, "Happy");
  EXPECT_EQ(t->fields.spotify_id, "6NPVjNh8Jhru9xOmyQigds");
  EXPECT_EQ(t->fields.isrc, "USQ4E1300686");
  EXPECT_EQ(t->fields.duration_ms, 233305);
  EXPECT_EQ(t->fields.popularity, 1);
  EXPECT_EQ(t->fields.track_number, 4);
  EXPECT_EQ(t->fields.release_date, "2013-06-18");
  EXPECT_EQ(t->album_name, "Despicable Me 2 (Original Motion Picture Soundtrack)");
}

TEST(SpotifyParse, MultiArtistTrackKeepsCreditOrderAndNormalizesTheIsrc) {
  auto t = ParseTrack(Fixture("beets-track-multiartist.json"));
  ASSERT_TRUE(t.has_value()) << t.error().message;
  ASSERT_EQ(t->artists.size(), 2u);
  EXPECT_EQ(t->artists[0].name, "Foo");
  EXPECT_EQ(t->artists[1].name, "Bar");
  EXPECT_EQ(t->fields.isrc, "GBSMU4566095") << "GB-SMU-45-66095 without hyphens";
  EXPECT_EQ(t->fields.release_date, "2017-12-22");
}

TEST(SpotifyParse, OldTrackWithoutReleaseDateParses) {
  for (const char* name : {"java-track-mr-brightside.json", "jmperez-track-mr-brightside.json"}) {
    SCOPED_TRACE(name);
    auto t = ParseTrack(Fixture(name));
    ASSERT_TRUE(t.has_value()) << t.error().message;
    EXPECT_EQ(t->name, "Mr. Brightside");
    EXPECT_EQ(t->artists.at(0).name, "The Killers");
    EXPECT_FALSE(t->fields.release_date.has_value());
    EXPECT_EQ(t->fields.track_number, 2);
  }
}

TEST(SpotifyParse, SeveralTracksGiveOneEntryPerId) {
  auto tracks = ParseTracks(Fixture("harmony-tracks-several-die-with-a-smile.json"));
  ASSERT_TRUE(tracks.has_value()) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 1u);
  ASSERT_TRUE((*tracks)[0].has_value());
  EXPECT_EQ((*tracks)[0]->fields.isrc, "USUM72409273");
  EXPECT_EQ((*tracks)[0]->artists.size(), 2u);
  auto with_null = ParseTracks(R"({"tracks":[null]})");
  ASSERT_TRUE(with_null.has_value());
  ASSERT_EQ(with_null->size(), 1u);
  EXPECT_FALSE((*with_null)[0].has_value());
}

// --- albums -----------------------------------------------------------------------------

TEST(SpotifyParse, CompilationAlbumGivesLabelUpcAndTrackCount) {
  auto a = ParseAlbum(Fixture("beets-album-despicable-me-2.json"));
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->album_type, "compilation");
  EXPECT_EQ(a->fields.title, "Despicable Me 2 (Original Motion Picture Soundtrack)");
  EXPECT_EQ(a->fields.release_date, "2013-06-18");
  EXPECT_EQ(a->fields.upc, "857970002363");
  EXPECT_EQ(a->fields.label, "Back Lot Music");
  EXPECT_EQ(a->fields.total_tracks, 24);
  EXPECT_TRUE(a->genres.empty());
  ASSERT_EQ(a->artists.size(), 1u);
  EXPECT_EQ(a->artists[0].name, "Various Artists");
}

TEST(SpotifyParse, AlbumObjectGivesItsTracklistInOrderWithIdsAndDurations) {
  auto a = ParseAlbum(Fixture("beets-album-despicable-me-2.json"));
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_EQ(a->tracks.size(), 24u) << "tracks.items: all 24 in one page";
  EXPECT_FALSE(a->tracks_more) << "tracks.next is null";
  EXPECT_EQ(a->tracks_total, 24);
  const catalog::AlbumTrack& first = a->tracks.front();
  EXPECT_EQ(first.disc, 1);
  EXPECT_EQ(first.position, 1);
  EXPECT_EQ(first.ref.title, "Scream");
  EXPECT_EQ(first.ref.artist, "CeeLo Green") << "the track's own artist, not the album's Various Artists";
  EXPECT_EQ(first.ref.spotify_id, "3EiEbQAR44icEkz3rsMI0N");
  EXPECT_EQ(first.ref.album, "Despicable Me 2 (Original Motion Picture Soundtrack)");
  EXPECT_EQ(first.duration_ms, 221805);
  EXPECT_FALSE(first.ref.isrc.has_value()) << "simplified tracks carry no external_ids";
  EXPECT_EQ(a->tracks.back().position, 24);
  EXPECT_EQ(a->tracks.back().ref.title, "Ba Do Bleep");
  auto record = AlbumRecordOf(json::AlbumJob{.job_id = "j", .trace_id = "t", .artist = "Various Artists",
                                             .album = "Despicable Me 2"},
                              *a, {});
  EXPECT_EQ(record.tracklist.size(), 24u) << "the record carries the tracklist to the writer";
}

TEST(SpotifyParse, AlbumTracksPageGivesDiscsPositionsAndWhetherMorePagesFollow) {
  auto page = ParseAlbumTracks(Fixture("own-album-tracks-page-2.json"), "Everything All the Time", "Band of Horses");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(page->more) << "next is set";
  ASSERT_EQ(page->tracks.size(), 3u) << "the null item and the one without an id are skipped";
  EXPECT_EQ(page->tracks[0].disc, 2);
  EXPECT_EQ(page->tracks[0].position, 1);
  EXPECT_EQ(page->tracks[0].ref.title, "Track 51");
  EXPECT_EQ(page->tracks[0].ref.artist, "Band of Horses");
  EXPECT_EQ(page->tracks[0].ref.album, "Everything All the Time");
  EXPECT_EQ(page->tracks[2].duration_ms, 200053);
  auto last = ParseAlbumTracks(R"({"items":[{"id":"a","name":"A","track_number":1,"disc_number":1}],"next":null})",
                               "Album", "Artist");
  ASSERT_TRUE(last.has_value()) << last.error().message;
  EXPECT_FALSE(last->more);
  ASSERT_EQ(last->tracks.size(), 1u);
  EXPECT_EQ(last->tracks[0].ref.artist, "Artist") << "an entry without artists is credited to the album's";
  EXPECT_FALSE(ParseAlbumTracks(R"({"items":"nope"})", "a", "b").has_value());
  EXPECT_FALSE(ParseAlbumTracks("<html>", "a", "b").has_value());
}

TEST(SpotifyParse, BetaEraAlbumReleaseDateObjectGivesTheYear) {
  auto a = ParseAlbum(Fixture("jmperez-album-cyndi-lauper.json"));
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->fields.release_date, "1983") << "{year: 1983, month: null, day: null}";
  EXPECT_EQ(a->fields.total_tracks, 13) << "from the tracks paging object";
  auto full = ParseAlbum(R"({"id":"x","name":"n","release_date":{"year":1999,"month":3,"day":7}})");
  ASSERT_TRUE(full.has_value()) << full.error().message;
  EXPECT_EQ(full->fields.release_date, "1999-03-07");
}

TEST(SpotifyParse, MultiArtistAlbumAndRecentAlbum) {
  auto a = ParseAlbum(Fixture("beets-album-multiartist.json"));
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->artists.size(), 2u);
  EXPECT_EQ(a->fields.upc, "5057728789361");
  auto recent = ParseAlbum(Fixture("harmony-album-die-with-a-smile.json"));
  ASSERT_TRUE(recent.has_value()) << recent.error().message;
  EXPECT_EQ(recent->fields.label, "Interscope");
  EXPECT_EQ(recent->fields.release_date, "2024-08-16");
}

TEST(SpotifyParse, ReleaseDatePrecisionIsHonoured) {
  EXPECT_EQ(NormalizeReleaseDate("2013-06-18", "day"), "2013-06-18");
  EXPECT_EQ(NormalizeReleaseDate("2013-06", "month"), "2013-06");
  EXPECT_EQ(NormalizeReleaseDate("1983", "year"), "1983");
  EXPECT_EQ(NormalizeReleaseDate("1983-01-01", "year"), "1983");
  EXPECT_EQ(NormalizeReleaseDate("1983-04-01", "month"), "1983-04");
  EXPECT_EQ(NormalizeReleaseDate("0000", "year"), std::nullopt);
  EXPECT_EQ(NormalizeReleaseDate("soon", ""), std::nullopt);
}

// --- artists and audio features -----------------------------------------------------------

TEST(SpotifyParse, ArtistGivesGenres) {
  auto a = ParseArtist(Fixture("php-artist-led-zeppelin.json"));
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->name, "Led Zeppelin");
  EXPECT_EQ(a->genres, (std::vector<std::string>{"album rock", "blues-rock", "classic rock", "rock"}));
  auto legacy = ParseArtist(Fixture("jmperez-artist-abba-legacy-genres.json"));
  ASSERT_TRUE(legacy.has_value()) << legacy.error().message;
  EXPECT_EQ(legacy->genres.size(), 12u);
  auto modern = ParseArtist(Fixture("java-artist-band-of-horses.json"));
  ASSERT_TRUE(modern.has_value()) << modern.error().message;
  EXPECT_EQ(modern->genres, (std::vector<std::string>{"indie folk", "indie pop"}));
}

TEST(SpotifyParse, SeveralArtistsSplitPerIdForTheBatcher) {
  std::string body = Fixture("php-artists-several.json");
  auto list = ParseArtists(body);
  ASSERT_TRUE(list.has_value()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].name, "Nirvana");
  auto split = SplitArtists(body);
  ASSERT_TRUE(split.has_value()) << split.error().message;
  ASSERT_EQ(split->size(), 2u);
  auto nirvana = ParseArtist(split->at("6olE6TJLqED3rqDCT0FyPh"));
  ASSERT_TRUE(nirvana.has_value());
  EXPECT_EQ(nirvana->genres, (std::vector<std::string>{"alternative rock", "grunge", "permanent wave"}));
  auto with_null = SplitArtists(R"({"artists":[null,{"id":"a","name":"A","genres":[]}]})");
  ASSERT_TRUE(with_null.has_value());
  EXPECT_EQ(with_null->size(), 1u);
}

TEST(SpotifyParse, ArtistSearchPageGivesItsArtists) {
  auto list = ParseArtists(Fixture("own-search-artist-paged.json"));
  ASSERT_TRUE(list.has_value()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].genres.size(), 3u);
  EXPECT_TRUE((*list)[1].genres.empty());
}

TEST(SpotifyParse, SingleAudioFeaturesKeepTheTwelveFields) {
  for (const char* name : {"jmperez-audio-features-single.json", "java-audio-features-single.json"}) {
    SCOPED_TRACE(name);
    auto features = ParseAudioFeatures(Fixture(name));
    ASSERT_TRUE(features.has_value()) << features.error().message;
    auto doc = Json(*features);
    EXPECT_EQ(doc.MemberCount(), 12u) << *features;
    EXPECT_DOUBLE_EQ(doc["danceability"].GetDouble(), 0.735);
    EXPECT_DOUBLE_EQ(doc["tempo"].GetDouble(), 98.002);
    EXPECT_DOUBLE_EQ(doc["loudness"].GetDouble(), -11.84);
    EXPECT_EQ(doc["key"].GetInt(), 5);
    EXPECT_EQ(doc["mode"].GetInt(), 0);
    EXPECT_EQ(doc["time_signature"].GetInt(), 4);
    EXPECT_FALSE(doc.HasMember("analysis_url"));
    EXPECT_FALSE(doc.HasMember("id"));
  }
}

TEST(SpotifyParse, SeveralAudioFeaturesSplitPerId) {
  auto split = SplitAudioFeatures(Fixture("java-audio-features-several.json"));
  ASSERT_TRUE(split.has_value()) << split.error().message;
  ASSERT_EQ(split->size(), 3u);
  EXPECT_DOUBLE_EQ(Json(split->at("2NRANZE9UCmPAS5XVbXL40"))["tempo"].GetDouble(), 96.083);
  auto one = SplitAudioFeatures(Fixture("jmperez-audio-features-several.json"));
  ASSERT_TRUE(one.has_value()) << one.error().message;
  EXPECT_EQ(one->count("06AKEBrKUckW0KREUWRnvT"), 1u);
  auto with_null = SplitAudioFeatures(R"({"audio_features":[null]})");
  ASSERT_TRUE(with_null.has_value());
  EXPECT_TRUE(with_null->empty());
}

// --- errors -------------------------------------------------------------------------------

TEST(SpotifyParse, ErrorBodiesAreRecognized) {
  auto legacy = ParseError(Fixture("jmperez-error-not-found-legacy.json"));
  ASSERT_TRUE(legacy.has_value());
  EXPECT_EQ(legacy->type, "not_found");
  EXPECT_EQ(legacy->message, "non existing id");
  auto current = ParseError(R"({"error":{"status":404,"message":"Resource not found"}})");
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->status, 404);
  EXPECT_EQ(current->message, "Resource not found");
  EXPECT_FALSE(ParseError(Fixture("beets-track-happy.json")).has_value());
  ExpectInvalid(ParseTrack(Fixture("jmperez-error-not-found-legacy.json")), "the body is an error");
}

TEST(SpotifyParse, UnusableBodiesAreTransientNamingEndpointAndProblem) {
  std::string track = Fixture("beets-track-happy.json");
  ExpectUnusable(ParseTrack(track.substr(0, track.size() / 2)), "spotify track: malformed JSON");
  ExpectUnusable(ParseTrack("<html><body>502 Bad Gateway</body></html>"), "HTML page");
  ExpectUnusable(ParseTrackSearch("  \n"), "spotify search: empty body");
  ExpectUnusable(ParseTrackSearch(""), "empty body");
  ExpectUnusable(ParseTrackSearch("[1,2]"), "the body is an array");
  ExpectUnusable(ParseTrack(std::string("{\"id\":\"a\",\"name\":\"\xff\"")), "malformed JSON");
}

TEST(SpotifyParse, WellFormedBodiesOfTheWrongShapeAreInvalidInputNamingEndpointAndProblem) {
  ExpectInvalid(ParseTrackSearch(R"({"tracks":[]})"), "/tracks is an array, expected an object");
  ExpectInvalid(ParseTrackSearch(R"({"tracks":{"items":{}}})"), "/tracks/items is an object");
  ExpectInvalid(ParseTrackSearch(R"({"tracks":{"items":[{"id":"a","name":"n","duration_ms":"long"}]}})"),
                "/tracks/items/0/duration_ms is a string, expected an integer");
  ExpectInvalid(ParseTrack(R"({"id":"a","name":7})"), "/name is a number, expected a string");
  ExpectInvalid(ParseTrack(R"({"id":"a","name":"n","explicit":"no"})"), "/explicit");
  ExpectInvalid(ParseTrack(R"({"id":"a","name":"n","artists":{}})"), "/artists is an object");
  ExpectInvalid(ParseAlbum(R"({"id":"a","name":"n","release_date":17})"), "/release_date is a number");
  ExpectInvalid(ParseAlbum(R"({"id":"a","name":"n","genres":[1]})"), "/genres/0");
  ExpectInvalid(ParseArtist(R"({"id":"a","name":"n","genres":"rock"})"), "/genres is a string");
  ExpectInvalid(ParseAudioFeatures(R"({"danceability":"high"})"), "spotify audio_features: /danceability");
  ExpectInvalid(ParseAudioFeatures(R"({"id":"x"})"), "none of the audio feature fields");
  ExpectInvalid(SplitAudioFeatures(R"({"audio_features":[7]})"), "/audio_features/0 is a number");
  ExpectInvalid(SplitArtists(R"({"artists":null})"), "/artists is missing");
  ExpectInvalid(ParseToken(R"({"access_token":5})"), "spotify token: /access_token");
  ExpectInvalid(ParseToken(R"({"access_token":"x","token_type":"mac"})"), "expected Bearer");
}

TEST(SpotifyParse, CheckBodyAcceptsObjectsOnly) {
  EXPECT_FALSE(CheckBody(R"({"a":1})", "search").has_value());
  auto html = CheckBody("<!DOCTYPE html><html>", "search");
  ASSERT_TRUE(html.has_value());
  EXPECT_EQ(html->kind, core::ErrorKind::kTransient);
  EXPECT_NE(html->message.find("spotify search: an HTML page"), std::string::npos) << html->message;
  for (const char* body : {R"({"a":)", "", "[]"}) {
    auto checked = CheckBody(body, "artists");
    ASSERT_TRUE(checked.has_value()) << body;
    EXPECT_EQ(checked->kind, core::ErrorKind::kTransient) << body;
  }
}

// --- queries ------------------------------------------------------------------------------

TEST(SpotifyParse, QueriesQuoteAndEscapeValues) {
  EXPECT_EQ(TrackQuery("Mr. Brightside", "The Killers"), R"(track:"Mr. Brightside" artist:"The Killers")");
  EXPECT_EQ(TrackQuery(R"(Say "Hi" \o/)", "A"), R"(track:"Say \"Hi\" \\o/" artist:"A")");
  EXPECT_EQ(AlbumQuery("Abbey Road", "The Beatles"), R"(album:"Abbey Road" artist:"The Beatles")");
  EXPECT_EQ(IsrcQuery("gb-smu-45-66095"), "isrc:GBSMU4566095");
  EXPECT_EQ(FoldName("  Mr.  Brightside!! "), "mr brightside");
  EXPECT_EQ(FoldName("Sigur R\xc3\xb3s"), "sigur r\xc3\xb3s");
}

// --- records ------------------------------------------------------------------------------

TEST(SpotifyParse, TrackRecordCarriesFieldsFeaturesAndClassifiedGenres) {
  auto track = ParseTrack(Fixture("beets-track-happy.json"));
  ASSERT_TRUE(track.has_value());
  auto features = ParseAudioFeatures(Fixture("java-audio-features-single.json"));
  ASSERT_TRUE(features.has_value());
  auto zeppelin = ParseArtist(Fixture("php-artist-led-zeppelin.json"));
  auto horses = ParseArtist(Fixture("java-artist-band-of-horses.json"));
  ASSERT_TRUE(zeppelin.has_value() && horses.has_value());
  json::TrackJob job = Job("Pharrell Williams", "Happy");
  job.isrc = "USQ4E1300686";
  auto record = TrackRecordOf(job, *track, *features, {*horses, *zeppelin});
  EXPECT_EQ(record.status, catalog::SourceStatus::kOk);
  EXPECT_EQ(record.provider, "spotify");
  EXPECT_EQ(record.job_id, "job-1");
  EXPECT_EQ(record.external_id, "6NPVjNh8Jhru9xOmyQigds");
  EXPECT_EQ(record.ref.isrc, "USQ4E1300686");
  EXPECT_EQ(record.fields.audio_features_json, *features);
  ASSERT_FALSE(record.genres.empty());
  // The first artist's genres outrank the second's.
  EXPECT_EQ(record.genres.front(), "indie folk");
  EXPECT_NE(std::find(record.genres.begin(), record.genres.end(), "classic rock"), record.genres.end());
  ASSERT_TRUE(record.raw_json.has_value());
  auto raw = Json(*record.raw_json);
  EXPECT_TRUE(raw["track"].IsObject());
  EXPECT_TRUE(raw["audio_features"].IsObject());
  EXPECT_EQ(raw["artists"].Size(), 2u);
}

TEST(SpotifyParse, RecordsCarryTheFirstArtistsIdWhenItIsTheJobsArtist) {
  auto track = ParseTrack(Fixture("beets-track-happy.json"));
  ASSERT_TRUE(track.has_value());
  // db::NameKey: case and whitespace do not matter.
  auto record = TrackRecordOf(Job("  pharrell   WILLIAMS", "Happy"), *track, std::nullopt, {});
  EXPECT_EQ(record.fields.artist_spotify_id, "2RdwBSPQiwcmiDo9kixcl8");
  EXPECT_FALSE(TrackRecordOf(Job("Someone Else", "Happy"), *track, std::nullopt, {}).fields.artist_spotify_id);
  // A featured (second) artist's id never lands on the job's artist.
  auto multi = ParseTrack(Fixture("beets-track-multiartist.json"));
  ASSERT_TRUE(multi.has_value());
  EXPECT_EQ(TrackRecordOf(Job("Foo", "x"), *multi, std::nullopt, {}).fields.artist_spotify_id, "12345");
  EXPECT_FALSE(TrackRecordOf(Job("Bar", "x"), *multi, std::nullopt, {}).fields.artist_spotify_id);
  auto album = ParseAlbum(Fixture("harmony-album-die-with-a-smile.json"));
  ASSERT_TRUE(album.has_value());
  json::AlbumJob job;
  job.job_id = "a-1";
  job.artist = "Lady Gaga";
  job.album = "Die With A Smile";
  EXPECT_EQ(AlbumRecordOf(job, *album, {}).fields.artist_spotify_id, "1HY2Jd0NmPuamShAr6KMms");
  job.artist = "Bruno Mars";
  EXPECT_FALSE(AlbumRecordOf(job, *album, {}).fields.artist_spotify_id);
  EXPECT_FALSE(NotFoundTrack(Job("Pharrell Williams", "Happy")).fields.artist_spotify_id);
}

TEST(SpotifyParse, NotFoundRecordsKeepTheJobsIdentity) {
  json::TrackJob job = Job("Nobody", "Nothing");
  auto track = NotFoundTrack(job);
  EXPECT_EQ(track.status, catalog::SourceStatus::kNotFound);
  EXPECT_EQ(track.ref.artist, "Nobody");
  EXPECT_EQ(track.provider, "spotify");
  EXPECT_FALSE(track.external_id.has_value());
  json::AlbumJob album_job;
  album_job.job_id = "a-1";
  album_job.artist = "Nobody";
  album_job.album = "Nothing";
  auto album = NotFoundAlbum(album_job);
  EXPECT_EQ(album.status, catalog::SourceStatus::kNotFound);
  EXPECT_EQ(album.ref.title, "Nothing");
}

TEST(SpotifyParse, AlbumRecordUsesAlbumGenresFirstThenArtists) {
  auto album = ParseAlbum(R"({"id":"al","name":"Album","genres":["Jazz"],"artists":[{"id":"z","name":"Z"}]})");
  ASSERT_TRUE(album.has_value()) << album.error().message;
  auto zeppelin = ParseArtist(Fixture("php-artist-led-zeppelin.json"));
  json::AlbumJob job;
  job.job_id = "a-2";
  job.artist = "Led Zeppelin";
  job.album = "Album";
  auto record = AlbumRecordOf(job, *album, {*zeppelin});
  ASSERT_FALSE(record.genres.empty());
  EXPECT_EQ(record.genres.front(), "jazz");
  EXPECT_EQ(record.external_id, "al");
  EXPECT_EQ(record.fields.spotify_id, "al");
}

// --- normalize ------------------------------------------------------------------------------

TEST(SpotifyParse, NormalizeRecognizesEveryFixturesShape) {
  const std::pair<const char*, const char*> cases[] = {
      {"beets-search-track-happy.json", "search"},        {"beets-search-track-empty.json", "search"},
      {"java-search-track-muse-paged.json", "search"},    {"jmperez-search-track-gatan.json", "search"},
      {"beets-track-happy.json", "track"},                {"beets-track-multiartist.json", "track"},
      {"java-track-mr-brightside.json", "track"},         {"jmperez-track-mr-brightside.json", "track"},
      {"harmony-tracks-several-die-with-a-smile.json", "tracks"},
      {"beets-album-despicable-me-2.json", "album"},      {"beets-album-multiartist.json", "album"},
      {"jmperez-album-cyndi-lauper.json", "album"},       {"harmony-album-die-with-a-smile.json", "album"},
      {"java-artist-band-of-horses.json", "artist"},      {"jmperez-artist-abba-legacy-genres.json", "artist"},
      {"php-artist-led-zeppelin.json", "artist"},         {"php-artists-several.json", "artists"},
      {"own-search-artist-paged.json", "search"},         {"java-audio-features-single.json", "audio-feature"},
      {"jmperez-audio-features-single.json", "audio-feature"},
      {"java-audio-features-several.json", "audio-features"},
      {"jmperez-audio-features-several.json", "audio-features"},
      {"java-token-client-credentials.json", "token"},    {"java-token-error-invalid-client.json", "token"},
      {"jmperez-error-not-found-legacy.json", "error"},
  };
  for (const auto& [name, endpoint] : cases) {
    SCOPED_TRACE(name);
    auto out = NormalizeResponse(Fixture(name));
    ASSERT_TRUE(out.has_value()) << out.error().message;
    EXPECT_EQ(out->shape, endpoint);
    if (!out->record_json.empty()) Json(out->record_json);
  }
  auto token = NormalizeResponse(Fixture("java-token-client-credentials.json"));
  EXPECT_EQ(token->record_json.find("taHZ2SdB"), std::string::npos) << "the access token is never printed";
  auto error = NormalizeResponse(R"({"error":{"status":404,"message":"Resource not found"}})");
  ASSERT_TRUE(error.has_value()) << error.error().message;
  EXPECT_EQ(error->error_code, 404);
}

// Error bodies are classified as the provider classifies them at run time.
TEST(SpotifyParse, NormalizeClassifiesErrorBodiesLikeTheProvider) {
  auto kind = [](std::string_view body) {
    auto out = NormalizeResponse(body);
    EXPECT_TRUE(out.has_value() && out->error.has_value()) << body;
    return out && out->error ? out->error->kind : core::ErrorKind::kInvalidInput;
  };
  EXPECT_EQ(kind(Fixture("jmperez-error-not-found-legacy.json")), core::ErrorKind::kNotFound);
  EXPECT_EQ(kind(Fixture("java-token-error-invalid-client.json")), core::ErrorKind::kTransient);
  EXPECT_EQ(kind(R"({"error":{"status":404,"message":"Resource not found"}})"), core::ErrorKind::kNotFound);
  EXPECT_EQ(kind(R"({"error":{"status":429,"message":"API rate limit exceeded"}})"), core::ErrorKind::kTransient);
  EXPECT_EQ(kind(R"({"error":{"status":503,"message":"Service unavailable"}})"), core::ErrorKind::kTransient);
  EXPECT_EQ(kind(R"({"error":{"status":401,"message":"The access token expired"}})"), core::ErrorKind::kTransient);
  EXPECT_EQ(kind(R"({"error":{"status":400,"message":"invalid id"}})"), core::ErrorKind::kInvalidInput);
}

TEST(SpotifyParse, NormalizeReportsAnEmptySearchAsNothingFound) {
  auto out = NormalizeResponse(Fixture("beets-search-track-empty.json"));
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->candidates, 0);
  EXPECT_TRUE(out->record_json.empty());
  EXPECT_EQ(runtime::OutcomeOf(*out), "not_found");
}

// What each shape's normalize output holds (the binary prints record_json as "record").

TEST(SpotifyParse, NormalizeTokenShowsItsLifetimeButNeverTheToken) {
  auto out = NormalizeResponse(Fixture("java-token-client-credentials.json"));
  ASSERT_TRUE(out.has_value()) << out.error().message;
  auto doc = Json(out->record_json);
  EXPECT_STREQ(doc["token_type"].GetString(), "Bearer");
  EXPECT_EQ(doc["expires_in"].GetInt64(), 3600);
  EXPECT_STREQ(doc["access_token"].GetString(), "(redacted)");
  EXPECT_FALSE(out->candidates.has_value());
}

TEST(SpotifyParse, NormalizeTrackSearchGivesARecordPerHitAndTheTotal) {
  auto out = NormalizeResponse(Fixture("java-search-track-muse-paged.json"));
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->shape, "search");
  EXPECT_EQ(out->candidates, 10);
  auto doc = Json(out->record_json);
  EXPECT_STREQ(doc["type"].GetString(), "track");
  EXPECT_EQ(doc["total"].GetInt64(), 11113);
  ASSERT_EQ(doc["records"].Size(), 10u);
  EXPECT_STREQ(doc["records"][0]["external_id"].GetString(), "3lPr8ghNDBLc2uZovNyLs9");
  EXPECT_STREQ(doc["records"][0]["fields"]["title"].GetString(), "Supermassive Black Hole");
}

TEST(SpotifyParse, NormalizeTracksKeepsOneEntryPerIdWithNullForMissingOnes) {
  auto out = NormalizeResponse(R"({"tracks":[null,{"id":"t1","name":"Song","artists":[{"id":"a","name":"Band"}]}]})");
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->shape, "tracks");
  EXPECT_FALSE(out->candidates.has_value());
  auto doc = Json(out->record_json);
  ASSERT_EQ(doc["records"].Size(), 2u);
  EXPECT_TRUE(doc["records"][0].IsNull());
  EXPECT_STREQ(doc["records"][1]["external_id"].GetString(), "t1");
  auto recorded = NormalizeResponse(Fixture("harmony-tracks-several-die-with-a-smile.json"));
  ASSERT_TRUE(recorded.has_value()) << recorded.error().message;
  auto several = Json(recorded->record_json);
  ASSERT_EQ(several["records"].Size(), 1u);
  EXPECT_STREQ(several["records"][0]["fields"]["title"].GetString(), "Die With A Smile");
}

TEST(SpotifyParse, NormalizeAlbumSearchListsIdsAndNames) {
  auto out = NormalizeResponse(R"({"albums":{"items":[{"id":"al","name":"Unusual","artists":[]},null]}})");
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->shape, "search");
  EXPECT_EQ(out->candidates, 1);
  EXPECT_EQ(out->record_json, R"({"type":"album","albums":[{"id":"al","name":"Unusual"}]})");
  auto empty = NormalizeResponse(R"({"albums":{"items":[]}})");
  ASSERT_TRUE(empty.has_value()) << empty.error().message;
  EXPECT_EQ(empty->candidates, 0);
  EXPECT_EQ(runtime::OutcomeOf(*empty), "not_found");
}

TEST(SpotifyParse, NormalizeArtistSearchCountsCandidatesButAnArtistListDoesNot) {
  auto search = NormalizeResponse(Fixture("own-search-artist-paged.json"));
  ASSERT_TRUE(search.has_value()) << search.error().message;
  EXPECT_EQ(search->shape, "search");
  EXPECT_EQ(search->candidates, 2);
  auto found = Json(search->record_json);
  EXPECT_STREQ(found["type"].GetString(), "artist");
  ASSERT_EQ(found["artists"].Size(), 2u);
  EXPECT_STREQ(found["artists"][0]["name"].GetString(), "Harbour Lights");
  auto list = NormalizeResponse(Fixture("php-artists-several.json"));
  ASSERT_TRUE(list.has_value()) << list.error().message;
  EXPECT_EQ(list->shape, "artists");
  EXPECT_FALSE(list->candidates.has_value());
  auto several = Json(list->record_json);
  EXPECT_FALSE(several.HasMember("type"));
  ASSERT_EQ(several["artists"].Size(), 2u);
  EXPECT_STREQ(several["artists"][1]["name"].GetString(), "Nirvana");
  auto empty = NormalizeResponse(R"({"artists":{"items":[]}})");
  ASSERT_TRUE(empty.has_value()) << empty.error().message;
  EXPECT_EQ(empty->shape, "search");
  EXPECT_EQ(empty->candidates, 0);
  EXPECT_TRUE(empty->record_json.empty());
}

TEST(SpotifyParse, NormalizeSeveralAudioFeaturesKeysThemById) {
  auto out = NormalizeResponse(Fixture("java-audio-features-several.json"));
  ASSERT_TRUE(out.has_value()) << out.error().message;
  auto doc = Json(out->record_json);
  ASSERT_EQ(doc["audio_features"].MemberCount(), 3u);
  EXPECT_EQ(doc["audio_features"]["4JpKVNYnVcJ8tuMKjAj50A"]["key"].GetInt(), 7);
  EXPECT_EQ(doc["audio_features"]["4JpKVNYnVcJ8tuMKjAj50A"]["time_signature"].GetInt(), 4);
}

TEST(SpotifyParse, NormalizeSingleAudioFeaturesKeepsTheTrackId) {
  auto out = NormalizeResponse(Fixture("jmperez-audio-features-single.json"));
  ASSERT_TRUE(out.has_value()) << out.error().message;
  auto doc = Json(out->record_json);
  EXPECT_STREQ(doc["id"].GetString(), "06AKEBrKUckW0KREUWRnvT");
  EXPECT_DOUBLE_EQ(doc["audio_features"]["tempo"].GetDouble(), 98.002);
  EXPECT_EQ(doc["audio_features"]["mode"].GetInt(), 0);
}

TEST(SpotifyParse, NormalizeAlbumGivesTheAlbumRecord) {
  auto out = NormalizeResponse(Fixture("jmperez-album-cyndi-lauper.json"));
  ASSERT_TRUE(out.has_value()) << out.error().message;
  auto doc = Json(out->record_json);
  EXPECT_STREQ(doc["external_id"].GetString(), "0sNOF9WDwhWunNAHPD3Baj");
  EXPECT_STREQ(doc["fields"]["title"].GetString(), "She's So Unusual");
  EXPECT_STREQ(doc["fields"]["upc"].GetString(), "5099749994324");
  EXPECT_STREQ(doc["fields"]["release_date"].GetString(), "1983");
}

TEST(SpotifyParse, NormalizeArtistShowsSpotifysGenresAndOursClassified) {
  auto out = NormalizeResponse(Fixture("php-artist-led-zeppelin.json"));
  ASSERT_TRUE(out.has_value()) << out.error().message;
  auto doc = Json(out->record_json);
  EXPECT_STREQ(doc["id"].GetString(), "36QJpDe2go2KgaRleHCDTp");
  EXPECT_STREQ(doc["name"].GetString(), "Led Zeppelin");
  EXPECT_EQ(doc["spotify_genres"].Size(), 4u);
  ASSERT_TRUE(doc["genres"].IsArray());
  EXPECT_GT(doc["genres"].Size(), 0u);
  EXPECT_TRUE(doc["moods"].IsArray());
}

// The shapes overlap (a multi-type search, an album with its tracks, a track with its
// artists), so which check comes first decides the shape.
TEST(SpotifyParse, NormalizePicksTheShapeOfOverlappingBodiesInAFixedOrder) {
  auto shape = [](std::string_view body) {
    auto out = NormalizeResponse(body);
    EXPECT_TRUE(out.has_value()) << body << ": " << (out ? "" : out.error().message);
    return out ? out->shape + " " + std::to_string(out->candidates.value_or(-1)) : std::string("refused");
  };
  EXPECT_EQ(shape(R"({"error":{"status":404,"message":"x"},"access_token":"abc"})"), "error -1");
  EXPECT_EQ(shape(R"({"access_token":"abc","tracks":{"items":[]}})"), "token -1");
  EXPECT_EQ(shape(R"({"tracks":{"items":[]},"albums":{"items":[{"id":"al","name":"B","artists":[]}]}})"),
            "search 0");
  EXPECT_EQ(shape(R"({"tracks":[],"albums":{"items":[{"id":"al","name":"B","artists":[]}]}})"), "tracks -1");
  EXPECT_EQ(shape(R"({"albums":{"items":[]},"artists":{"items":[{"id":"a","name":"A"}]}})"), "search 0");
  EXPECT_EQ(shape(R"({"artists":[{"id":"a","name":"A"}],"audio_features":[]})"), "artists -1");
  EXPECT_EQ(shape(R"({"audio_features":[],"danceability":0.5})"), "audio-features -1");
  EXPECT_EQ(shape(R"({"type":"track","id":"t","name":"T","danceability":0.5})"), "audio-feature -1");
  EXPECT_EQ(shape(R"({"type":"album","album_type":"album","id":"al","name":"B","tracks":{"items":[]}})"),
            "album -1");
  EXPECT_EQ(shape(R"({"type":"artist","id":"a","name":"A","artists":[]})"), "artist -1");
}

TEST(SpotifyParse, NormalizeRefusesUnknownAndMalformedBodies) {
  ExpectInvalid(NormalizeResponse(R"({"hello":"world"})"), "not a shape");
  ExpectUnusable(NormalizeResponse("<html></html>"), "HTML page");
  ExpectUnusable(NormalizeResponse(""), "empty body");
  ExpectInvalid(NormalizeResponse(R"({"tracks":{"items":[{"id":1}]}})"), "/tracks/items/0/id");
}

}  // namespace
}  // namespace spotify
