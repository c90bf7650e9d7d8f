// Discogs in depth (issue 14, item 4) end to end: search pages up to
// TUNEFLEET_DISCOGS_SEARCH_PAGES and artist lookups, the built worker against the built
// provider-sim (--discogs-search-decoys puts the match on a later page) and the private
// stack's RabbitMQ, PostgreSQL and Redis; each test in its own vhost, database and Redis
// database. The simulator counts every request by endpoint ("search", "release", "artist").
#include <gtest/gtest.h>

#include <iostream>

#include "tests/integration/discogs/discogs_test_support.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"

namespace discogs_test {
namespace {

using namespace std::chrono_literals;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::WorkerProcess;

constexpr const char* kQueue = "tunefleet.discogs";
constexpr const char* kDeadQueue = "tunefleet.discogs.dead";
// Redis databases of their own (discogs_worker_test uses 1-3, the fleet tests 4-6).
constexpr int kPagesDb = 7;
constexpr int kArtistDb = 8;
constexpr int kTwoWorkersDb = 17;  // 10 is a Spotify test's

std::unique_ptr<SimProcess> StartSim(std::vector<std::string> args) {
  auto sim = std::make_unique<SimProcess>(std::move(args));
  EXPECT_GT(sim->port(), 0) << "provider-sim did not report its port:\n" << sim->Stderr();
  return sim;
}

json::TrackJob Track(const std::string& id, std::string artist, std::string title, std::string album) {
  json::TrackJob job;
  job.job_id = id;
  job.trace_id = "trace-" + id;
  job.artist = std::move(artist);
  job.title = std::move(title);
  job.album = std::move(album);
  return job;
}

json::AlbumJob Album(const std::string& id, std::string artist, std::string album) {
  json::AlbumJob job;
  job.job_id = id;
  job.trace_id = "trace-" + id;
  job.artist = std::move(artist);
  job.album = std::move(album);
  return job;
}

// Every worker still running and `tracks` + `albums` source rows stored, the queue empty.
bool WaitForRows(const TestDatabase& database, TestVhost& vhost, std::vector<WorkerProcess*> workers,
                 std::int64_t tracks, std::int64_t albums, std::chrono::milliseconds timeout) {
  auto running = [&workers] {
    for (auto* w : workers) {
      if (!w->Running()) return false;
    }
    return true;
  };
  return WaitUntil(
             [&] {
               if (!running()) return true;
               auto c = CountSources(database);
               return c.tracks() >= tracks && c.albums() >= albums && vhost.Depth(kQueue) == 0;
             },
             timeout, "every job stored",
             [&] {
               return Describe(CountSources(database)) + " ready=" + std::to_string(vhost.Depth(kQueue)) +
                      " dead=" + std::to_string(vhost.Depth(kDeadQueue));
             }) &&
         running();
}

void Stop(WorkerProcess& worker) {
  worker.Terminate();
  auto status = worker.WaitExit(30s);
  ASSERT_TRUE(status.has_value()) << "no exit within 30 s of SIGTERM";
  EXPECT_EQ(*status, (test_support::ExitStatus{0, 0})) << test_support::Describe(*status);
}

std::int64_t Endpoint(const SimStats& stats, const std::string& name) {
  auto it = stats.by_endpoint.find(name);
  return it == stats.by_endpoint.end() ? 0 : it->second;
}

// The album source row of `job_id`: status, fields.artist_credit, fields.title.
std::vector<std::string> AlbumRow(const TestDatabase& database, const std::string& job_id) {
  auto rows = database.Rows(
      "SELECT status, coalesce(fields->>'artist_credit', ''), coalesce(fields->>'title', '') "
      "FROM album_sources WHERE job_id = '" + job_id + "'");
  EXPECT_EQ(rows.size(), 1u) << job_id;
  return rows.empty() ? std::vector<std::string>{"", "", ""} : rows[0];
}

// With 7 other artists' releases of the same title listed first and 5 results a page, the
// artist's own release is on page 2: the worker reads page 2 (2 searches), stops there and
// stores that release, not a look-alike. With 20 listed first (page 5), it reads the 3 pages
// TUNEFLEET_DISCOGS_SEARCH_PAGES allows and no more.
TEST(DiscogsDepth, MatchOnPageTwoIsStoredAndThePageCapIsRespected) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::string run = test_support::UniqueSuffix();
  auto sim = StartSim({"--rate-slack-ms", "100", "--discogs-rate", "20/s", "--discogs-burst", "5",
                       "--not-found-share", "0", "--discogs-search-decoys", "7"});
  ASSERT_GT(sim->port(), 0);
  WorkerProcess worker(DiscogsWorkerBinary(),
                       WorkerEnv(vhost, database, *sim, kPagesDb,
                                 {{"TUNEFLEET_DISCOGS_RATE", "20"},
                                  {"TUNEFLEET_DISCOGS_BURST", "5"},
                                  {"TUNEFLEET_DISCOGS_PER_PAGE", "5"}}));

