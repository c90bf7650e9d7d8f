#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/amqp/message.hpp"
#include "common/json/job.hpp"
#include "tests/integration/provider_sim/sim_process.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"

// What the Discogs worker's integration tests (and the fleet tests) share: provider-sim
// control, the worker's environment, jobs and the rows they produce.
namespace discogs_test {

using provider_sim_test::SimProcess;

// <build>/bin/tunefleet-discogs.
std::filesystem::path DiscogsWorkerBinary();

// The private stack's Redis (TUNEFLEET_REDIS_URL, else 127.0.0.1:36379) with database `db`,
// so a test's rate-limit and cache keys do not meet another test's.
std::string RedisUrl(int db);
using test_support::FreePort;

using provider_sim_test::Describe;
using provider_sim_test::SimStats;
// What /_sim/stats says about Discogs.
inline SimStats DiscogsStats(const SimProcess& sim) { return provider_sim_test::ProviderStats(sim, "discogs"); }
// POST /_sim/config with `body` (JSON); fails the test unless the simulator answers 200.
void ConfigureSim(const SimProcess& sim, const std::string& body);
// POST /_sim/reset: counters zeroed, buckets refilled.
void ResetSim(const SimProcess& sim);

using test_support::HttpGet;
using test_support::MetricValue;

// TUNEFLEET_* for a Discogs worker on this vhost, database and simulator: token set, metrics
// off, Redis database `redis_db`; `extra` wins.
std::map<std::string, std::string> WorkerEnv(const test_support::TestVhost& vhost,
                                             const test_support::TestDatabase& database, const SimProcess& sim,
                                             int redis_db, const std::map<std::string, std::string>& extra = {});

// Messages for tunefleet.jobs with routing keys track.discogs / album.discogs.
amqp::OutgoingMessage Message(const json::TrackJob& job);
amqp::OutgoingMessage Message(const json::AlbumJob& job);

struct SourceCounts {
  std::int64_t tracks_ok = 0;
  std::int64_t tracks_not_found = 0;
  std::int64_t albums_ok = 0;
  std::int64_t albums_not_found = 0;
  std::int64_t tracks() const { return tracks_ok + tracks_not_found; }
  std::int64_t albums() const { return albums_ok + albums_not_found; }
};
SourceCounts CountSources(const test_support::TestDatabase& database);
std::string Describe(const SourceCounts& counts);

}  // namespace discogs_test
