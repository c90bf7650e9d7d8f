// `tunefleet workers` and `tunefleet control` against running workers (the noop worker, and
// tunefleet-lastfm against provider-sim), each test in a vhost and a database of its own:
// pause and resume, an unknown command, the live process list, breaker and rate commands.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/json/job_writer.hpp"
#include "tests/integration/provider_sim/sim_process.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/source_rows.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/text.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"
#include "tools/tunefleet/control_client.hpp"

namespace {

using namespace std::chrono_literals;
using provider_sim_test::SimProcess;
using test_support::RunTunefleet;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::WorkerProcess;
using Clock = std::chrono::steady_clock;

constexpr const char* kNoopQueue = "tunefleet.noop";

std::map<std::string, std::string> CliEnv(const TestVhost& vhost) { return {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()}}; }

std::map<std::string, std::string> NoopEnv(const TestVhost& vhost, const TestDatabase& database,
                                           const std::string& heartbeat = "1s") {
  return {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
          {"TUNEFLEET_PG_DSN", database.worker_dsn()},
          {"TUNEFLEET_METRICS_PORT", "0"},
          {"TUNEFLEET_CONTROL_HEARTBEAT", heartbeat}};
}

// One process as `tunefleet workers --json` lists it.
struct Listed {
  std::int64_t pid = 0;
  std::string name;
  bool paused = false;
  std::string breaker;
  double rate = 0;
  std::string log_level;
};

std::vector<Listed> ParseWorkers(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("processes")) {
    throw std::runtime_error("not a workers document: " + json);
  }
  std::vector<Listed> listed;
  for (const auto& p : doc["processes"].GetArray()) {
    Listed one;
    one.pid = p["pid"].GetInt64();
    one.name = p["name"].GetString();
    one.paused = p["paused"].GetBool();
    one.log_level = p["log_level"].GetString();
    if (p.HasMember("breaker")) one.breaker = p["breaker"].GetString();
    if (p.HasMember("rate_per_second")) one.rate = p["rate_per_second"].GetDouble();
    listed.push_back(one);
  }
  return listed;
}

std::vector<Listed> Workers(const TestVhost& vhost) {
  auto run = RunTunefleet({"workers", "--json"}, CliEnv(vhost));
  if (run.exit_code != 0) throw std::runtime_error("tunefleet workers failed: " + run.err);
  return ParseWorkers(run.out);
}

std::set<std::int64_t> Pids(const std::vector<Listed>& listed) {
  std::set<std::int64_t> pids;
  for (const auto& one : listed) pids.insert(one.pid);
  return pids;
}

// Waits until `tunefleet workers` lists exactly `pids`.
bool WaitForListed(const TestVhost& vhost, const std::set<std::int64_t>& pids) {
  return WaitUntil([&] { return Pids(Workers(vhost)) == pids; }, 60s, "tunefleet workers lists the started processes");
}

std::int64_t Tracks(const TestDatabase& database) { return database.Int("SELECT count(*) FROM tracks"); }

