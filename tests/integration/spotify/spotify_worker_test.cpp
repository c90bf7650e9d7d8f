// tunefleet-spotify end to end: the built worker consumes track and album jobs from its own
// vhost, calls the built provider-sim (Spotify shapes, enforced 10 req/s), and writes
// track_sources / album_sources rows into a throwaway database. A loopback proxy in front of
// the simulator injects what the simulator cannot: a 403 on audio features and an expired token.
#include <civetweb.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/provider_sim/sim_albums.hpp"
#include "tests/integration/provider_sim/sim_process.hpp"
#include "tests/support/album_tracks.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/redis_db.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"

namespace spotify_test {
namespace {

using namespace std::chrono_literals;
using provider_sim_test::Fetch;
using provider_sim_test::HttpResult;
using provider_sim_test::SimAlbumWithTracks;
using provider_sim_test::SimProcess;
using provider_sim_test::SimSpotifyBearer;
using provider_sim_test::UrlEscape;
using test_support::CountAlbumTracks;
using test_support::DeclareTrackJobCounter;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitForEnrichedAlbum;
using test_support::WaitUntil;
using test_support::WorkerProcess;

constexpr const char* kSecret = "s3cret-never-logged";
constexpr const char* kJobQueue = "tunefleet.spotify";
constexpr const char* kDeadQueue = "tunefleet.spotify.dead";

std::filesystem::path WorkerBinary() { return std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-spotify"; }

using test_support::FreePort;

// --- provider-sim ------------------------------------------------------------------------

using provider_sim_test::Describe;
using provider_sim_test::SimStats;

SimStats SpotifyStats(const SimProcess& sim) { return provider_sim_test::ProviderStats(sim, "spotify"); }

void PostSim(const SimProcess& sim, const std::string& path, const std::string& body) {
  HttpResult r = Fetch({.method = "POST", .url = sim.Url(path), .body = body});
  ASSERT_EQ(r.status, 200) << path << ": " << r.body;
}

// Whether the simulator's search for `q` has no hit (asked directly, not through the worker).
bool SimSearchEmpty(const SimProcess& sim, const std::string& bearer, const std::string& q, const std::string& type) {
  HttpResult r = Fetch({.url = sim.Url("/spotify/v1/search?q=" + UrlEscape(q) + "&type=" + type + "&limit=5"),
                        .headers = {bearer}});
  EXPECT_EQ(r.status, 200) << r.body;
  return r.body.find("\"total\":0") != std::string::npos;
}

// --- a proxy in front of the simulator that refuses audio features and expires tokens -------

struct Proxy {
  std::string target;                       // http://127.0.0.1:<sim port>
  std::atomic<bool> forbid_audio_features{false};
  std::atomic<int> unauthorized_left{0};    // answer this many API calls with 401
  std::atomic<int> forbidden{0};
  std::atomic<int> unauthorized{0};
  mg_context* server = nullptr;
  int port = 0;

  static void Reply(mg_connection* conn, long status, const std::string& body) {
    // civetweb closes each connection after its answer: say so, so the client never reuses one.
    mg_printf(conn,
              "HTTP/1.1 %ld X\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n"
              "Content-Length: %zu\r\n\r\n",
              status, body.size());
    mg_write(conn, body.data(), body.size());
  }

  static int Handle(mg_connection* conn, void* data) {
    auto* self = static_cast<Proxy*>(data);
    const mg_request_info* info = mg_get_request_info(conn);
    std::string uri = info->local_uri;
    if (uri.rfind("/spotify/v1/audio-features", 0) == 0 && self->forbid_audio_features) {
      ++self->forbidden;
      Reply(conn, 403, R"({"error":{"status":403,"message":"Forbidden"}})");
      return 403;
    }
    if (uri.rfind("/spotify/v1/", 0) == 0 && self->unauthorized_left.fetch_sub(1) > 0) {
      ++self->unauthorized;
      Reply(conn, 401, R"({"error":{"status":401,"message":"The access token expired"}})");
      return 401;
    }
    std::string body;
    char buf[4096];
    int n = 0;
    while ((n = mg_read(conn, buf, sizeof buf)) > 0) body.append(buf, static_cast<std::size_t>(n));
    std::vector<std::string> headers;
    for (const char* name : {"Authorization", "Content-Type"}) {
      if (const char* value = mg_get_header(conn, name)) headers.push_back(std::string(name) + ": " + value);
    }
    std::string url = self->target + uri + (info->query_string != nullptr ? "?" + std::string(info->query_string) : "");
    HttpResult r = Fetch({.method = info->request_method, .url = url, .headers = headers, .body = body});
    Reply(conn, r.code == CURLE_OK ? r.status : 502, r.body);
    return static_cast<int>(r.status);
  }

  explicit Proxy(const SimProcess& sim) : target("http://127.0.0.1:" + std::to_string(sim.port())) {
    mg_init_library(0);
    const char* options[] = {"listening_ports", "127.0.0.1:0", "num_threads", "16", nullptr};
    mg_callbacks callbacks{};
    server = mg_start(&callbacks, nullptr, options);
    if (server == nullptr) throw std::runtime_error("cannot start the proxy");
    mg_set_request_handler(server, "/", Handle, this);
    mg_server_port ports[1];
    if (mg_get_server_ports(server, 1, ports) != 1) throw std::runtime_error("proxy has no port");
    port = ports[0].port;
  }
  ~Proxy() { mg_stop(server); }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port) + "/spotify"; }
};

// --- jobs and rows ---------------------------------------------------------------------------

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

amqp::OutgoingMessage TrackMessage(const std::string& id, const std::string& artist, const std::string& title,
                                   const std::string& isrc = "") {
  std::string body = R"({"type":"tunefleet.track_job/1","job_id":)" + JsonString(id) + R"(,"trace_id":"t-)" + id +
                     R"(","artist":)" + JsonString(artist) + R"(,"title":)" + JsonString(title) +
                     (isrc.empty() ? "" : R"(,"isrc":)" + JsonString(isrc)) + "}";
  return {"tunefleet.jobs", "track.spotify", id, body, {}};
}

