// The built provider-sim binary over real loopback HTTP: every endpoint, rate limits, faults
// configured at run time, the timeout and reset faults, keep-alive and pipelining.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/integration/provider_sim/sim_process.hpp"
#include "tests/unit/provider_sim/json_shape.hpp"

namespace provider_sim_test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDiscogsAuth = "Authorization: Discogs token=test";

class ProviderSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void Start(std::vector<std::string> args) {
    sim_ = std::make_unique<SimProcess>(std::move(args));
    ASSERT_GT(sim_->port(), 0) << "provider-sim did not report its port:\n" << sim_->Stderr();
  }

  HttpResult Get(const std::string& path, std::vector<std::string> headers = {}, long timeout_ms = 10'000) {
    return Fetch({.method = "GET", .url = sim_->Url(path), .headers = std::move(headers), .timeout_ms = timeout_ms});
  }
  HttpResult Post(const std::string& path, const std::string& body, std::vector<std::string> headers = {}) {
    return Fetch({.method = "POST", .url = sim_->Url(path), .headers = std::move(headers), .body = body});
  }

  std::string Bearer() {
    HttpResult token = Post("/spotify/api/token", "grant_type=client_credentials",
                            {"Authorization: Basic aWQ6c2VjcmV0", "Content-Type: application/x-www-form-urlencoded"});
    EXPECT_EQ(token.status, 200) << token.body;
    return std::string("Authorization: Bearer ") + Json(token)["access_token"].GetString();
  }

  static rapidjson::Document JsonOf(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << body.substr(0, 300);
    return doc;
  }
  struct JsonView {
    rapidjson::Document doc;
    const rapidjson::Value& operator[](const char* key) const { return doc[key]; }
  };
  static JsonView Json(const HttpResult& result) { return {JsonOf(result.body)}; }

  std::int64_t Stat(const std::string& provider, const std::string& field) {
    rapidjson::Document stats = JsonOf(Get("/_sim/stats").body);
    return stats[provider.c_str()][field.c_str()].GetInt64();
  }

  std::unique_ptr<SimProcess> sim_;
};

void ExpectJson200(const HttpResult& r, const std::string& what) {
  EXPECT_EQ(r.code, CURLE_OK) << what;
  EXPECT_EQ(r.status, 200) << what << ": " << r.body.substr(0, 300);
  EXPECT_EQ(r.content_type.rfind("application/json", 0), 0u) << what << ": " << r.content_type;
}

