#include "tools/provider_sim/simulator.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/fakes/fake_clock.hpp"
#include "tests/unit/provider_sim/json_shape.hpp"

namespace provider_sim {
namespace {

using namespace std::chrono_literals;
using provider_sim_test::ExpectFixtureShape;
using provider_sim_test::ShapeOptions;

constexpr std::string_view kDiscogsAuth = "Discogs token=test";

class SimulatorTest : public ::testing::Test {
 protected:
  void Start(SimSettings settings) { sim_ = std::make_unique<Simulator>(std::move(settings), clock_); }
  void StartUnlimited() {
    SimSettings settings = DefaultSettings();
    settings.unlimited = true;
    Start(settings);
  }

  Outcome Call(std::string method, std::string_view target, std::string authorization = "",
               std::string body = "", std::string user_agent = "tunefleet-test/1.0") {
    Request request;
    request.method = std::move(method);
    request.target = ParseTarget(target);
    request.authorization = std::move(authorization);
    request.user_agent = std::move(user_agent);
    request.body = std::move(body);
    return sim_->Handle(request);
  }
  Outcome Get(std::string_view target, std::string authorization = "") { return Call("GET", target, std::move(authorization)); }

  std::string Bearer() {
    Outcome token = Call("POST", "/spotify/api/token", "Basic aWQ6c2VjcmV0", "grant_type=client_credentials");
    EXPECT_EQ(token.response.status, 200) << token.response.body;
    rapidjson::Document doc;
    doc.Parse(token.response.body.c_str());
    return std::string("Bearer ") + doc["access_token"].GetString();
  }