amqp::OutgoingMessage AlbumMessage(const std::string& id, const std::string& artist, const std::string& album) {
  std::string body = R"({"type":"tunefleet.album_job/1","job_id":)" + JsonString(id) + R"(,"trace_id":"t-)" + id +
                     R"(","artist":)" + JsonString(artist) + R"(,"album":)" + JsonString(album) + "}";
  return {"tunefleet.jobs", "album.spotify", id, body, {}};
}

struct Counts {
  std::int64_t tracks_ok = 0;
  std::int64_t tracks_not_found = 0;
  std::int64_t albums_ok = 0;
  std::int64_t albums_not_found = 0;
  std::int64_t tracks() const { return tracks_ok + tracks_not_found; }
  std::int64_t albums() const { return albums_ok + albums_not_found; }
};

Counts CountSources(const TestDatabase& db) {
  auto row = db.Rows(
      "SELECT (SELECT count(*) FROM track_sources WHERE provider = 'spotify' AND status = 'ok'),"
      " (SELECT count(*) FROM track_sources WHERE provider = 'spotify' AND status = 'not_found'),"
      " (SELECT count(*) FROM album_sources WHERE provider = 'spotify' AND status = 'ok'),"
      " (SELECT count(*) FROM album_sources WHERE provider = 'spotify' AND status = 'not_found')")
                 .at(0);
  return {std::stoll(row[0]), std::stoll(row[1]), std::stoll(row[2]), std::stoll(row[3])};
}

std::string Describe(const Counts& c) {
  return "tracks ok=" + std::to_string(c.tracks_ok) + " not_found=" + std::to_string(c.tracks_not_found) +
         " albums ok=" + std::to_string(c.albums_ok) + " not_found=" + std::to_string(c.albums_not_found);
}

