#include "tests/integration/runtime/runtime_test_support.hpp"

#include <gtest/gtest.h>

#include "tests/support/wait.hpp"

namespace runtime_test {

using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WorkerProcess;

std::map<std::string, std::string> WorkerEnv(const TestVhost& vhost, const TestDatabase& database,
                                             const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env = {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                            {"TUNEFLEET_PG_DSN", database.worker_dsn()},
                                            {"TUNEFLEET_METRICS_PORT", "0"},
                                            {"TUNEFLEET_LOG_LEVEL", "info"}};
  for (const auto& [key, value] : extra) env[key] = value;
  return env;
}

RowCounts CountRows(const TestDatabase& database) {
  auto rows = database.Rows(
      "SELECT (SELECT count(*) FROM tracks), (SELECT count(DISTINCT identity_key) FROM tracks), "
      "(SELECT count(DISTINCT title) FROM tracks), "
      "(SELECT count(*) FROM track_sources WHERE provider = 'noop'), "
      "(SELECT count(DISTINCT job_id) FROM track_sources WHERE provider = 'noop')");
  const auto& r = rows.at(0);
  return {std::stoll(r.at(0)), std::stoll(r.at(1)), std::stoll(r.at(2)), std::stoll(r.at(3)), std::stoll(r.at(4))};
}

std::string Describe(const RowCounts& c) {
  return "tracks=" + std::to_string(c.tracks) + " distinct_keys=" + std::to_string(c.distinct_keys) +
         " distinct_titles=" + std::to_string(c.distinct_titles) + " sources=" + std::to_string(c.sources) +
         " distinct_jobs=" + std::to_string(c.distinct_jobs);
}

bool WaitForAllStored(const TestDatabase& database, TestVhost& vhost, WorkerProcess& worker, std::int64_t jobs,
                      std::chrono::milliseconds timeout) {
  bool exited = false;
  bool done = test_support::WaitUntil(
      [&] {
        if (!worker.Running()) {
          exited = true;
          return true;
        }
        auto c = CountRows(database);
        return c.tracks >= jobs && c.sources >= jobs && vhost.Depth(kJobQueue) == 0;
      },
      timeout, std::to_string(jobs) + " jobs stored",
      [&] { return Describe(CountRows(database)) + " ready=" + std::to_string(vhost.Depth(kJobQueue)); });
  if (exited) {
    ADD_FAILURE() << "the worker exited (" << Describe(*worker.exit_status()) << ") before storing every job";
    return false;
  }
  return done;
}

void ExpectExactlyOnce(const TestDatabase& database, TestVhost& vhost, std::int64_t jobs) {
  auto c = CountRows(database);
  EXPECT_EQ(c.tracks, jobs) << Describe(c);
  EXPECT_EQ(c.distinct_keys, jobs) << Describe(c);
  EXPECT_EQ(c.distinct_titles, jobs) << Describe(c);
  EXPECT_EQ(c.sources, jobs) << Describe(c);
  EXPECT_EQ(c.distinct_jobs, jobs) << Describe(c);
  EXPECT_EQ(vhost.Depth(kJobQueue), 0u);
  EXPECT_EQ(vhost.Depth(kDeadQueue), 0u);
}

std::filesystem::path FailingWorkerBinary() {
  return std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-test-failing";
}

EffectCounts CountEffects(const TestDatabase& database, const std::string& provider) {
  auto rows = database.Rows(
      "SELECT count(*), coalesce(sum(commits), 0), count(*) FILTER (WHERE commits > 1), coalesce(max(commits), 0), "
      "coalesce(sum(followup_ids), 0) FROM job_effects WHERE provider = '" + provider + "'");
  EffectCounts c;
  c.jobs = std::stoll(rows.at(0).at(0));
  c.commits = std::stoll(rows.at(0).at(1));
  c.reprocessed = std::stoll(rows.at(0).at(2));
  c.max_commits = std::stoll(rows.at(0).at(3));
  c.followup_ids = std::stoll(rows.at(0).at(4));
  return c;
}

std::string Describe(const EffectCounts& c) {
  return "effects: jobs=" + std::to_string(c.jobs) + " commits=" + std::to_string(c.commits) +
         " reprocessed=" + std::to_string(c.reprocessed) + " max_commits=" + std::to_string(c.max_commits) +
         " followup_ids=" + std::to_string(c.followup_ids);
}

}  // namespace runtime_test