TEST_F(ProviderSimTest, EveryEndpointAnswersJsonInTheRecordedShape) {
  Start({"--unlimited"});
  std::string auth = Bearer();
  HttpResult search = Get("/spotify/v1/search?q=track%3A%22Hey%20Jude%22%20artist%3A%22The%20Beatles%22&type=track&limit=5", {auth});
  ExpectJson200(search, "spotify search");
  ExpectFixtureShape(search.body, "spotify/beets-search-track-happy.json", {.depth = 3});
  std::string id = Json(search)["tracks"]["items"][0]["id"].GetString();
  HttpResult track = Get("/spotify/v1/tracks/" + id, {auth});
  ExpectJson200(track, "spotify track");
  ExpectFixtureShape(track.body, "spotify/harmony-tracks-several-die-with-a-smile.json",
                     {.fixture_pointer = "/tracks/0", .depth = 3});
  HttpResult tracks = Get("/spotify/v1/tracks?ids=" + id, {auth});
  ExpectJson200(tracks, "spotify tracks");
  ExpectFixtureShape(tracks.body, "spotify/harmony-tracks-several-die-with-a-smile.json", {.depth = 4});
  std::string album = Json(track)["album"]["id"].GetString();
  std::string artist = Json(track)["artists"][0]["id"].GetString();
  HttpResult album_r = Get("/spotify/v1/albums/" + album, {auth});
  ExpectJson200(album_r, "spotify album");
  ExpectFixtureShape(album_r.body, "spotify/harmony-album-die-with-a-smile.json", {.depth = 3});
  HttpResult artists = Get("/spotify/v1/artists?ids=" + artist, {auth});
  ExpectJson200(artists, "spotify artists");
  ExpectFixtureShape(artists.body, "spotify/php-artists-several.json", {.depth = 4});
  HttpResult features = Get("/spotify/v1/audio-features?ids=" + id, {auth});
  ExpectJson200(features, "spotify audio-features");
  ExpectFixtureShape(features.body, "spotify/java-audio-features-several.json", {.depth = 4});

  HttpResult tags = Get("/lastfm/2.0/?method=track.getTopTags&artist=The%20Beatles&track=Hey%20Jude&format=json&api_key=k");
  ExpectJson200(tags, "lastfm track.getTopTags");
  ExpectFixtureShape(tags.body, "lastfm/if-artist-gettoptags-multiple.json", {.depth = 4});
  HttpResult artist_tags = Get("/lastfm/2.0/?method=artist.getTopTags&artist=The%20Beatles&format=json&api_key=k");
  ExpectJson200(artist_tags, "lastfm artist.getTopTags");
  ExpectFixtureShape(artist_tags.body, "lastfm/if-artist-gettoptags-multiple.json", {.depth = 4});
  ExpectJson200(Get("/lastfm/2.0/?method=track.getInfo&artist=The%20Beatles&track=Hey%20Jude&format=json&api_key=k"),
                "lastfm track.getInfo");
  HttpResult album_info = Get("/lastfm/2.0/?method=album.getInfo&artist=The%20Beatles&album=Abbey%20Road&username=u&format=json&api_key=k");
  ExpectJson200(album_info, "lastfm album.getInfo");
  ExpectFixtureShape(album_info.body, "lastfm/navidrome-album-getinfo-cher-believe.json", {.depth = 4});

  std::string isrc = Json(track)["external_ids"]["isrc"].GetString();
  HttpResult by_isrc = Get("/musicbrainz/ws/2/isrc/" + isrc + "?inc=artist-credits&fmt=json");
  ExpectJson200(by_isrc, "musicbrainz isrc");
  std::string mbid = Json(by_isrc)["recordings"][0]["id"].GetString();
  HttpResult recording = Get("/musicbrainz/ws/2/recording/" + mbid + "?inc=tags+genres+isrcs+artist-credits&fmt=json");
  ExpectJson200(recording, "musicbrainz recording");
  ExpectFixtureShape(recording.body, "musicbrainz/picard-recording-lookup-tags-isrcs-relations.json",
                     {.depth = 3, .ignore = {"aliases", "relations", "genres"}});
  HttpResult rec_search = Get("/musicbrainz/ws/2/recording?query=recording%3A%22Hey%20Jude%22%20AND%20artist%3A%22The%20Beatles%22&fmt=json");
  ExpectJson200(rec_search, "musicbrainz recording search");
  EXPECT_STREQ(Json(rec_search)["recordings"][0]["id"].GetString(), mbid.c_str());
  HttpResult rg_search = Get("/musicbrainz/ws/2/release-group?query=releasegroup%3A%22Abbey%20Road%22%20AND%20artist%3A%22The%20Beatles%22&fmt=json");
  ExpectJson200(rg_search, "musicbrainz release-group search");
  std::string group = Json(rg_search)["release-groups"][0]["id"].GetString();
  HttpResult rg = Get("/musicbrainz/ws/2/release-group/" + group + "?inc=tags+genres&fmt=json");
  ExpectJson200(rg, "musicbrainz release-group");

  HttpResult d_search = Get("/discogs/database/search?q=&type=release&artist=The%20Beatles&release_title=Abbey%20Road&per_page=5", {kDiscogsAuth});
  ExpectJson200(d_search, "discogs search");
  ExpectFixtureShape(d_search.body, "discogs/maxep-database-search-nirvana-paged.json", {.depth = 2});
  EXPECT_FALSE(d_search.headers["x-discogs-ratelimit-remaining"].empty());
  std::int64_t release_id = Json(d_search)["results"][0]["id"].GetInt64();
  HttpResult release = Get("/discogs/releases/" + std::to_string(release_id), {kDiscogsAuth});
  ExpectJson200(release, "discogs release");
  ExpectFixtureShape(release.body, "discogs/harmony-release-1503102-rick-astley.json", {.depth = 3});
  EXPECT_FALSE(release.headers["x-discogs-ratelimit"].empty());
  EXPECT_FALSE(release.headers["x-discogs-ratelimit-used"].empty());

  ExpectJson200(Get("/_sim/health"), "health");
}

TEST_F(ProviderSimTest, BurstPlusNConcurrentRequestsGetNRefusedAndCounted) {
  // A slow refill keeps the count exact however long the requests take to arrive.
  Start({"--spotify-rate", "1/min", "--spotify-burst", "5", "--musicbrainz-rate", "1/min"});
  std::string auth = Bearer();
  std::vector<HttpRequest> spotify(8, HttpRequest{.url = sim_->Url("/spotify/v1/audio-features?ids=x"), .headers = {auth}});
  int limited = 0;
  for (const auto& r : FetchConcurrently(spotify)) {
    ASSERT_EQ(r.code, CURLE_OK);
    if (r.status == 429) {
      ++limited;
      EXPECT_FALSE(r.headers.at("retry-after").empty());
    }
  }
  EXPECT_EQ(limited, 3);
  EXPECT_EQ(Stat("spotify", "limited"), 3);

  std::vector<HttpRequest> mb(4, HttpRequest{.url = sim_->Url("/musicbrainz/ws/2/isrc/GBAYE0500674?fmt=json")});
  int refused = 0;
  for (const auto& r : FetchConcurrently(mb)) refused += r.status == 503 ? 1 : 0;
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(Stat("musicbrainz", "limited"), 3);
}