// Albums bring their tracks is off unless a test asks for it: the other tests count the
// track jobs they sent, and an album's track jobs would add to them.
std::map<std::string, std::string> WorkerEnv(const TestVhost& vhost, const TestDatabase& db, const std::string& api_url,
                                             int redis_db, int metrics_port = 0, bool album_tracks = false) {
  return {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
          {"TUNEFLEET_ALBUM_TRACKS", album_tracks ? "true" : "false"},
          {"TUNEFLEET_PG_DSN", db.worker_dsn()},
          {"TUNEFLEET_REDIS_URL", test_support::RedisDbUrl(redis_db)},
          {"TUNEFLEET_METRICS_PORT", std::to_string(metrics_port)},
          {"TUNEFLEET_LOG_LEVEL", "info"},
          {"TUNEFLEET_SPOTIFY_BASE_URL", api_url},
          {"TUNEFLEET_SPOTIFY_AUTH_URL", api_url},
          {"TUNEFLEET_SPOTIFY_CLIENT_ID", "tunefleet-test"},
          {"TUNEFLEET_SPOTIFY_CLIENT_SECRET", kSecret}};
}

bool WaitForRows(const TestDatabase& db, TestVhost& vhost, WorkerProcess& worker, std::int64_t tracks,
                 std::int64_t albums, std::chrono::milliseconds timeout) {
  return WaitUntil(
      [&] {
        if (!worker.Running()) return true;
        Counts c = CountSources(db);
        return c.tracks() >= tracks && c.albums() >= albums;
      },
      timeout, "every job stored as a spotify source row",
      [&] { return Describe(CountSources(db)) + " ready=" + std::to_string(vhost.Depth(kJobQueue)); }) &&
         worker.Running();
}