  std::string artist = "Paged " + run;
  vhost.Publish({Message(Album("p2", artist, "Second Page"))});
  ASSERT_TRUE(WaitForRows(database, vhost, {&worker}, 0, 1, 60s)) << worker.LogTail(30);
  auto stats = DiscogsStats(*sim);
  std::cout << "page 2: " << Describe(stats) << "\n";
  EXPECT_EQ(Endpoint(stats, "search"), 2) << Describe(stats);
  auto row = AlbumRow(database, "p2");
  EXPECT_EQ(row[0], "ok");
  EXPECT_EQ(row[1], artist) << "a look-alike of page 1 was stored";
  EXPECT_EQ(row[2], "Second Page");

  // The match on page 5: pages 1-3 read, then the best of what they held.
  ConfigureSim(*sim, R"({"discogs":{"search_decoys":20}})");
  ResetSim(*sim);
  vhost.Publish({Message(Album("p5", artist, "Fifth Page"))});
  ASSERT_TRUE(WaitForRows(database, vhost, {&worker}, 0, 2, 60s)) << worker.LogTail(30);
  stats = DiscogsStats(*sim);
  std::cout << "page 5: " << Describe(stats) << "\n";
  EXPECT_EQ(Endpoint(stats, "search"), 3) << Describe(stats);
  // Its candidates' artists do not answer to the job's: the best-ranked one is kept, with
  // no artist id.
  EXPECT_EQ(AlbumRow(database, "p5")[0], "ok");
  Stop(worker);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
}

// 12 jobs of one artist (different albums, so 12 searches and 12 releases): its Discogs
// artist is looked up once (the gateway's coalescing and 30-day cache), and the artists row
// gets that artist's Discogs id, the one the releases credit.
TEST(DiscogsDepth, OneArtistLookupForManyJobsAndTheArtistRowGetsItsDiscogsId) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::string run = test_support::UniqueSuffix();
  std::string artist = "Lookup " + run;
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < 8; ++i) {
    messages.push_back(Message(Track("t-" + std::to_string(i), artist, "Song " + std::to_string(i),
                                     "Album " + std::to_string(i))));
  }
  for (int i = 0; i < 4; ++i) messages.push_back(Message(Album("a-" + std::to_string(i), artist, "Record " + std::to_string(i))));
  vhost.Publish(messages);
  auto sim = StartSim({"--rate-slack-ms", "100", "--discogs-rate", "20/s", "--discogs-burst", "5", "--not-found-share", "0"});
  ASSERT_GT(sim->port(), 0);
  WorkerProcess worker(DiscogsWorkerBinary(), WorkerEnv(vhost, database, *sim, kArtistDb,
                                                        {{"TUNEFLEET_DISCOGS_RATE", "20"}, {"TUNEFLEET_DISCOGS_BURST", "5"}}));
  ASSERT_TRUE(WaitForRows(database, vhost, {&worker}, 8, 4, 60s)) << worker.LogTail(30);
  // The artist id reaches the row in the same transaction as the sources.
  Stop(worker);
  auto stats = DiscogsStats(*sim);
  std::cout << Describe(stats) << "\n";
  EXPECT_EQ(Endpoint(stats, "artist"), 1) << Describe(stats);
  EXPECT_EQ(Endpoint(stats, "search"), 12) << Describe(stats);
  EXPECT_EQ(Endpoint(stats, "release"), 12) << Describe(stats);
  EXPECT_EQ(CountSources(database).tracks_ok, 8);
  EXPECT_EQ(CountSources(database).albums_ok, 4);

  // The id the releases credit (artists[0].id), read from the simulator after the counting.
  std::string release_id = database.Scalar("SELECT external_id FROM album_sources WHERE job_id = 'a-0'");
  auto [status, body] = test_support::HttpGet(sim->Url("/discogs/releases/" + release_id + "?token=t"));
  ASSERT_EQ(status, 200) << body;
  auto at = body.find("\"artists\":[{");
  ASSERT_NE(at, std::string::npos) << body;
  auto id_at = body.find("\"id\":", at);
  ASSERT_NE(id_at, std::string::npos);
  std::string credited = body.substr(id_at + 5, body.find_first_not_of("0123456789", id_at + 5) - id_at - 5);
  auto rows = database.Rows("SELECT coalesce(discogs_id::text, '') FROM artists WHERE name = '" + artist + "'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], credited) << "artists.discogs_id";
  EXPECT_EQ(database.Scalar("SELECT count(*) FROM artists WHERE discogs_id IS NOT NULL"), "1");
}