TEST_F(ProviderSimTest, RuntimeConfigTakesAProviderDownAndBringsItBack) {
  Start({"--unlimited"});
  std::string auth = Bearer();
  HttpResult down = Post("/_sim/config", R"({"spotify":{"error_rate":1.0,"error_kinds":["503"]}})");
  ASSERT_EQ(down.status, 200) << down.body;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Get("/spotify/v1/audio-features?ids=x", {auth}).status, 503);
  ASSERT_EQ(Post("/_sim/config", R"({"spotify":{"error_rate":0}})").status, 200);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Get("/spotify/v1/audio-features?ids=x", {auth}).status, 200);
  EXPECT_EQ(Stat("spotify", "faults_injected"), 10);
  HttpResult bad = Post("/_sim/config", R"({"spotify":{"error_rate":"lots"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("error-rate"), std::string::npos) << bad.body;
}

TEST_F(ProviderSimTest, TimeoutFaultHoldsTheRequestUntilTheClientGivesUp) {
  Start({"--unlimited", "--lastfm-error-rate", "1", "--lastfm-error-kinds", "timeout"});
  HttpResult r = Get("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k", {}, 300);
  EXPECT_EQ(r.code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_GE(r.elapsed, 290ms);
  EXPECT_LT(r.elapsed, 3s);
  // The held connection does not block anyone else.
  ExpectJson200(Get("/_sim/health"), "health while a request is held");
}

TEST_F(ProviderSimTest, ResetFaultGivesTheClientATransportError) {
  Start({"--unlimited", "--discogs-error-rate", "1", "--discogs-error-kinds", "reset"});
  HttpResult r = Get("/discogs/releases/1", {kDiscogsAuth});
  EXPECT_NE(r.code, CURLE_OK);
  EXPECT_NE(r.code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(Stat("discogs", "faults_injected"), 1);
}

TEST_F(ProviderSimTest, MalformedFaultSendsTruncatedJsonWith200) {
  Start({"--unlimited", "--musicbrainz-error-rate", "1", "--musicbrainz-error-kinds", "malformed"});
  HttpResult r = Get("/musicbrainz/ws/2/isrc/GBAYE0500674?fmt=json");
  EXPECT_EQ(r.status, 200);
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  EXPECT_TRUE(doc.HasParseError());
}

TEST_F(ProviderSimTest, KeepAliveReusesOneConnection) {
  Start({"--unlimited"});
  CURL* handle = curl_easy_init();
  long connects = 0;
  for (int i = 0; i < 20; ++i) {
    HttpResult r = Fetch({.url = sim_->Url("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k")}, handle);
    ASSERT_EQ(r.status, 200);
    connects += r.connects;
  }
  curl_easy_cleanup(handle);
  EXPECT_EQ(connects, 1);
}

TEST_F(ProviderSimTest, LatencyTimersServeManySlowRequestsAtOnce) {
  Start({"--unlimited", "--lastfm-latency-ms", "200"});
  std::vector<HttpRequest> requests(
      300, HttpRequest{.url = sim_->Url("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k")});
  auto started = std::chrono::steady_clock::now();
  auto results = FetchConcurrently(requests);
  auto elapsed = std::chrono::steady_clock::now() - started;
  for (const auto& r : results) {
    ASSERT_EQ(r.status, 200);
    ASSERT_GE(r.elapsed, 195ms);
  }
  EXPECT_LT(elapsed, 3s) << "300 requests of 200 ms each should overlap";
}

TEST_F(ProviderSimTest, PipelinedRequestsAreAnsweredInOrder) {
  Start({"--unlimited", "--lastfm-latency-ms", "50"});
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(sim_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string requests =
      "GET /lastfm/2.0/?method=artist.getTopTags&artist=First&api_key=k HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /lastfm/2.0/?method=artist.getTopTags&artist=Third&api_key=k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(fd, requests.data(), requests.size()), static_cast<ssize_t>(requests.size()));
  std::string received;
  char buf[4096];
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    received.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  std::size_t first = received.find("\"artist\":\"First\"");
  std::size_t second = received.find("{\"status\":\"ok\"}");
  std::size_t third = received.find("\"artist\":\"Third\"");
  ASSERT_NE(first, std::string::npos) << received;
  ASSERT_NE(second, std::string::npos) << received;
  ASSERT_NE(third, std::string::npos) << received;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_NE(received.find("Connection: close"), std::string::npos);
}

TEST_F(ProviderSimTest, StatsResetZeroesTheCounters) {
  Start({"--unlimited"});
  Get("/lastfm/2.0/?method=artist.getTopTags&artist=A&api_key=k");
  EXPECT_EQ(Stat("lastfm", "requests"), 1);
  ASSERT_EQ(Post("/_sim/reset", "").status, 200);
  EXPECT_EQ(Stat("lastfm", "requests"), 0);
}

TEST_F(ProviderSimTest, ABadFlagStopsItWithExitCodeTwo) {
  SimProcess sim({"--spotify-error-rate", "2"});
  EXPECT_EQ(sim.port(), 0);
  EXPECT_EQ(sim.WaitExit(5s), 2);
  EXPECT_NE(sim.Stderr().find("--spotify-error-rate"), std::string::npos) << sim.Stderr();
}

}  // namespace
}  // namespace provider_sim_test