double MetricSum(const std::string& text, const std::string& name) {
  double sum = 0;
  std::size_t pos = 0;
  while ((pos = text.find(name, pos)) != std::string::npos) {
    bool line_start = pos == 0 || text[pos - 1] == '\n';
    std::size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end - pos);
    pos = end;
    if (!line_start || (line[name.size()] != ' ' && line[name.size()] != '{')) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// --- tests ---------------------------------------------------------------------------------

TEST(SpotifyWorker, EnrichesTwoHundredTracksAndTwentyAlbumsWithinTheRateLimit) {
  constexpr int kTracks = 200;
  constexpr int kAlbums = 20;
  constexpr int kRedisDb = 12;
  test_support::FlushRedisDb(kRedisDb);
  SimProcess sim({"--rate-slack-ms", "100", "--spotify-latency-ms", "5", "--spotify-jitter-ms", "5"});
  ASSERT_GT(sim.port(), 0) << sim.Stderr();
  PostSim(sim, "/_sim/reset", "");
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();

  std::vector<amqp::OutgoingMessage> messages;
  struct Sent {
    std::string artist, title, isrc;
  };
  std::map<std::string, Sent> tracks;
  for (int i = 0; i < kTracks; ++i) {
    std::string id = "sp-track-" + std::to_string(i);
    Sent s{"Spotify Artist " + std::to_string(i % 23), "Song \"" + std::to_string(i) + "\"", ""};
    if (i % 10 == 0) {
      char isrc[16];
      std::snprintf(isrc, sizeof isrc, "USTF124%05d", i);
      s.isrc = isrc;
    }
    messages.push_back(TrackMessage(id, s.artist, s.title, s.isrc));
    tracks[id] = s;
  }
  std::map<std::string, std::pair<std::string, std::string>> albums;
  for (int i = 0; i < kAlbums; ++i) {
    std::string id = "sp-album-" + std::to_string(i);
    albums[id] = {"Spotify Artist " + std::to_string(i % 7), "Record " + std::to_string(i)};
    messages.push_back(AlbumMessage(id, albums[id].first, albums[id].second));
  }
  vhost.Publish(messages);

  int metrics_port = FreePort();
  auto started = std::chrono::steady_clock::now();
  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, db, sim.Url("/spotify"), kRedisDb, metrics_port));
  ASSERT_TRUE(WaitForRows(db, vhost, worker, kTracks, kAlbums, 180s)) << worker.LogTail(30);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  HttpResult metrics = Fetch({.url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"});
  EXPECT_EQ(metrics.status, 200);
  SimStats stats = SpotifyStats(sim);
  worker.Terminate();
  auto exit = worker.WaitExit(30s);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->code, 0) << test_support::Describe(*exit);

  Counts c = CountSources(db);
  std::cout << Describe(c) << " in " << seconds << " s\nsim: " << Describe(stats) << "\n";
  EXPECT_EQ(c.tracks(), kTracks) << Describe(c);
  EXPECT_EQ(c.albums(), kAlbums) << Describe(c);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  EXPECT_EQ(vhost.Depth(kJobQueue), 0u);

  // The limit was kept: the simulator refused nothing.
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  // One token for the whole run.
  EXPECT_EQ(stats.by_endpoint["token"], 1) << Describe(stats);

  // Micro-batching: far fewer multi-id calls than tracks.
  std::int64_t feature_calls = stats.by_endpoint["audio-features"];
  std::int64_t artist_calls = stats.by_endpoint["artists"];
  EXPECT_GT(feature_calls, 0);
  EXPECT_LT(feature_calls * 3, c.tracks_ok) << Describe(stats);
  EXPECT_LT(artist_calls * 3, c.tracks_ok + c.albums_ok) << Describe(stats);
  double batched = MetricSum(metrics.body, "tunefleet_batched_calls_total");
  double batched_items = MetricSum(metrics.body, "tunefleet_batched_items_total");
  EXPECT_EQ(static_cast<std::int64_t>(batched), feature_calls + artist_calls) << "metrics and sim disagree";
  EXPECT_GT(batched_items, batched * 3);

  // Found tracks have audio features and, mostly, genres; every row names its Spotify id.
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_sources WHERE provider = 'spotify' AND status = 'ok' "
                   "AND jsonb_typeof(fields->'audio_features') = 'object' AND external_id IS NOT NULL "
                   "AND fields->>'spotify_id' = external_id AND (fields->>'duration_ms')::int > 0"),
            c.tracks_ok);
  std::int64_t with_genres = db.Int(
      "SELECT count(*) FROM track_sources WHERE provider = 'spotify' AND status = 'ok' AND cardinality(genres) > 0");
  EXPECT_GE(with_genres * 10, c.tracks_ok * 8) << with_genres << " of " << c.tracks_ok << " tracks have genres";
  EXPECT_EQ(db.Int("SELECT count(*) FROM tracks WHERE audio_features IS NOT NULL"), c.tracks_ok);
  EXPECT_EQ(db.Int("SELECT count(*) FROM album_sources WHERE provider = 'spotify' AND status = 'ok' "
                   "AND fields->>'title' IS NOT NULL AND fields ? 'total_tracks'"),
            c.albums_ok);

  // Warm cache: the same jobs again (new job ids) ask Spotify only for the batched multi-id
  // calls; searches and album lookups come from Redis.
  PostSim(sim, "/_sim/reset", "");
  std::vector<amqp::OutgoingMessage> again;
  for (auto m : messages) {
    std::string old_id = m.message_id;
    m.message_id += "-again";
    auto at = m.body.find(old_id);
    m.body.replace(at, old_id.size(), m.message_id);
    again.push_back(std::move(m));
  }
  vhost.Publish(again);
  {
    WorkerProcess warm(WorkerBinary(), WorkerEnv(vhost, db, sim.Url("/spotify"), kRedisDb));
    ASSERT_TRUE(WaitUntil(
        [&] {
          return !warm.Running() ||
                 db.Int("SELECT (SELECT count(*) FROM track_sources WHERE job_id LIKE '%-again') + "
                        "(SELECT count(*) FROM album_sources WHERE job_id LIKE '%-again')") == kTracks + kAlbums;
        },
        120s, "every job stored again"));
    ASSERT_TRUE(warm.Running()) << warm.LogTail(30);
    warm.Terminate();
    ASSERT_TRUE(warm.WaitExit(30s).has_value());
  }
  SimStats warm_stats = SpotifyStats(sim);
  std::cout << "warm cache: " << Describe(warm_stats) << " = "
            << static_cast<double>(warm_stats.requests) / (kTracks + kAlbums) << " api calls per job\n";
  EXPECT_EQ(warm_stats.by_endpoint["search"], 0) << Describe(warm_stats);
  EXPECT_EQ(warm_stats.by_endpoint["album"], 0) << Describe(warm_stats);
  EXPECT_EQ(warm_stats.limited, 0);
  EXPECT_LE(warm_stats.excused, provider_sim_test::ExcusedAllowance(warm_stats)) << Describe(warm_stats);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);

  // Not found is the simulator's deterministic answer, not an accident: exactly the jobs whose
  // searches the simulator answers empty (asked directly, limits off).
  PostSim(sim, "/_sim/config", R"({"unlimited":true})");
  std::string bearer = SimSpotifyBearer(sim);
  std::set<std::string> expected_missing;
  for (const auto& [id, s] : tracks) {
    std::string escaped_title;
    for (char ch : s.title) {
      if (ch == '"' || ch == '\\') escaped_title += '\\';
      escaped_title += ch;
    }
    bool missing = SimSearchEmpty(sim, bearer, "track:\"" + escaped_title + "\" artist:\"" + s.artist + "\"", "track");
    if (!s.isrc.empty()) missing = missing && SimSearchEmpty(sim, bearer, "isrc:" + s.isrc, "track");
    if (missing) expected_missing.insert(id);
  }
  for (const auto& [id, names] : albums) {
    if (SimSearchEmpty(sim, bearer, "album:\"" + names.second + "\" artist:\"" + names.first + "\"", "album")) {
      expected_missing.insert(id);
    }
  }
  std::set<std::string> missing;
  for (const auto& row : db.Rows("SELECT job_id FROM track_sources WHERE provider = 'spotify' AND status = 'not_found' "
                                 "UNION ALL SELECT job_id FROM album_sources WHERE provider = 'spotify' "
                                 "AND status = 'not_found'")) {
    std::string id = row.at(0);
    if (id.ends_with("-again")) id.resize(id.size() - 6);  // the warm run rewrote the job id
    missing.insert(id);
  }
  EXPECT_EQ(missing, expected_missing);
  EXPECT_LE(missing.size(), static_cast<std::size_t>((kTracks + kAlbums) * 15 / 100));

  // API calls per job, cold cache (the report's figure).
  double jobs = kTracks + kAlbums;
  std::cout << "api calls per job: " << static_cast<double>(stats.requests) / jobs
            << " (search " << stats.by_endpoint["search"] << ", album " << stats.by_endpoint["album"]
            << ", audio-features " << feature_calls << ", artists " << artist_calls << ", token "
            << stats.by_endpoint["token"] << "; batched items " << batched_items << ")\n";
  testing::Test::RecordProperty("api_calls_per_job", std::to_string(static_cast<double>(stats.requests) / jobs));
  EXPECT_EQ(worker.Log().find(kSecret), std::string::npos) << "the client secret must never be logged";
}