TEST(Control, PausedWorkerLeavesNewJobsQueuedAndResumeStoresEveryJobOnce) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  WorkerProcess worker(test_support::NoopWorkerBinary(), NoopEnv(vhost, database));
  ASSERT_TRUE(WaitForListed(vhost, {worker.pid()})) << worker.LogTail(20);

  vhost.PublishTrackJobs("before", 0, 200);
  ASSERT_TRUE(WaitUntil([&] { return Tracks(database) == 200 && vhost.Depth(kNoopQueue) == 0; }, 120s,
                        "the first 200 jobs stored"));

  auto pause = RunTunefleet({"control", "pause", "--provider", "noop"}, CliEnv(vhost));
  ASSERT_EQ(pause.exit_code, 0) << pause.out << pause.err;
  EXPECT_NE(pause.out.find("applied: paused"), std::string::npos) << pause.out;
  auto listed = Workers(vhost);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].paused);

  // Paused before they were published: every one of them stays ready in the queue.
  vhost.PublishTrackJobs("paused", 0, 300);
  ASSERT_TRUE(WaitUntil([&] { return vhost.Depth(kNoopQueue) == 300; }, 60s, "300 jobs ready in tunefleet.noop"));
  EXPECT_EQ(Tracks(database), 200) << "a paused worker stored new jobs";
  EXPECT_EQ(vhost.Stats(kNoopQueue).unacked, 0);

  auto resume = RunTunefleet({"control", "resume", "--provider", "noop"}, CliEnv(vhost));
  ASSERT_EQ(resume.exit_code, 0) << resume.out << resume.err;
  EXPECT_NE(resume.out.find("applied: resumed"), std::string::npos) << resume.out;
  ASSERT_TRUE(WaitUntil([&] { return Tracks(database) == 500 && vhost.Depth(kNoopQueue) == 0; }, 120s,
                        "all 500 jobs stored after resume"))
      << worker.LogTail(20);
  test_support::StopGracefully(worker);
  EXPECT_EQ(database.Int("SELECT count(DISTINCT job_id) FROM track_sources WHERE provider = 'noop'"), 500);
  EXPECT_EQ(database.Int("SELECT count(*) FROM track_sources WHERE provider = 'noop'"), 500);
  EXPECT_EQ(vhost.Depth("tunefleet.noop.dead"), 0u);
}

TEST(Control, AMalformedOrUnknownCommandIsRejectedWithAReasonAndChangesNothing) {
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  WorkerProcess worker(test_support::NoopWorkerBinary(), NoopEnv(vhost, database));
  ASSERT_TRUE(WaitForListed(vhost, {worker.pid()})) << worker.LogTail(20);

  ops::ControlClient client({.url = vhost.amqp_url(), .connection_name = "control-test"});
  ASSERT_TRUE(client.Open(false));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"command":"explode"})", "unknown command 'explode'"},
      {"not json at all", "is not a JSON object"},
      {R"({"command":"rate","rate_per_second":50})", "for_ms"},
      {R"({"command":"rate","rate_per_second":-1,"for_ms":1000})", "rate_per_second"},
      {R"({"command":"breaker","state":"explode"})", "open, close, reset"},
      {R"({"command":"log-level","level":"loud","for_ms":1000})", "debug, info, warn, error"},
  };
  for (const auto& [body, reason] : cases) {
    auto sent = client.SendRaw(control::TargetKey("provider", "noop"), body);
    ASSERT_TRUE(sent) << sent.error().message;
    std::optional<control::Reply> reply;
    ASSERT_TRUE(client.Listen(Clock::now() + 30s, [&](const ops::ControlClient::Heard& heard) {
      if (heard.reply && heard.correlation_id == *sent) reply = heard.reply;
      return reply.has_value();
    }));
    ASSERT_TRUE(reply) << "no answer to " << body;
    EXPECT_FALSE(reply->applied) << body;
    EXPECT_NE(reply->detail.find(reason), std::string::npos) << body << " -> " << reply->detail;
  }
  // Nothing changed: running, not paused, the configured log level; it still stores jobs.
  auto listed = Workers(vhost);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].paused);
  EXPECT_EQ(listed[0].log_level, "info");
  vhost.PublishTrackJobs("after", 0, 20);
  EXPECT_TRUE(WaitUntil([&] { return Tracks(database) == 20; }, 60s, "jobs stored after the rejected commands"));
  EXPECT_TRUE(worker.Running());

  // The CLI refuses the same before sending anything.
  auto unknown = RunTunefleet({"control", "explode", "--provider", "noop"}, CliEnv(vhost));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command 'explode'"), std::string::npos) << unknown.err;
  auto no_duration = RunTunefleet({"control", "rate", "20", "--provider", "noop"}, CliEnv(vhost));
  EXPECT_EQ(no_duration.exit_code, 2);
  EXPECT_NE(no_duration.err.find("--for"), std::string::npos) << no_duration.err;
}