  static rapidjson::Document Parse(const Outcome& outcome) {
    rapidjson::Document doc;
    doc.Parse(outcome.response.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << outcome.response.body;
    return doc;
  }

  static std::string Header(const Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  fakes::FakeClock clock_;
  std::unique_ptr<Simulator> sim_;
};

// ---- Shapes against the recorded responses ------------------------------------------------

TEST_F(SimulatorTest, SpotifyBodiesHaveTheRecordedShapes) {
  StartUnlimited();
  Outcome token = Call("POST", "/spotify/api/token", "Basic aWQ6c2VjcmV0", "grant_type=client_credentials");
  ExpectFixtureShape(token.response.body, "spotify/java-token-client-credentials.json");
  Outcome refused = Call("POST", "/spotify/api/token", "", "grant_type=client_credentials");
  EXPECT_EQ(refused.response.status, 400);
  ExpectFixtureShape(refused.response.body, "spotify/java-token-error-invalid-client.json");

  std::string auth = Bearer();
  Outcome search = Get("/spotify/v1/search?q=track%3A%22Happy%22+artist%3A%22Pharrell%20Williams%22&type=track", auth);
  ASSERT_EQ(search.response.status, 200);
  ExpectFixtureShape(search.response.body, "spotify/beets-search-track-happy.json", {.depth = 3});
  ExpectFixtureShape(search.response.body, "spotify/harmony-tracks-several-die-with-a-smile.json",
                     {.sim_pointer = "/tracks/items/0", .fixture_pointer = "/tracks/0", .depth = 3});
  std::string id = Parse(search)["tracks"]["items"][0]["id"].GetString();

  Outcome track = Get("/spotify/v1/tracks/" + id, auth);
  ExpectFixtureShape(track.response.body, "spotify/harmony-tracks-several-die-with-a-smile.json",
                     {.fixture_pointer = "/tracks/0", .depth = 3});
  ExpectFixtureShape(track.response.body, "spotify/java-track-mr-brightside.json",
                     {.depth = 3, .exact_top = false});
  Outcome tracks = Get("/spotify/v1/tracks?ids=" + id + "," + id, auth);
  ExpectFixtureShape(tracks.response.body, "spotify/harmony-tracks-several-die-with-a-smile.json", {.depth = 4});
  std::string album_id = Parse(track)["album"]["id"].GetString();
  std::string artist_id = Parse(track)["artists"][0]["id"].GetString();
  Outcome album = Get("/spotify/v1/albums/" + album_id, auth);
  ExpectFixtureShape(album.response.body, "spotify/harmony-album-die-with-a-smile.json", {.depth = 4});
  Outcome artists = Get("/spotify/v1/artists?ids=" + artist_id, auth);
  ExpectFixtureShape(artists.response.body, "spotify/php-artists-several.json", {.depth = 4});
  Outcome features = Get("/spotify/v1/audio-features?ids=" + id, auth);
  ExpectFixtureShape(features.response.body, "spotify/java-audio-features-several.json", {.depth = 4});
  Outcome empty = Get("/spotify/v1/search?q=isrc%3AXX0000000000&type=track", auth);
  // (isrc lookups always find a record; an empty search comes from a not-found key)
  EXPECT_EQ(empty.response.status, 200);
}

TEST_F(SimulatorTest, SpotifyEmptySearchHasTheRecordedShape) {
  SimSettings settings = DefaultSettings();
  settings.unlimited = true;
  settings.not_found_share = 1.0;
  Start(settings);
  Outcome search = Get("/spotify/v1/search?q=track%3Anothing&type=track", Bearer());
  EXPECT_TRUE(search.response.not_found);
  ExpectFixtureShape(search.response.body, "spotify/beets-search-track-empty.json", {.depth = 3});
}

TEST_F(SimulatorTest, LastfmBodiesHaveTheRecordedShapes) {
  StartUnlimited();
  Outcome artist = Get("/lastfm/2.0/?method=artist.getTopTags&artist=Cher&format=json&api_key=k");
  ExpectFixtureShape(artist.response.body, "lastfm/if-artist-gettoptags-multiple.json", {.depth = 4});
  Outcome track = Get("/lastfm/2.0/?method=track.getTopTags&artist=Cher&track=Believe&format=json&api_key=k");
  ExpectFixtureShape(track.response.body, "lastfm/if-artist-gettoptags-multiple.json", {.depth = 4});
  ExpectFixtureShape(track.response.body, "lastfm/if-album-gettoptags-cher-believe.json",
                     {.sim_pointer = "/toptags/tag/0", .fixture_pointer = "/toptags/tag/0", .depth = 1});
  Outcome album = Get("/lastfm/2.0/?method=album.getInfo&artist=Cher&album=Believe&username=u&format=json&api_key=k");
  ExpectFixtureShape(album.response.body, "lastfm/navidrome-album-getinfo-cher-believe.json", {.depth = 5});
}

TEST_F(SimulatorTest, LastfmErrorsHaveTheRecordedShape) {
  SimSettings settings = DefaultSettings();
  settings.unlimited = true;
  settings.not_found_share = 1.0;
  Start(settings);
  Outcome missing = Get("/lastfm/2.0/?method=album.getInfo&artist=Cher&album=Believe&format=json&api_key=k");
  EXPECT_EQ(missing.response.status, 200);
  EXPECT_EQ(Parse(missing)["error"].GetInt(), 6);
  ExpectFixtureShape(missing.response.body, "lastfm/koel-error-6-album-not-found.json");
  Outcome no_key = Get("/lastfm/2.0/?method=track.getTopTags&artist=A&track=B&format=json");
  EXPECT_EQ(Parse(no_key)["error"].GetInt(), 10);
}

TEST_F(SimulatorTest, MusicBrainzBodiesHaveTheRecordedShapes) {
  StartUnlimited();
  Outcome search = Get("/musicbrainz/ws/2/recording?query=recording%3A%22Creep%22%20AND%20artist%3A%22Radiohead%22&fmt=json");
  ASSERT_EQ(search.response.status, 200) << search.response.body;
  rapidjson::Document doc = Parse(search);
  ASSERT_TRUE(doc["created"].IsString());
  ASSERT_TRUE(doc["count"].IsInt());
  ASSERT_TRUE(doc["offset"].IsInt());
  ASSERT_TRUE(doc["recordings"].IsArray());
  EXPECT_EQ(doc["recordings"][0]["score"].GetInt(), 100);
  std::string mbid = doc["recordings"][0]["id"].GetString();
  std::string isrc = doc["recordings"][0]["isrcs"][0].GetString();

  Outcome lookup = Get("/musicbrainz/ws/2/recording/" + mbid + "?inc=artist-credits+isrcs+tags+genres&fmt=json");
  ExpectFixtureShape(lookup.response.body, "musicbrainz/picard-recording-lookup-tags-isrcs-relations.json",
                     {.depth = 3, .ignore = {"aliases", "relations"}});
  Outcome credits = Get("/musicbrainz/ws/2/recording/" + mbid + "?inc=artist-credits&fmt=json");
  ExpectFixtureShape(credits.response.body, "musicbrainz/picard-recording-lookup-multi-artist-credit.json",
                     {.depth = 3, .ignore = {"first-release-date"}});
  Outcome by_isrc = Get("/musicbrainz/ws/2/isrc/" + isrc + "?inc=artist-credits&fmt=json");
  ASSERT_EQ(by_isrc.response.status, 200);
  ExpectFixtureShape(by_isrc.response.body, "musicbrainz/picard-recording-lookup-multi-artist-credit.json",
                     {.sim_pointer = "/recordings/0", .depth = 3, .ignore = {"first-release-date"}});

  Outcome groups = Get("/musicbrainz/ws/2/release-group?query=releasegroup%3A%22Pablo%20Honey%22%20AND%20artist%3ARadiohead&fmt=json");
  std::string group = Parse(groups)["release-groups"][0]["id"].GetString();
  Outcome rg = Get("/musicbrainz/ws/2/release-group/" + group + "?inc=tags+genres+artist-credits&fmt=json");
  ExpectFixtureShape(rg.response.body, "musicbrainz/mbandroid-release-group-lookup-tags-rating.json",
                     {.depth = 3, .ignore = {"rating", "relations", "releases", "count", "genres"}});
  rapidjson::Document rg_doc = Parse(rg);
  ASSERT_TRUE(rg_doc["genres"].IsArray());
  if (!rg_doc["genres"].Empty()) {
    EXPECT_TRUE(rg_doc["genres"][0]["id"].IsString());
    EXPECT_TRUE(rg_doc["genres"][0]["count"].IsInt());
  }
}

// The release-group lookup with inc=releases lists the group's release; its lookup answers in
// koel's recorded shape, with the album's tracks (the ones Spotify's album lists) as recordings.
TEST_F(SimulatorTest, MusicBrainzReleaseLookupHasTheRecordedShapeAndTheAlbumsTracks) {
  StartUnlimited();
  Outcome groups = Get("/musicbrainz/ws/2/release-group?query=releasegroup%3A%22Pablo%20Honey%22%20AND%20artist%3ARadiohead&fmt=json");
  std::string group = Parse(groups)["release-groups"][0]["id"].GetString();
  rapidjson::Document rg = Parse(Get("/musicbrainz/ws/2/release-group/" + group + "?inc=releases&fmt=json"));
  ASSERT_TRUE(rg["releases"].IsArray());
  ASSERT_EQ(rg["releases"].Size(), 1u);
  EXPECT_STREQ(rg["releases"][0]["status"].GetString(), "Official");
  EXPECT_TRUE(rg["releases"][0]["date"].IsString());
  std::string release = rg["releases"][0]["id"].GetString();

  Outcome lookup = Get("/musicbrainz/ws/2/release/" + release + "?inc=recordings&fmt=json");
  ASSERT_EQ(lookup.response.status, 200) << lookup.response.body;
  ExpectFixtureShape(lookup.response.body, "musicbrainz/koel-release-lookup-inc-recordings.json", {.depth = 6});
  rapidjson::Document doc = Parse(lookup);
  EXPECT_FALSE(doc.HasMember("artist-credit")) << "not asked for";
  const auto& tracks = doc["media"][0]["tracks"];
  ASSERT_GT(tracks.Size(), 0u);
  EXPECT_EQ(doc["media"][0]["track-count"].GetInt(), static_cast<int>(tracks.Size()));
  EXPECT_FALSE(tracks[0]["recording"].HasMember("isrcs")) << "not asked for";

  rapidjson::Document full =
      Parse(Get("/musicbrainz/ws/2/release/" + release + "?inc=recordings+isrcs+artist-credits&fmt=json"));
  ASSERT_TRUE(full["artist-credit"].IsArray());
  const auto& track = full["media"][0]["tracks"][0];
  ASSERT_TRUE(track["artist-credit"].IsArray());
  std::string recording = track["recording"]["id"].GetString();
  std::string isrc = track["recording"]["isrcs"][0].GetString();
  // The recording answers its own lookup and the ISRC lookup with the same title.
  rapidjson::Document by_id = Parse(Get("/musicbrainz/ws/2/recording/" + recording + "?inc=isrcs&fmt=json"));
  EXPECT_STREQ(by_id["title"].GetString(), track["title"].GetString());
  EXPECT_EQ(std::string(by_id["isrcs"][0].GetString()), isrc);
  rapidjson::Document by_isrc = Parse(Get("/musicbrainz/ws/2/isrc/" + isrc + "?fmt=json"));
  EXPECT_EQ(std::string(by_isrc["recordings"][0]["id"].GetString()), recording);

  // The browse lists the same release; an unknown release is 404.
  rapidjson::Document browse = Parse(Get("/musicbrainz/ws/2/release?release-group=" + group + "&status=official&fmt=json"));
  EXPECT_EQ(browse["release-count"].GetInt(), 1);
  EXPECT_EQ(std::string(browse["releases"][0]["id"].GetString()), release);
  EXPECT_EQ(Get("/musicbrainz/ws/2/release/" + group + "?inc=recordings&fmt=json").response.status, 404)
      << "a release group's id is no release id";
}

// The same album, asked of Spotify and of MusicBrainz, lists the same track titles in order.
TEST_F(SimulatorTest, MusicBrainzReleaseTracksAreSpotifysAlbumTracks) {
  StartUnlimited();
  std::string auth = Bearer();
  rapidjson::Document search = Parse(Get(
      "/spotify/v1/search?q=album%3A%22Pablo%20Honey%22%20artist%3A%22Radiohead%22&type=album&limit=1", auth));
  std::string album_id = search["albums"]["items"][0]["id"].GetString();
  rapidjson::Document album = Parse(Get("/spotify/v1/albums/" + album_id, auth));
  const auto& items = album["tracks"]["items"];

  rapidjson::Document groups = Parse(
      Get("/musicbrainz/ws/2/release-group?query=releasegroup%3A%22Pablo%20Honey%22%20AND%20artist%3ARadiohead&fmt=json"));
  std::string group = groups["release-groups"][0]["id"].GetString();
  rapidjson::Document rg = Parse(Get("/musicbrainz/ws/2/release-group/" + group + "?inc=releases&fmt=json"));
  rapidjson::Document release = Parse(Get(std::string("/musicbrainz/ws/2/release/") +
                                          rg["releases"][0]["id"].GetString() + "?inc=recordings&fmt=json"));
  ASSERT_TRUE(release.IsObject() && release.HasMember("media") && release["media"].IsArray() &&
              !release["media"].Empty() && release["media"][0].HasMember("tracks"));
  const auto& tracks = release["media"][0]["tracks"];
  ASSERT_EQ(tracks.Size(), items.Size());
  for (rapidjson::SizeType i = 0; i < tracks.Size(); ++i) {
    EXPECT_STREQ(tracks[i]["title"].GetString(), items[i]["name"].GetString()) << i;
    EXPECT_EQ(tracks[i]["position"].GetInt(), static_cast<int>(i + 1));
    EXPECT_EQ(tracks[i]["length"].GetInt(), items[i]["duration_ms"].GetInt()) << i;
  }
}

TEST_F(SimulatorTest, DiscogsBodiesHaveTheRecordedShapes) {
  StartUnlimited();
  Outcome search = Get("/discogs/database/search?type=release&artist=Nirvana&release_title=Nevermind&per_page=3",
                       std::string(kDiscogsAuth));
  ASSERT_EQ(search.response.status, 200);
  ExpectFixtureShape(search.response.body, "discogs/maxep-database-search-nirvana-paged.json", {.depth = 2});
  ExpectFixtureShape(search.response.body, "discogs/maxep-database-search-nirvana-paged.json",
                     {.sim_pointer = "/results/0", .fixture_pointer = "/results/0", .depth = 2, .exact_top = false});
  std::int64_t id = Parse(search)["results"][0]["id"].GetInt64();
  Outcome release = Get("/discogs/releases/" + std::to_string(id), std::string(kDiscogsAuth));
  ASSERT_EQ(release.response.status, 200);
  ExpectFixtureShape(release.response.body, "discogs/harmony-release-1503102-rick-astley.json", {.depth = 3});
  Outcome missing = Get("/discogs/releases/abc", std::string(kDiscogsAuth));
  EXPECT_EQ(missing.response.status, 404);
  ExpectFixtureShape(missing.response.body, "discogs/swiftdiscogs-error-release-404.json");
}

// Paging with look-alikes first (--discogs-search-decoys): the documented pagination object,
// urls.next until the last page and urls.prev after the first; the match on its page.
TEST_F(SimulatorTest, DiscogsSearchPagesWithDecoysBeforeTheMatch) {
  SimSettings settings = DefaultSettings();
  settings.unlimited = true;
  settings.not_found_share = 0;
  settings.discogs_search_decoys = 7;
  Start(settings);
  std::string base = "/discogs/database/search?type=release&artist=Nirvana&release_title=Nevermind&per_page=5";
  rapidjson::Document first = Parse(Get(base, std::string(kDiscogsAuth)));
  const auto& p1 = first["pagination"];
  EXPECT_EQ(p1["page"].GetInt(), 1);
  EXPECT_EQ(p1["pages"].GetInt(), 2);
  EXPECT_EQ(p1["per_page"].GetInt(), 5);
  EXPECT_EQ(p1["items"].GetInt(), 8);
  ASSERT_TRUE(p1["urls"].HasMember("next"));
  EXPECT_NE(std::string(p1["urls"]["next"].GetString()).find("page=2"), std::string::npos);
  EXPECT_FALSE(p1["urls"].HasMember("prev"));
  ASSERT_EQ(first["results"].Size(), 5u);
  for (const auto& row : first["results"].GetArray()) {
    EXPECT_NE(std::string(row["title"].GetString()).find("Tribute"), std::string::npos) << row["title"].GetString();
  }
  rapidjson::Document second = Parse(Get(base + "&page=2", std::string(kDiscogsAuth)));
  EXPECT_EQ(second["pagination"]["page"].GetInt(), 2);
  EXPECT_FALSE(second["pagination"]["urls"].HasMember("next"));
  EXPECT_TRUE(second["pagination"]["urls"].HasMember("prev"));
  ASSERT_EQ(second["results"].Size(), 3u);
  EXPECT_STREQ(second["results"][2]["title"].GetString(), "Nirvana - Nevermind");
  // Every look-alike is found by its own lookup.
  std::int64_t decoy = first["results"][0]["id"].GetInt64();
  EXPECT_EQ(Get("/discogs/releases/" + std::to_string(decoy), std::string(kDiscogsAuth)).response.status, 200);
  // Without decoys: the match alone, one page, no links.
  ASSERT_FALSE(ApplyConfigJson(R"({"discogs":{"search_decoys":0}})", settings).has_value());
  Start(settings);
  rapidjson::Document alone = Parse(Get(base, std::string(kDiscogsAuth)));
  EXPECT_EQ(alone["pagination"]["pages"].GetInt(), 1);
  EXPECT_EQ(alone["results"].Size(), 1u);
  EXPECT_EQ(alone["pagination"]["urls"].MemberCount(), 0u);
}

// GET /artists/{id}: the artist the release credits, under the name it was credited with, in
// the documented shape; counted as "artist" and limited with the rest of Discogs.
TEST_F(SimulatorTest, DiscogsArtistOfAReleaseAnswersWithItsNamesAndCountsAgainstTheLimit) {
  SimSettings settings = DefaultSettings();
  settings.of(Provider::kDiscogs).rate_per_second = 1;
  settings.of(Provider::kDiscogs).burst = 3;
  settings.not_found_share = 0;
  Start(settings);
  rapidjson::Document search = Parse(Get("/discogs/database/search?type=release&artist=The%20Persuader&release_title=Stockholm",
                                         std::string(kDiscogsAuth)));
  std::int64_t id = search["results"][0]["id"].GetInt64();
  rapidjson::Document release = Parse(Get("/discogs/releases/" + std::to_string(id), std::string(kDiscogsAuth)));
  std::int64_t artist_id = release["artists"][0]["id"].GetInt64();
  Outcome artist = Get("/discogs/artists/" + std::to_string(artist_id), std::string(kDiscogsAuth));
  ASSERT_EQ(artist.response.status, 200) << artist.response.body;
  rapidjson::Document doc = Parse(artist);
  EXPECT_EQ(doc["id"].GetInt64(), artist_id);
  EXPECT_STREQ(doc["name"].GetString(), "The Persuader");
  ASSERT_TRUE(doc["namevariations"].IsArray());
  bool without_the = false;
  for (const auto& v : doc["namevariations"].GetArray()) without_the = without_the || std::string(v.GetString()) == "Persuader";
  EXPECT_TRUE(without_the);
  for (const char* key : {"profile", "releases_url", "resource_url", "uri", "data_quality"}) {
    EXPECT_TRUE(doc.HasMember(key) && doc[key].IsString()) << key;
  }
  EXPECT_TRUE(doc["urls"].IsArray());
  EXPECT_TRUE(doc["images"].IsArray());
  EXPECT_EQ(sim_->stats(Provider::kDiscogs).by_endpoint.at("artist"), 1u);
  // The fourth request in a second: over the limit (burst 3), whatever the endpoint.
  Outcome limited = Get("/discogs/artists/" + std::to_string(artist_id), std::string(kDiscogsAuth));
  EXPECT_EQ(limited.response.status, 429);
  EXPECT_EQ(sim_->stats(Provider::kDiscogs).limited, 1u);
  clock_.Advance(2s);
  Outcome bad = Get("/discogs/artists/abc", std::string(kDiscogsAuth));
  EXPECT_EQ(bad.response.status, 404);
  EXPECT_EQ(Parse(bad)["message"], "Artist not found.");
}

// ---- Ids resolve across endpoints ---------------------------------------------------------

TEST_F(SimulatorTest, SpotifySearchIdAnswersTrackAndAudioFeatureLookups) {
  StartUnlimited();
  std::string auth = Bearer();
  rapidjson::Document search = Parse(Get("/spotify/v1/search?q=track%3A%22Karma%20Police%22%20artist%3ARadiohead&type=track&limit=1", auth));
  const auto& item = search["tracks"]["items"][0];
  std::string id = item["id"].GetString();
  rapidjson::Document track = Parse(Get("/spotify/v1/tracks/" + id, auth));
  EXPECT_STREQ(track["name"].GetString(), "Karma Police");
  EXPECT_STREQ(track["artists"][0]["name"].GetString(), "Radiohead");
  EXPECT_EQ(track["duration_ms"].GetInt(), item["duration_ms"].GetInt());
  rapidjson::Document features = Parse(Get("/spotify/v1/audio-features?ids=" + id + ",0000000000000000000000", auth));
  EXPECT_STREQ(features["audio_features"][0]["id"].GetString(), id.c_str());
  EXPECT_EQ(features["audio_features"][0]["duration_ms"].GetInt(), item["duration_ms"].GetInt());
  EXPECT_TRUE(features["audio_features"][1].IsNull());
  // The ISRC the track carries finds the same track.
  std::string isrc = track["external_ids"]["isrc"].GetString();
  rapidjson::Document by_isrc = Parse(Get("/spotify/v1/search?q=isrc%3A" + isrc + "&type=track", auth));
  EXPECT_STREQ(by_isrc["tracks"]["items"][0]["id"].GetString(), id.c_str());
}

TEST_F(SimulatorTest, IdsSurviveARestartWithTheSameSeed) {
  StartUnlimited();
  std::string auth = Bearer();
  rapidjson::Document search = Parse(Get("/spotify/v1/search?q=track%3AX%20artist%3AY&type=track&limit=1", auth));
  std::string id = search["tracks"]["items"][0]["id"].GetString();
  int duration = search["tracks"]["items"][0]["duration_ms"].GetInt();
  StartUnlimited();  // a fresh simulator: nothing registered
  rapidjson::Document track = Parse(Get("/spotify/v1/tracks/" + id, Bearer()));
  EXPECT_EQ(track["duration_ms"].GetInt(), duration);
}

TEST_F(SimulatorTest, MusicBrainzIsrcLookupMbidAnswersRecordingLookups) {
  StartUnlimited();
  rapidjson::Document by_isrc = Parse(Get("/musicbrainz/ws/2/isrc/GBAYE0500674?inc=artist-credits&fmt=json"));
  std::string mbid = by_isrc["recordings"][0]["id"].GetString();
  rapidjson::Document recording = Parse(Get("/musicbrainz/ws/2/recording/" + mbid + "?inc=isrcs&fmt=json"));
  EXPECT_STREQ(recording["title"].GetString(), by_isrc["recordings"][0]["title"].GetString());
  EXPECT_STREQ(recording["isrcs"][0].GetString(), "GBAYE0500674");
}

TEST_F(SimulatorTest, DiscogsSearchIdAnswersReleaseLookups) {
  StartUnlimited();
  rapidjson::Document search = Parse(Get("/discogs/database/search?type=release&artist=Sigur%20Ros&release_title=Takk...", std::string(kDiscogsAuth)));
  std::int64_t id = search["results"][0]["id"].GetInt64();
  rapidjson::Document release = Parse(Get("/discogs/releases/" + std::to_string(id), std::string(kDiscogsAuth)));
  EXPECT_STREQ(release["title"].GetString(), "Takk...");
  EXPECT_STREQ(release["artists"][0]["name"].GetString(), "Sigur Ros");
  EXPECT_EQ(std::to_string(release["year"].GetInt()), search["results"][0]["year"].GetString());
}

TEST_F(SimulatorTest, CrossProviderRecordsAgree) {
  StartUnlimited();
  rapidjson::Document spotify = Parse(Get("/spotify/v1/search?q=track%3AHalo%20artist%3ABeyonce&type=track&limit=1", Bearer()));
  const auto& item = spotify["tracks"]["items"][0];
  rapidjson::Document mb = Parse(Get(std::string("/musicbrainz/ws/2/isrc/") + item["external_ids"]["isrc"].GetString() + "?fmt=json"));
  EXPECT_EQ(mb["recordings"][0]["length"].GetInt(), item["duration_ms"].GetInt());
  rapidjson::Document info = Parse(Get("/lastfm/2.0/?method=track.getInfo&artist=Beyonce&track=Halo&api_key=k&format=json"));
  EXPECT_STREQ(info["track"]["mbid"].GetString(), mb["recordings"][0]["id"].GetString());
}

// ---- Auth, limits, faults, stats ----------------------------------------------------------

TEST_F(SimulatorTest, ProvidersRefuseRequestsWithoutCredentials) {
  StartUnlimited();
  Outcome spotify = Get("/spotify/v1/tracks/0000000000000000000000");
  EXPECT_EQ(spotify.response.status, 401);
  Outcome forged = Get("/spotify/v1/tracks/0000000000000000000000", "Bearer BQforgedforgedforgedforg");
  EXPECT_EQ(forged.response.status, 401);
  EXPECT_EQ(Parse(forged)["error"]["message"], "Invalid access token");
  Outcome mb = Call("GET", "/musicbrainz/ws/2/isrc/GBAYE0500674?fmt=json", "", "", "");
  EXPECT_EQ(mb.response.status, 403);
  Outcome discogs = Get("/discogs/releases/1");
  EXPECT_EQ(discogs.response.status, 401);
}

TEST_F(SimulatorTest, SpotifyOverTheLimitGets429WithRetryAfterAndCountsAViolation) {
  SimSettings settings = DefaultSettings();
  settings.of(Provider::kSpotify).rate_per_second = 1;
  settings.of(Provider::kSpotify).burst = 3;
  Start(settings);
  std::string auth = Bearer();  // the token endpoint is not limited
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/spotify/v1/tracks/0000000000000000000000", auth).response.status, 400);
  Outcome limited = Get("/spotify/v1/tracks/0000000000000000000000", auth);
  EXPECT_EQ(limited.response.status, 429);
  EXPECT_EQ(Header(limited.response, "Retry-After"), "1");
  EXPECT_EQ(sim_->stats(Provider::kSpotify).limited, 1u);
  EXPECT_EQ(sim_->stats(Provider::kSpotify).by_status.at("429"), 1u);
  clock_.Advance(1s);
  EXPECT_EQ(Get("/spotify/v1/tracks/0000000000000000000000", auth).response.status, 400);
}

TEST_F(SimulatorTest, RequestsReadTogetherAfterALoopStallAreExcusedNotRefused) {
  SimSettings settings = DefaultSettings();
  settings.rate_slack = 0us;
  settings.of(Provider::kDiscogs).rate_per_second = 10;
  settings.of(Provider::kDiscogs).burst = 1;
  Start(settings);
  auto search = [&] { return Get("/discogs/database/search?q=x&type=release", std::string(kDiscogsAuth)); };
  EXPECT_EQ(search().response.status, 200);
  EXPECT_EQ(search().response.status, 429) << "no stall: the second request is early";
  // The loop was 300 ms late: three requests read at once are what a 10/s client sends in it.
  clock_.Advance(1s);
  sim_->NoteLoopLag(300ms);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(search().response.status, 200) << i;  // burst 1 + 3 excused
  EXPECT_EQ(search().response.status, 429);
  EXPECT_EQ(sim_->stats(Provider::kDiscogs).limited, 2u);
  EXPECT_EQ(sim_->stats(Provider::kDiscogs).excused, 3u);
  // The excuse lasts only kLagMemory after the stall was noticed.
  clock_.Advance(Simulator::kLagMemory + 1ms);
  EXPECT_EQ(search().response.status, 429);
  auto stats = Parse({Action::kRespond, {200, sim_->StatsJson(), {}, false}, {}});
  EXPECT_EQ(stats["discogs"]["excused_by_loop_lag"].GetInt(), 3);
  EXPECT_DOUBLE_EQ(stats["max_loop_lag_ms"].GetDouble(), 300.0);
}

TEST_F(SimulatorTest, MusicBrainzOverTheLimitGets503AndLastfmError29) {
  Start(DefaultSettings());
  EXPECT_EQ(Get("/musicbrainz/ws/2/isrc/GBAYE0500674?fmt=json").response.status, 200);
  Outcome mb = Get("/musicbrainz/ws/2/isrc/GBAYE0500674?fmt=json");
  EXPECT_EQ(mb.response.status, 503);
  EXPECT_TRUE(Parse(mb)["error"].IsString());
  for (int i = 0; i < 5; ++i) Get("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k&format=json");
  Outcome lastfm = Get("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k&format=json");
  EXPECT_EQ(lastfm.response.status, 200);
  EXPECT_EQ(Parse(lastfm)["error"].GetInt(), 29);
  EXPECT_EQ(sim_->stats(Provider::kMusicbrainz).limited, 1u);
  EXPECT_EQ(sim_->stats(Provider::kLastfm).limited, 1u);
}

TEST_F(SimulatorTest, DiscogsAnswersCarryRateLimitHeaders) {
  Start(DefaultSettings());
  Outcome first = Get("/discogs/releases/1234567", std::string(kDiscogsAuth));
  EXPECT_EQ(Header(first.response, "X-Discogs-Ratelimit"), "60");
  EXPECT_EQ(Header(first.response, "X-Discogs-Ratelimit-Used"), "1");
  EXPECT_EQ(Header(first.response, "X-Discogs-Ratelimit-Remaining"), "59");
  for (int i = 0; i < 4; ++i) Get("/discogs/releases/1234567", std::string(kDiscogsAuth));
  Outcome limited = Get("/discogs/releases/1234567", std::string(kDiscogsAuth));
  EXPECT_EQ(limited.response.status, 429);
  EXPECT_FALSE(Header(limited.response, "Retry-After").empty());
  EXPECT_EQ(Header(limited.response, "X-Discogs-Ratelimit-Remaining"), "54");
}

TEST_F(SimulatorTest, UnlimitedLiftsEveryLimit) {
  StartUnlimited();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(Get("/musicbrainz/ws/2/isrc/GBAYE0500674?fmt=json").response.status, 200);
  EXPECT_EQ(sim_->stats(Provider::kMusicbrainz).limited, 0u);
}

TEST_F(SimulatorTest, FaultConfigTakesAProviderDownAndBringsItBack) {
  StartUnlimited();
  ASSERT_FALSE(sim_->Configure(R"({"lastfm":{"error_rate":1.0,"error_kinds":["503"]}})").has_value());
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Get("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k").response.status, 503);
  }
  EXPECT_EQ(sim_->stats(Provider::kLastfm).faults_injected, 20u);
  ASSERT_FALSE(sim_->Configure(R"({"lastfm":{"error_rate":0}})").has_value());
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Get("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k").response.status, 200);
  }
}