TEST(SpotifyWorker, ForbiddenAudioFeaturesAndAnExpiredTokenStillWriteEveryTrack) {
  constexpr int kTracks = 40;
  constexpr int kRedisDb = 13;
  test_support::FlushRedisDb(kRedisDb);
  SimProcess sim({"--rate-slack-ms", "100", "--spotify-latency-ms", "2", "--not-found-share", "0"});
  ASSERT_GT(sim.port(), 0) << sim.Stderr();
  Proxy proxy(sim);
  proxy.forbid_audio_features = true;
  proxy.unauthorized_left = 1;
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < kTracks; ++i) {
    messages.push_back(TrackMessage("forbidden-" + std::to_string(i), "Forbidden Artist " + std::to_string(i % 5),
                                    "Forbidden Song " + std::to_string(i)));
  }
  vhost.Publish(messages);

  WorkerProcess worker(WorkerBinary(),
                       [&] {
                         auto env = WorkerEnv(vhost, db, proxy.Url(), kRedisDb);
                         env["TUNEFLEET_SPOTIFY_BATCH_WINDOW"] = "200ms";
                         return env;
                       }());
  ASSERT_TRUE(WaitForRows(db, vhost, worker, kTracks, 0, 120s)) << worker.LogTail(30);
  SimStats stats = SpotifyStats(sim);
  worker.Terminate();
  ASSERT_TRUE(worker.WaitExit(30s).has_value());

  Counts c = CountSources(db);
  EXPECT_EQ(c.tracks_ok, kTracks) << Describe(c);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u) << "a 403 on audio features must not dead-letter";
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_sources WHERE provider = 'spotify' AND fields ? 'audio_features'"), 0);
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_sources WHERE provider = 'spotify' AND fields ? 'duration_ms'"), kTracks);
  EXPECT_GE(db.Int("SELECT count(*) FROM track_sources WHERE provider = 'spotify' AND cardinality(genres) > 0") * 10,
            kTracks * 8);
  // Remembered per process: batches wait for the first answer, so Spotify is asked once.
  EXPECT_EQ(proxy.forbidden.load(), 1);
  EXPECT_EQ(stats.by_endpoint["audio-features"], 0) << "the proxy answered every one";
  EXPECT_NE(worker.Log().find("refuses audio features"), std::string::npos);
  // The 401 dropped the token: exactly one refresh, and the call was retried.
  EXPECT_EQ(proxy.unauthorized.load(), 1);
  EXPECT_EQ(stats.by_endpoint["token"], 2) << Describe(stats);
}