TEST(Control, WorkersListsTheRunningProcessesAndDropsAKilledOneWithinTwoHeartbeats) {
  constexpr auto kHeartbeat = 2s;
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  std::vector<std::unique_ptr<WorkerProcess>> workers;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(std::make_unique<WorkerProcess>(test_support::NoopWorkerBinary(), NoopEnv(vhost, database, "2s")));
  }
  std::set<std::int64_t> pids;
  for (const auto& w : workers) pids.insert(w->pid());
  ASSERT_TRUE(WaitForListed(vhost, pids));

  // Follow the heartbeats, then kill one with SIGKILL (no goodbye) once the watch lists all three.
  test_support::TempDir out;
  test_support::CliProcess watch({"workers", "--watch", "--json", "--for", "60s"}, CliEnv(vhost),
                                 {.output_dir = out.path(), .timeout = 2min});
  std::size_t lines_read = 0;
  auto next_lines = [&] {
    std::ifstream file(out.path() / "stdout");
    std::vector<std::string> fresh;
    std::string line;
    for (std::size_t i = 0; std::getline(file, line); ++i) {
      if (i >= lines_read && !line.empty() && line.back() == '}') fresh.push_back(line);
    }
    lines_read += fresh.size();
    return fresh;
  };
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& line : next_lines()) {
          if (Pids(ParseWorkers(line)) == pids) return true;
        }
        return false;
      },
      60s, "the watch lists the three workers"));
  const std::int64_t killed = workers[0]->pid();
  workers[0]->Kill(SIGKILL);
  const auto killed_at = Clock::now();
  std::set<std::int64_t> left = pids;
  left.erase(killed);
  std::optional<Clock::duration> gone_after;
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& line : next_lines()) {
          if (Pids(ParseWorkers(line)) == left) {
            gone_after = Clock::now() - killed_at;
            return true;
          }
        }
        return false;
      },
      60s, "the watch drops the killed worker and keeps the others"));
  const double seconds = std::chrono::duration<double>(*gone_after).count();
  std::cout << "killed worker dropped from `workers --watch` " << seconds << " s after SIGKILL (heartbeat 2 s)\n";
  // Two heartbeats after the last one heard, plus the watch's 1 s refresh and this test's own
  // polling: measured from the kill, a loaded machine's delays on top are generous.
  EXPECT_LE(*gone_after, 2 * kHeartbeat + 3s) << seconds << " s";
  // A one-shot listing agrees.
  EXPECT_EQ(Pids(Workers(vhost)), left);
}