TEST_F(SimulatorTest, FaultKindsBecomeActions) {
  StartUnlimited();
  ASSERT_FALSE(sim_->Configure(R"({"discogs":{"error_rate":1,"error_kinds":["timeout"]}})").has_value());
  EXPECT_EQ(Get("/discogs/releases/1", std::string(kDiscogsAuth)).action, Action::kHold);
  ASSERT_FALSE(sim_->Configure(R"({"discogs":{"error_kinds":["reset"],"latency_ms":20}})").has_value());
  Outcome reset = Get("/discogs/releases/1", std::string(kDiscogsAuth));
  EXPECT_EQ(reset.action, Action::kReset);
  EXPECT_EQ(reset.delay, 20ms);
  ASSERT_FALSE(sim_->Configure(R"({"discogs":{"error_kinds":["malformed"]}})").has_value());
  Outcome malformed = Get("/discogs/releases/1", std::string(kDiscogsAuth));
  EXPECT_EQ(malformed.response.status, 200);
  rapidjson::Document doc;
  doc.Parse(malformed.response.body.c_str());
  EXPECT_TRUE(doc.HasParseError());
  EXPECT_EQ(sim_->stats(Provider::kDiscogs).faults_by_kind.at("timeout"), 1u);
  EXPECT_EQ(sim_->stats(Provider::kDiscogs).by_status.at("reset"), 1u);
  // Credentials refused whatever the request carried: the client's 401/403 path.
  for (const char* status : {"401", "403"}) {
    ASSERT_FALSE(sim_->Configure(std::string(R"({"discogs":{"error_kinds":[")") + status + "\"]}}").has_value());
    Outcome refused = Get("/discogs/releases/1", std::string(kDiscogsAuth));
    EXPECT_EQ(refused.response.status, std::stoi(status));
    EXPECT_EQ(sim_->stats(Provider::kDiscogs).faults_by_kind.at(status), 1u);
  }
}