// Two worker processes on one Redis share the fleet limit: every job (each one 2 search
// pages, a release and its artist) stored, the simulator never refuses a request, and each
// artist is looked up at most once per process (the cache spans them; two processes missing
// it at the same moment may both ask).
TEST(DiscogsDepth, TwoWorkersSharingTheQuotaCauseNoViolations) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::string run = test_support::UniqueSuffix();
  constexpr int kJobs = 24;
  constexpr int kArtists = 6;
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < kJobs; ++i) {
    messages.push_back(Message(Album("q-" + std::to_string(i), "Shared " + run + " " + std::to_string(i % kArtists),
                                     "Record " + std::to_string(i))));
  }
  vhost.Publish(messages);
  auto sim = StartSim({"--rate-slack-ms", "100", "--discogs-rate", "8/s", "--discogs-burst", "3",
                       "--not-found-share", "0", "--discogs-search-decoys", "7"});
  ASSERT_GT(sim->port(), 0);
  std::map<std::string, std::string> extra = {{"TUNEFLEET_DISCOGS_RATE", "8"},
                                              {"TUNEFLEET_DISCOGS_BURST", "3"},
                                              {"TUNEFLEET_DISCOGS_PER_PAGE", "5"}};
  WorkerProcess first(DiscogsWorkerBinary(), WorkerEnv(vhost, database, *sim, kTwoWorkersDb, extra));
  WorkerProcess second(DiscogsWorkerBinary(), WorkerEnv(vhost, database, *sim, kTwoWorkersDb, extra));
  ASSERT_TRUE(WaitForRows(database, vhost, {&first, &second}, 0, kJobs, 120s))
      << first.LogTail(20) << "\n---\n" << second.LogTail(20);
  Stop(first);
  Stop(second);
  auto stats = DiscogsStats(*sim);
  std::cout << Describe(stats) << "\n";
  testing::Test::RecordProperty("discogs_requests", std::to_string(stats.requests));
  EXPECT_EQ(stats.limited, 0) << Describe(stats);
  EXPECT_LE(stats.excused, provider_sim_test::ExcusedAllowance(stats)) << Describe(stats);
  EXPECT_EQ(Endpoint(stats, "search"), 2 * kJobs) << Describe(stats);
  EXPECT_EQ(Endpoint(stats, "release"), kJobs) << Describe(stats);
  EXPECT_GE(Endpoint(stats, "artist"), kArtists) << Describe(stats);
  EXPECT_LE(Endpoint(stats, "artist"), 2 * kArtists) << Describe(stats);
  EXPECT_EQ(CountSources(database).albums_ok, kJobs);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
  EXPECT_EQ(database.Scalar("SELECT count(*) FROM artists WHERE name LIKE 'Shared " + run + "%' AND discogs_id IS NOT NULL"),
            std::to_string(kArtists));
  // Every stored album is the artist's own, found on page 2.
  auto wrong = database.Rows("SELECT job_id, fields->>'artist_credit' FROM album_sources "
                             "WHERE fields->>'artist_credit' LIKE '%Tribute%'");
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " look-alikes stored, e.g. " << (wrong.empty() ? "" : wrong[0][1]);
}

}  // namespace
}  // namespace discogs_test