// tunefleet-lastfm against provider-sim, with its metrics server on.
struct LastfmFleet {
  explicit LastfmFleet(const std::map<std::string, std::string>& extra)
      : sim({"--rate-slack-ms", "100", "--lastfm-rate", "200", "--lastfm-burst", "20"}) {
    vhost.DeclareFleetTopology();
    std::map<std::string, std::string> env = {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                              {"TUNEFLEET_PG_DSN", database.worker_dsn()},
                                              {"TUNEFLEET_METRICS_BIND", "127.0.0.1"},
                                              {"TUNEFLEET_METRICS_PORT", std::to_string(metrics_port)},
                                              {"TUNEFLEET_CONTROL_HEARTBEAT", "1s"},
                                              {"TUNEFLEET_LASTFM_BASE_URL", sim.Url("/lastfm")},
                                              {"TUNEFLEET_LASTFM_API_KEY", "integration-test-key"}};
    if (const char* redis = std::getenv("TUNEFLEET_REDIS_URL")) env["TUNEFLEET_REDIS_URL"] = redis;
    if (const char* ca = std::getenv("TUNEFLEET_REDIS_CA_FILE")) env["TUNEFLEET_REDIS_CA_FILE"] = ca;
    for (const auto& [key, value] : extra) env[key] = value;
    worker = std::make_unique<WorkerProcess>(std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-lastfm", env);
  }

  // `count` track jobs for Last.fm whose names are unique to this run: no cached answer.
  void Publish(int count, const std::string& run) {
    std::vector<amqp::OutgoingMessage> messages;
    for (int i = 0; i < count; ++i) {
      std::string id = "ctl-" + run + "-" + std::to_string(i);
      json::TrackJob job{.job_id = id, .trace_id = "trace-" + id, .artist = "Band " + std::to_string(i % 17) + " " + run,
                         .title = "Song " + std::to_string(i) + " " + run};
      messages.push_back(test_support::JobMessage(id, json::Serialize(json::Job{job}), "track.lastfm"));
    }
    vhost.Publish(messages);
  }
  std::string Metrics() const {
    return test_support::HttpGet("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics").second;
  }
  std::optional<double> Metric(const std::string& name) const { return test_support::MetricValue(Metrics(), name); }
  long Readyz() const { return test_support::HttpGet("http://127.0.0.1:" + std::to_string(metrics_port) + "/readyz").first; }
  std::int64_t Requests() const { return provider_sim_test::ProviderStats(sim, "lastfm").requests; }
  std::map<std::string, std::string> Cli() const { return CliEnv(vhost); }

  SimProcess sim;
  TestDatabase database;
  TestVhost vhost;
  int metrics_port = test_support::FreePort();
  std::unique_ptr<WorkerProcess> worker;
};

TEST(Control, BreakerOpenAndResetShowInReadyzAndMetricsWithinSeconds) {
  LastfmFleet fleet({});
  ASSERT_TRUE(WaitUntil([&] { return fleet.Readyz() == 200; }, 60s, "the worker is ready")) << fleet.worker->LogTail(20);

  auto open = RunTunefleet({"control", "breaker", "open", "--provider", "lastfm"}, fleet.Cli());
  ASSERT_EQ(open.exit_code, 0) << open.out << open.err;
  const auto opened_at = Clock::now();
  EXPECT_TRUE(WaitUntil([&] { return fleet.Readyz() == 503 && fleet.Metric("tunefleet_circuit_breaker_state") == 2.0; },
                        30s, "/readyz 503 and the breaker gauge at 2 (open)"));
  std::cout << "breaker open seen in /readyz and metrics after "
            << std::chrono::duration<double>(Clock::now() - opened_at).count() << " s\n";
  auto listed = Workers(fleet.vhost);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].breaker, "open");

  // Jobs meanwhile wait in the delay queues (the breaker refuses every call); none reaches the simulator.
  const auto before = fleet.Requests();
  fleet.Publish(5, test_support::UniqueSuffix());
  EXPECT_TRUE(WaitUntil([&] { return fleet.vhost.Depth("tunefleet.lastfm") == 0; }, 60s, "the jobs were taken"));
  EXPECT_EQ(fleet.Requests(), before) << "a call went out through a breaker held open";

  auto reset = RunTunefleet({"control", "breaker", "reset", "--provider", "lastfm"}, fleet.Cli());
  ASSERT_EQ(reset.exit_code, 0) << reset.out << reset.err;
  const auto reset_at = Clock::now();
  EXPECT_TRUE(WaitUntil([&] { return fleet.Readyz() == 200 && fleet.Metric("tunefleet_circuit_breaker_state") == 0.0; },
                        30s, "/readyz 200 and the breaker gauge at 0 (closed)"));
  std::cout << "breaker reset seen in /readyz and metrics after "
            << std::chrono::duration<double>(Clock::now() - reset_at).count() << " s\n";
}