TEST(SpotifyWorker, MissingClientSecretIsAConfigErrorNamingTheVariable) {
  std::map<std::string, std::string> env = {{"TUNEFLEET_SPOTIFY_CLIENT_ID", "id"},
                                            {"TUNEFLEET_METRICS_PORT", "0"},
                                            {"TUNEFLEET_REDIS_URL", test_support::RedisDbUrl(14)}};
  WorkerProcess worker(WorkerBinary(), env);
  auto status = worker.WaitExit(20s);
  ASSERT_TRUE(status.has_value()) << worker.LogTail(20);
  EXPECT_EQ(status->code, 2) << worker.LogTail(20);
  EXPECT_NE(worker.Log().find("TUNEFLEET_SPOTIFY_CLIENT_SECRET"), std::string::npos) << worker.Log();
}


// --- albums bring their tracks ---------------------------------------------------------------

constexpr const char* kTrackJobsQueue = "test.album-track-jobs";

TEST(SpotifyAlbumTracks, ATwelveTrackAlbumEndsWithTwelveLinkedEnrichedTracksAndARerunPublishesNoNewTrackJobs) {
  constexpr int kRedisDb = 10;
  constexpr int kTracks = 12;
  test_support::FlushRedisDb(kRedisDb);
  SimProcess sim({"--rate-slack-ms", "100", "--spotify-latency-ms", "2", "--not-found-share", "0"});
  ASSERT_GT(sim.port(), 0) << sim.Stderr();
  PostSim(sim, "/_sim/reset", "");
  auto [artist, title] = SimAlbumWithTracks(sim, kTracks);
  ASSERT_FALSE(artist.empty());
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  DeclareTrackJobCounter(vhost, kTrackJobsQueue);

  int metrics_port = FreePort();
  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, db, sim.Url("/spotify"), kRedisDb, metrics_port, true));
  vhost.Publish({AlbumMessage("album-12", artist, title)});
  ASSERT_TRUE(WaitForEnrichedAlbum(db, worker, "spotify", kTracks, 180s)) << worker.LogTail(30);
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kJobQueue) == 0 && vhost.Depth(kTrackJobsQueue) == kTracks; }, 60s,
                        "the track jobs consumed and counted",
                        [&] { return "published=" + std::to_string(vhost.Depth(kTrackJobsQueue)); }));

  auto c = CountAlbumTracks(db, "spotify");
  EXPECT_EQ(c.tracks, kTracks) << "one track row per position, the track jobs landed on them: " << Describe(c);
  EXPECT_EQ(db.Int("SELECT count(DISTINCT track_id) FROM album_tracks"), kTracks);
  EXPECT_EQ(db.Int("SELECT count(*) FROM album_tracks WHERE disc = 1 AND position BETWEEN 1 AND 12"), kTracks)
      << "positions 1..12 of the album";
  // Every linked track has the album's title, the Spotify id and a duration from the tracklist.
  EXPECT_EQ(db.Int("SELECT count(*) FROM album_tracks at JOIN tracks t ON t.id = at.track_id"
                   " WHERE t.spotify_id IS NOT NULL AND t.duration_ms > 0 AND t.isrc IS NOT NULL"),
            kTracks)
      << "the track jobs' enrichment added the ISRC Spotify knows";
  std::string metrics = Fetch({.url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"}).body;
  EXPECT_EQ(MetricSum(metrics, "tunefleet_album_track_jobs_published_total"), kTracks);

  // The same album job again (a re-run, not a redelivery: a new delivery of the same job id).
  vhost.Publish({AlbumMessage("album-12", artist, title)});
  ASSERT_TRUE(WaitUntil([&] { return db.Int("SELECT commits FROM job_effects WHERE job_id = 'album-12'") == 2; }, 60s,
                        "the second run committed"))
      << worker.LogTail(20);
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kJobQueue) == 0; }, 60s, "the second run acked"));
  EXPECT_EQ(vhost.Depth(kTrackJobsQueue), static_cast<std::uint32_t>(kTracks)) << "no new track job";
  metrics = Fetch({.url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"}).body;
  EXPECT_EQ(MetricSum(metrics, "tunefleet_album_track_jobs_published_total"), kTracks);
  c = CountAlbumTracks(db, "spotify");
  EXPECT_EQ(c.linked, kTracks) << Describe(c);
  EXPECT_EQ(c.tracks, kTracks) << Describe(c);
}

TEST(SpotifyAlbumTracks, AWorkerKilledBetweenTheTracklistCommitAndTheConfirmPublishesTheTrackJobsOnRedelivery) {
  constexpr int kRedisDb = 11;
  constexpr int kTracks = 12;
  test_support::FlushRedisDb(kRedisDb);
  SimProcess sim({"--rate-slack-ms", "100", "--spotify-latency-ms", "2", "--not-found-share", "0"});
  ASSERT_GT(sim.port(), 0) << sim.Stderr();
  PostSim(sim, "/_sim/reset", "");
  auto [artist, title] = SimAlbumWithTracks(sim, kTracks);
  ASSERT_FALSE(artist.empty());
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  DeclareTrackJobCounter(vhost, kTrackJobsQueue);
  vhost.Publish({AlbumMessage("album-killed", artist, title)});
  {
    // The album job's batch is the first to commit: killed after it, before any publish.
    auto env = WorkerEnv(vhost, db, sim.Url("/spotify"), kRedisDb, 0, true);
    env["TUNEFLEET_TEST_KILL_AT"] = "after_commit:1";
    WorkerProcess worker(WorkerBinary(), env);
    auto exit = worker.WaitExit(120s);
    ASSERT_TRUE(exit.has_value()) << "not killed: " << worker.LogTail(20);
    EXPECT_EQ(exit->signal, SIGKILL) << test_support::Describe(*exit);
  }
  auto at_kill = CountAlbumTracks(db, "spotify");
  EXPECT_EQ(at_kill.linked, kTracks) << "the tracklist was committed: " << Describe(at_kill);
  EXPECT_EQ(at_kill.published, 0) << Describe(at_kill);
  EXPECT_EQ(vhost.Depth(kTrackJobsQueue), 0u) << "nothing published before the kill";

  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, db, sim.Url("/spotify"), kRedisDb, 0, true));
  ASSERT_TRUE(WaitForEnrichedAlbum(db, worker, "spotify", kTracks, 180s)) << worker.LogTail(30);
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kJobQueue) == 0; }, 60s, "every job acked"));
  EXPECT_EQ(vhost.Depth(kTrackJobsQueue), static_cast<std::uint32_t>(kTracks))
      << "the redelivery published the committed positions' track jobs, each once";
  EXPECT_EQ(db.Int("SELECT commits FROM job_effects WHERE job_id = 'album-killed'"), 2)
      << "the album job was committed again by its redelivery";
  auto c = CountAlbumTracks(db, "spotify");
  EXPECT_EQ(c.tracks, kTracks) << Describe(c);
}


