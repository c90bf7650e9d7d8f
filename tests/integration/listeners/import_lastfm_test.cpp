// `tunefleet import lastfm` against provider-sim's user.getRecentTracks and the private stack.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <csignal>
#include <ctime>
#include <sstream>

#include "tests/integration/listeners/import_env.hpp"
#include "tests/integration/provider_sim/sim_process.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/wait.hpp"

namespace {

using namespace std::chrono_literals;
using listeners_test::ImportEnv;
using listeners_test::UniqueUser;
using provider_sim_test::SimProcess;
using test_support::CliRun;
using test_support::TestDatabase;
using test_support::TestVhost;

constexpr const char* kQueue = "tunefleet.lastfm";  // one of the queues track.all fans out to

std::vector<std::string> Import(const std::string& user) {
  return {"import", "lastfm", "--user", user, "--progress-every", "0"};
}

std::string Thousands(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::int64_t Listens(const TestDatabase& db) { return db.Int("SELECT count(*) FROM listens"); }

// Every listen as "played_at|artist|title", sorted: what two imports must agree on.
std::vector<std::vector<std::string>> ListenRows(const TestDatabase& db) {
  return db.Rows(
      "SELECT extract(epoch FROM l.played_at)::bigint::text, t.artist_name, t.title FROM listens l "
      "JOIN tracks t ON t.id = l.track_id ORDER BY 1, 2, 3");
}

TEST(ImportLastfm, TenThousandScrobblesStoredOncePublishedOncePerNewTrackAndASecondRunAddsNothing) {
  const std::string user = UniqueUser("alice");
  // Slack as in the Last.fm worker's tests: a scheduling stall of the simulator is no violation.
  SimProcess sim({"--lastfm-users", user + ":10000", "--rate-slack-ms", "100"});
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  const auto env = ImportEnv(db, vhost, sim.Url("/lastfm"));

  CliRun first = test_support::RunTunefleet(Import(user), env, {.timeout = std::chrono::seconds(240)});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  EXPECT_EQ(Listens(db), 10000) << "the now-playing entry is not a scrobble";
  EXPECT_EQ(db.Int("SELECT count(DISTINCT played_at) FROM listens"), 10000);
  EXPECT_EQ(db.Int("SELECT count(*) FROM listeners"), 1);
  const std::int64_t tracks = db.Int("SELECT count(DISTINCT track_id) FROM listens");
  EXPECT_LT(tracks, 10000) << "the simulator repeats some plays";
  EXPECT_EQ(db.Int("SELECT count(*) FROM tracks"), tracks);
  EXPECT_GT(db.Int("SELECT count(*) FROM tracks WHERE identity_key LIKE 'mbid:%'"), 0);
  EXPECT_GT(db.Int("SELECT count(*) FROM tracks WHERE identity_key LIKE 'name:%'"), 0);
  // One job per new row, each confirmed and marked.
  EXPECT_EQ(db.Int("SELECT count(*) FROM listen_publications"), tracks);
  EXPECT_EQ(db.Int("SELECT count(*) FROM listen_publications WHERE published_at IS NULL"), 0);
  EXPECT_EQ(static_cast<std::int64_t>(vhost.Depth(kQueue)), tracks);
  EXPECT_NE(first.out.find("stored 10,000 scrobbles (0 already there)"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("published " + Thousands(tracks) + " jobs"), std::string::npos) << first.out;
  EXPECT_EQ(db.Int("SELECT count(*) FROM listen_cursors WHERE done AND next_page = 51 AND total_pages = 50"), 1);
  // Through the Last.fm gateway: its fleet rate limit kept the simulator's 5/s.
  const auto stats = provider_sim_test::ProviderStats(sim, "lastfm");
  EXPECT_EQ(stats.limited, 0) << provider_sim_test::Describe(stats);
  EXPECT_EQ(stats.by_endpoint.at("user.getRecentTracks"), 50) << provider_sim_test::Describe(stats);

  CliRun second = test_support::RunTunefleet(Import(user), env, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(second.exit_code, 0) << second.err << second.out;
  EXPECT_NE(second.out.find("stored 0 scrobbles (0 already there), 0 new tracks, published 0 jobs"), std::string::npos)
      << second.out;
  EXPECT_NE(second.out.find("nothing new"), std::string::npos) << second.out;
  EXPECT_EQ(Listens(db), 10000);
  EXPECT_EQ(static_cast<std::int64_t>(vhost.Depth(kQueue)), tracks);
}

TEST(ImportLastfm, InterruptedRunResumesWithoutGapsAndNewScrobblesComeWithTheNextWindow) {
  const std::string user = UniqueUser("bob");
  SimProcess sim({"--lastfm-users", user + ":6000"});
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  const auto env = ImportEnv(db, vhost, sim.Url("/lastfm"));

  test_support::CliProcess run(Import(user), env, {.timeout = std::chrono::seconds(120)});
  ASSERT_TRUE(test_support::WaitUntil([&] { return Listens(db) >= 1000; }, 60s, "five pages stored"));
  // Scrobbled while the run pages: after its window, so they must not shift its pages.
  auto added = provider_sim_test::Fetch({.method = "POST",
                                         .url = sim.Url("/_sim/lastfm/scrobbles"),
                                         .body = R"({"user":")" + user + R"(","count":5})"});
  ASSERT_EQ(added.status, 200) << added.body;
  ASSERT_EQ(::kill(run.pid(), SIGINT), 0);
  CliRun interrupted = run.Wait();
  ASSERT_EQ(interrupted.exit_code, 130) << interrupted.err;
  EXPECT_NE(interrupted.err.find("interrupted: stopped before page"), std::string::npos) << interrupted.err;
  const std::int64_t stored = Listens(db);
  ASSERT_LT(stored, 6000) << "the run ended before the signal: nothing was tested";
  EXPECT_EQ(stored % 200, 0) << "a page is stored whole or not at all";
  EXPECT_EQ(db.Int("SELECT next_page FROM listen_cursors"), stored / 200 + 1);

  CliRun resumed = test_support::RunTunefleet(Import(user), env, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(Listens(db), 6000) << "the window was fixed: the 5 new scrobbles come with the next one";
  EXPECT_NE(resumed.out.find("stored " + Thousands(6000 - stored) + " scrobbles (0 already there)"),
            std::string::npos)
      << resumed.out;

  // The added plays are one second apart from "now" at the time they were added: the next
  // window (which ends at its run's start) holds them all once the newest is in the past.
  rapidjson::Document answer;
  answer.Parse(added.body.c_str());
  ASSERT_TRUE(answer.IsObject() && answer.HasMember("newest_uts")) << added.body;
  const std::int64_t newest = answer["newest_uts"].GetInt64();
  ASSERT_TRUE(test_support::WaitUntil([&] { return std::time(nullptr) > newest; }, 30s, "the added plays in the past"));
  CliRun next = test_support::RunTunefleet(Import(user), env, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(Listens(db), 6005);
  EXPECT_EQ(db.Int("SELECT count(DISTINCT played_at) FROM listens"), 6005);

  // The same history imported in one go into another database: the same listens.
  TestDatabase whole;
  TestVhost other;
  other.DeclareFleetTopology();
  CliRun once = test_support::RunTunefleet(Import(user), ImportEnv(whole, other, sim.Url("/lastfm")),
                                           {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(once.exit_code, 0) << once.err;
  EXPECT_EQ(ListenRows(db), ListenRows(whole));
  // No job lost or sent twice across the interruption.
  const std::int64_t jobs = db.Int("SELECT count(*) FROM listen_publications");
  EXPECT_EQ(jobs, db.Int("SELECT count(DISTINCT track_id) FROM listens"));
  EXPECT_EQ(db.Int("SELECT count(*) FROM listen_publications WHERE published_at IS NULL"), 0);
  EXPECT_EQ(static_cast<std::int64_t>(vhost.Depth(kQueue)), jobs);
}

TEST(ImportLastfm, PagesFlagAndAnOutageStopWithWhatIsStoredKeptAndTheNextRunGoesOn) {
  const std::string user = UniqueUser("carl");
  SimProcess sim({"--lastfm-users", user + ":3000"});
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  const auto env = ImportEnv(db, vhost, sim.Url("/lastfm"));
  auto import = Import(user);
  import.insert(import.end(), {"--pages", "3"});
  CliRun three = test_support::RunTunefleet(import, env, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(three.exit_code, 0) << three.err;
  EXPECT_NE(three.err.find("stopped after 3 pages (--pages) before page 4"), std::string::npos) << three.err;
  EXPECT_EQ(Listens(db), 600);

  // Last.fm down (every answer a 503 with error 11): the gateway retries, then the run stops.
  auto down = provider_sim_test::Fetch(
      {.method = "POST", .url = sim.Url("/_sim/config"), .body = R"({"lastfm":{"error_rate":1.0,"error_kinds":["503"]}})"});
  ASSERT_EQ(down.status, 200) << down.body;
  CliRun failed = test_support::RunTunefleet(Import(user), env, {.timeout = std::chrono::seconds(120)});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("run the same command again to resume"), std::string::npos) << failed.err;
  EXPECT_EQ(Listens(db), 600);
  EXPECT_EQ(db.Int("SELECT next_page FROM listen_cursors WHERE NOT done"), 4);

  auto up = provider_sim_test::Fetch({.method = "POST", .url = sim.Url("/_sim/config"), .body = R"({"lastfm":{"error_rate":0}})"});
  ASSERT_EQ(up.status, 200) << up.body;
  CliRun rest = test_support::RunTunefleet(Import(user), env, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_NE(rest.out.find("stored 2,400 scrobbles (0 already there)"), std::string::npos) << rest.out;
  EXPECT_EQ(Listens(db), 3000);
  EXPECT_EQ(db.Int("SELECT count(DISTINCT played_at) FROM listens"), 3000);
}

TEST(ImportLastfm, UnknownUserIsOneLineAndExitOne) {
  SimProcess sim({"--lastfm-users", "someone:10"});
  TestDatabase db;
  TestVhost vhost;
  CliRun run = test_support::RunTunefleet({"import", "lastfm", "--user", "nobody-here"},
                                          ImportEnv(db, vhost, sim.Url("/lastfm")), {.timeout = std::chrono::seconds(60)});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "tunefleet import: Last.fm has no user \"nobody-here\" (error 6: User not found)\n");
  EXPECT_EQ(db.Int("SELECT count(*) FROM listens"), 0);
}

TEST(ImportLastfm, BadFlagsPrintUsageAndExitTwo) {
  TestDatabase db;
  TestVhost vhost;
  CliRun run = test_support::RunTunefleet({"import", "lastfm", "--pages", "0", "--user", "x"}, ImportEnv(db, vhost));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--pages"), std::string::npos) << run.err;
  CliRun missing = test_support::RunTunefleet({"import", "spotify"}, ImportEnv(db, vhost));
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
