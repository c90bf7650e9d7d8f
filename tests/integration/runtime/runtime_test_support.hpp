#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/worker_process.hpp"

// What the runtime integration tests share: the environment of a worker pointed at one
// test's vhost and database, and the counts every test checks.
namespace runtime_test {

inline constexpr const char* kJobQueue = "tunefleet.noop";
inline constexpr const char* kDeadQueue = "tunefleet.noop.dead";
inline constexpr const char* kRecommendQueue = "tunefleet.recommend";
inline constexpr const char* kFeaturesQueue = "tunefleet.features";

// <build>/bin/tunefleet-test-failing: the noop provider failing every "fail-" title.
std::filesystem::path FailingWorkerBinary();

// TUNEFLEET_AMQP_URL and TUNEFLEET_PG_DSN of the test's vhost and database, metrics off,
// plus `extra` (which wins).
std::map<std::string, std::string> WorkerEnv(const test_support::TestVhost& vhost,
                                             const test_support::TestDatabase& database,
                                             const std::map<std::string, std::string>& extra = {});

struct RowCounts {
  std::int64_t tracks = 0;
  std::int64_t distinct_keys = 0;    // count(DISTINCT identity_key)
  std::int64_t distinct_titles = 0;  // count(DISTINCT title)
  std::int64_t sources = 0;          // track_sources rows of provider noop
  std::int64_t distinct_jobs = 0;    // count(DISTINCT track_sources.job_id)
};
RowCounts CountRows(const test_support::TestDatabase& database);
std::string Describe(const RowCounts& counts);

// Waits until `jobs` tracks and source rows are stored and the job queue has nothing ready,
// failing early if `worker` exits.
bool WaitForAllStored(const test_support::TestDatabase& database, test_support::TestVhost& vhost,
                      test_support::WorkerProcess& worker, std::int64_t jobs, std::chrono::milliseconds timeout);

using test_support::StopGracefully;

// Expects exactly `jobs` tracks with distinct identity keys and titles, `jobs` noop source
// rows from `jobs` distinct jobs, an empty job queue and an empty dead-letter queue. Call
// with no worker running (so nothing is unacked).
void ExpectExactlyOnce(const test_support::TestDatabase& database, test_support::TestVhost& vhost,
                       std::int64_t jobs);

// job_effects of one provider (migrations/0002_job_effects.sql): how often each job's effect
// was committed, so a test sees doubling that idempotent rows hide.
struct EffectCounts {
  std::int64_t jobs = 0;          // jobs with at least one commit
  std::int64_t commits = 0;       // sum of commits
  std::int64_t reprocessed = 0;   // jobs committed more than once
  std::int64_t max_commits = 0;
  std::int64_t followup_ids = 0;  // sum of the track ids sent to the builders
};
EffectCounts CountEffects(const test_support::TestDatabase& database, const std::string& provider = "noop");
std::string Describe(const EffectCounts& counts);

}  // namespace runtime_test