TEST(Control, ARateOverrideRaisesTheRateTheSimulatorSeesThenTheConfiguredRateIsBack) {
  constexpr double kConfigured = 2;  // requests/s, burst 2
  LastfmFleet fleet({{"TUNEFLEET_LASTFM_RATE", "2"}, {"TUNEFLEET_LASTFM_BURST", "2"}});
  ASSERT_TRUE(WaitUntil([&] { return fleet.Readyz() == 200; }, 60s, "the worker is ready")) << fleet.worker->LogTail(20);
  fleet.Publish(600, test_support::UniqueSuffix());  // far more than the test lets it call
  ASSERT_TRUE(WaitUntil([&] { return fleet.Requests() >= 3; }, 60s, "the worker calls the simulator"));

  // At the configured rate, the requests since a moment t can never exceed 2/s x elapsed +
  // the burst. With the override (40/s) they must, and by a margin.
  const auto sent_at = Clock::now();
  const auto requests_at_send = fleet.Requests();
  auto rate = RunTunefleet({"control", "rate", "40", "--provider", "lastfm", "--for", "10s"}, fleet.Cli());
  ASSERT_EQ(rate.exit_code, 0) << rate.out << rate.err;
  EXPECT_NE(rate.out.find("applied: rate 40/s for 10 s, then 2/s"), std::string::npos) << rate.out;
  auto configured_could_do = [&] {
    return kConfigured * std::chrono::duration<double>(Clock::now() - sent_at).count() + 2;
  };
  EXPECT_TRUE(WaitUntil(
      [&] { return static_cast<double>(fleet.Requests() - requests_at_send) > configured_could_do() + 20; }, 10s,
      "the simulator sees more than the configured rate allows"))
      << fleet.Requests() - requests_at_send << " requests in "
      << std::chrono::duration<double>(Clock::now() - sent_at).count() << " s";
  EXPECT_EQ(fleet.Metric("tunefleet_rate_limit_per_second"), 40.0);

  // After its 10 s the configured rate is back, in the gauge, the listing and the simulator.
  ASSERT_TRUE(WaitUntil([&] { return fleet.Metric("tunefleet_rate_limit_per_second") == kConfigured; }, 60s,
                        "the rate gauge back at 2/s"));
  auto listed = Workers(fleet.vhost);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].rate, kConfigured);
  const auto back_at = Clock::now();
  const auto requests_back = fleet.Requests();
  ASSERT_TRUE(WaitUntil([&] { return Clock::now() - back_at >= 5s; }, 10s, "a 5 s measuring window"));
  const auto window = std::chrono::duration<double>(Clock::now() - back_at).count();
  const auto after = fleet.Requests() - requests_back;
  // Calls granted just before the revert may still arrive in the window: a few more.
  EXPECT_LE(static_cast<double>(after), kConfigured * window + 2 + 4) << after << " requests in " << window << " s";
  std::cout << "rate override: " << after << " requests in " << window << " s after the revert (configured 2/s)\n";

  // The cache's hit ratio per provider comes from the workers over the same channel: the
  // same tracks again are answered from the cache.
  auto stats = RunTunefleet({"cache", "stats", "--provider", "lastfm", "--json"},
                            {{"TUNEFLEET_AMQP_URL", fleet.vhost.amqp_url()},
                             {"TUNEFLEET_REDIS_URL", std::getenv("TUNEFLEET_REDIS_URL") ? std::getenv("TUNEFLEET_REDIS_URL") : ""}});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  rapidjson::Document doc;
  doc.Parse(stats.out.c_str());
  ASSERT_FALSE(doc.HasParseError()) << stats.out;
  const auto hits = fleet.Metric("tunefleet_cache_hits_total").value_or(-1);
  const auto misses = fleet.Metric("tunefleet_cache_misses_total").value_or(-1);
  ASSERT_GT(misses, 0);
  for (const auto& provider : doc["providers"].GetArray()) {
    if (std::string(provider["provider"].GetString()) != "lastfm") continue;
    ASSERT_TRUE(provider["hit_ratio"].IsNumber()) << stats.out;
    // Read a moment apart from the worker's own counters: close, not equal.
    EXPECT_NEAR(provider["hit_ratio"].GetDouble(), hits / (hits + misses), 0.05) << stats.out;
  }
}

}  // namespace