TEST_F(SimulatorTest, HugeAndDripFaultsBecomeStreamingActions) {
  StartUnlimited();
  ASSERT_FALSE(
      sim_->Configure(R"({"huge_body_bytes":5000000,"drip_interval_ms":250,"lastfm":{"error_rate":1,"error_kinds":["huge"]}})")
          .has_value());
  const std::string path = "/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k";
  Outcome huge = Get(path);
  EXPECT_EQ(huge.action, Action::kHuge);
  EXPECT_EQ(huge.huge_bytes, 5000000u);
  EXPECT_FALSE(huge.chunked);
  EXPECT_TRUE(huge.response.body.empty()) << "generated while written, never held";
  ASSERT_FALSE(sim_->Configure(R"({"lastfm":{"error_kinds":["huge-chunked"]}})").has_value());
  Outcome chunked = Get(path);
  EXPECT_EQ(chunked.action, Action::kHuge);
  EXPECT_TRUE(chunked.chunked);
  ASSERT_FALSE(sim_->Configure(R"({"lastfm":{"error_kinds":["drip"]}})").has_value());
  Outcome drip = Get(path);
  EXPECT_EQ(drip.action, Action::kDrip);
  EXPECT_EQ(drip.drip_interval, 250ms);
  EXPECT_EQ(drip.response.status, 200);
  rapidjson::Document doc;
  doc.Parse(drip.response.body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << "the normal answer, only slow";
  EXPECT_EQ(sim_->stats(Provider::kLastfm).faults_by_kind.at("huge-chunked"), 1u);
  EXPECT_EQ(sim_->stats(Provider::kLastfm).by_status.at("drip"), 1u);
}

TEST_F(SimulatorTest, ConfigErrorsNameTheKeyAndChangeNothing) {
  StartUnlimited();
  auto error = sim_->Configure(R"({"spotify":{"error_rate":2}})");
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("spotify-error-rate"), std::string::npos) << *error;
  EXPECT_TRUE(sim_->Configure(R"({"spotify":{"error_kinds":["teapot"]}})").has_value());
  EXPECT_TRUE(sim_->Configure(R"({"nosuch":{"rate":1}})").has_value());
  EXPECT_TRUE(sim_->Configure(R"({"spotify":{"error_rate":1},"port":1})").has_value());
  EXPECT_EQ(sim_->settings().of(Provider::kSpotify).error_rate, 0);
}