// The documented price of at-least-once: killed after the confirms, before the positions are
// recorded, the redelivery publishes the 12 track jobs once more; they land on the same rows.
TEST(SpotifyAlbumTracks, AWorkerKilledAfterTheConfirmsButBeforeTheRecordPublishesThemAgainOntoTheSameRows) {
  constexpr int kRedisDb = 15;
  constexpr int kTracks = 12;
  test_support::FlushRedisDb(kRedisDb);
  SimProcess sim({"--rate-slack-ms", "100", "--spotify-latency-ms", "2", "--not-found-share", "0"});
  ASSERT_GT(sim.port(), 0) << sim.Stderr();
  PostSim(sim, "/_sim/reset", "");
  auto [artist, title] = SimAlbumWithTracks(sim, kTracks);
  ASSERT_FALSE(artist.empty());
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  DeclareTrackJobCounter(vhost, kTrackJobsQueue);
  vhost.Publish({AlbumMessage("album-twice", artist, title)});
  {
    auto env = WorkerEnv(vhost, db, sim.Url("/spotify"), kRedisDb, 0, true);
    env["TUNEFLEET_TEST_KILL_AT"] = "after_track_jobs_confirm:1";
    WorkerProcess worker(WorkerBinary(), env);
    auto exit = worker.WaitExit(120s);
    ASSERT_TRUE(exit.has_value()) << "not killed: " << worker.LogTail(20);
    EXPECT_EQ(exit->signal, SIGKILL) << test_support::Describe(*exit);
  }
  EXPECT_EQ(vhost.Depth(kTrackJobsQueue), static_cast<std::uint32_t>(kTracks)) << "confirmed before the kill";
  EXPECT_EQ(CountAlbumTracks(db, "spotify").published, 0) << "not recorded before the kill";

  WorkerProcess worker(WorkerBinary(), WorkerEnv(vhost, db, sim.Url("/spotify"), kRedisDb, 0, true));
  ASSERT_TRUE(WaitForEnrichedAlbum(db, worker, "spotify", kTracks, 180s)) << worker.LogTail(30);
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kJobQueue) == 0 && vhost.Depth(kTrackJobsQueue) == 2 * kTracks; },
                        60s, "every job acked, the track jobs published twice",
                        [&] { return "published=" + std::to_string(vhost.Depth(kTrackJobsQueue)); }));
  auto c = CountAlbumTracks(db, "spotify");
  EXPECT_EQ(c.tracks, kTracks) << "the second copies landed on the same rows: " << Describe(c);
  EXPECT_EQ(c.published, kTracks) << Describe(c);
  ASSERT_TRUE(WaitUntil([&] {
    return db.Int("SELECT count(*) FROM job_effects WHERE job_id LIKE 'album-track:%' AND commits = 2") == kTracks;
  }, 60s, "each track job's second copy counted in job_effects"));
}

}  // namespace
}  // namespace spotify_test
