#include "tests/integration/discogs/discogs_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <sstream>

#include "common/json/job_writer.hpp"
#include "tests/support/test_vhost.hpp"

namespace discogs_test {

std::filesystem::path DiscogsWorkerBinary() { return std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-discogs"; }

std::string RedisUrl(int db) {
  const char* env = std::getenv("TUNEFLEET_REDIS_URL");
  std::string base = env != nullptr && *env != '\0' ? env : "redis://127.0.0.1:36379";
  // Drop a database already in the URL: redis://host:port[/n].
  auto scheme = base.find("://");
  auto slash = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash != std::string::npos) base.resize(slash);
  return base + "/" + std::to_string(db);
}

void ConfigureSim(const SimProcess& sim, const std::string& body) {
  auto result = provider_sim_test::Fetch({.method = "POST", .url = sim.Url("/_sim/config"), .body = body, .timeout_ms = 5000});
  ASSERT_EQ(result.status, 200) << "POST /_sim/config " << body << ": " << result.body;
}

void ResetSim(const SimProcess& sim) {
  auto result = provider_sim_test::Fetch({.method = "POST", .url = sim.Url("/_sim/reset"), .timeout_ms = 5000});
  ASSERT_EQ(result.status, 200) << "POST /_sim/reset: " << result.body;
}

std::map<std::string, std::string> WorkerEnv(const test_support::TestVhost& vhost,
                                             const test_support::TestDatabase& database, const SimProcess& sim,
                                             int redis_db, const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env = {{"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                            {"TUNEFLEET_PG_DSN", database.worker_dsn()},
                                            {"TUNEFLEET_REDIS_URL", RedisUrl(redis_db)},
                                            {"TUNEFLEET_METRICS_PORT", "0"},
                                            {"TUNEFLEET_LOG_LEVEL", "info"},
                                            {"TUNEFLEET_DISCOGS_BASE_URL", sim.Url("/discogs")},
                                            {"TUNEFLEET_DISCOGS_TOKEN", "integration-test-token"},
                                            // The tests count the jobs they sent; an album's
                                            // track jobs would add to them (`extra` may turn it on).
                                            {"TUNEFLEET_ALBUM_TRACKS", "false"}};
  for (const auto& [key, value] : extra) env[key] = value;
  return env;
}

amqp::OutgoingMessage Message(const json::TrackJob& job) {
  return test_support::JobMessage(job.job_id, json::Serialize(job), "track.discogs");
}

amqp::OutgoingMessage Message(const json::AlbumJob& job) {
  return test_support::JobMessage(job.job_id, json::Serialize(job), "album.discogs");
}

SourceCounts CountSources(const test_support::TestDatabase& database) {
  auto rows = database.Rows(
      "SELECT (SELECT count(*) FROM track_sources WHERE provider = 'discogs' AND status = 'ok'), "
      "(SELECT count(*) FROM track_sources WHERE provider = 'discogs' AND status = 'not_found'), "
      "(SELECT count(*) FROM album_sources WHERE provider = 'discogs' AND status = 'ok'), "
      "(SELECT count(*) FROM album_sources WHERE provider = 'discogs' AND status = 'not_found')");
  const auto& r = rows.at(0);
  return {std::stoll(r.at(0)), std::stoll(r.at(1)), std::stoll(r.at(2)), std::stoll(r.at(3))};
}

std::string Describe(const SourceCounts& c) {
  return "tracks ok=" + std::to_string(c.tracks_ok) + " not_found=" + std::to_string(c.tracks_not_found) +
         ", albums ok=" + std::to_string(c.albums_ok) + " not_found=" + std::to_string(c.albums_not_found);
}

}  // namespace discogs_test