TEST_F(SimulatorTest, LatencyIsBasePlusBoundedJitter) {
  SimSettings settings = DefaultSettings();
  settings.unlimited = true;
  settings.of(Provider::kLastfm).latency = 100ms;
  settings.of(Provider::kLastfm).jitter = 20ms;
  Start(settings);
  for (int i = 0; i < 100; ++i) {
    auto delay = Get("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k").delay;
    ASSERT_GE(delay, 100ms);
    ASSERT_LE(delay, 120ms);
  }
}

TEST_F(SimulatorTest, StatsCountEndpointsStatusesAndNotFound) {
  SimSettings settings = DefaultSettings();
  settings.unlimited = true;
  settings.not_found_share = 1.0;
  Start(settings);
  Get("/lastfm/2.0/?method=track.getTopTags&artist=A&track=B&api_key=k");
  Get("/lastfm/2.0/?method=nosuch.method&api_key=k");
  Get("/lastfm/nowhere");
  rapidjson::Document stats;
  stats.Parse(Get("/_sim/stats").response.body.c_str());
  const auto& lastfm = stats["lastfm"];
  EXPECT_EQ(lastfm["requests"].GetInt(), 3);
  EXPECT_EQ(lastfm["by_endpoint"]["track.getTopTags"].GetInt(), 1);
  EXPECT_EQ(lastfm["by_endpoint"]["invalid-method"].GetInt(), 1);
  EXPECT_EQ(lastfm["by_endpoint"]["unknown"].GetInt(), 1);
  EXPECT_EQ(lastfm["by_status"]["200"].GetInt(), 2);
  EXPECT_EQ(lastfm["by_status"]["404"].GetInt(), 1);
  EXPECT_EQ(lastfm["not_found"].GetInt(), 1);
  EXPECT_TRUE(stats["uptime_s"].IsNumber());
  Call("POST", "/_sim/reset");
  stats.Parse(Get("/_sim/stats").response.body.c_str());
  EXPECT_EQ(stats["lastfm"]["requests"].GetInt(), 0);
}

TEST_F(SimulatorTest, UnknownPathsAreJson404s) {
  StartUnlimited();
  EXPECT_EQ(Get("/nowhere").response.status, 404);
  EXPECT_EQ(Get("/spotify").response.status, 404);
  EXPECT_EQ(Get("/_sim/nowhere").response.status, 404);
  EXPECT_EQ(Get("/_sim/health").response.status, 200);
}

}  // namespace
}  // namespace provider_sim
