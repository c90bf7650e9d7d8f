#pragma once

#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"

namespace listeners_test {

// The environment `tunefleet import` runs with: this test's database (as the worker role),
// vhost, the stack's Redis and, for lastfm, provider-sim.
inline std::map<std::string, std::string> ImportEnv(const test_support::TestDatabase& db,
                                                    const test_support::TestVhost& vhost,
                                                    const std::string& lastfm_base_url = "") {
  std::map<std::string, std::string> env = {{"TUNEFLEET_PG_DSN", db.worker_dsn()},
                                            {"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                            {"TUNEFLEET_LASTFM_API_KEY", "integration-test-key"}};
  if (!lastfm_base_url.empty()) env["TUNEFLEET_LASTFM_BASE_URL"] = lastfm_base_url;
  if (const char* redis = std::getenv("TUNEFLEET_REDIS_URL")) env["TUNEFLEET_REDIS_URL"] = redis;
  if (const char* ca = std::getenv("TUNEFLEET_REDIS_CA_FILE")) env["TUNEFLEET_REDIS_CA_FILE"] = ca;
  return env;
}

// A user name no other test (or earlier run, through the response cache) uses.
inline std::string UniqueUser(const std::string& base) {
  std::random_device random;
  return base + std::to_string(random() % 1'000'000'000u);
}

}  // namespace listeners_test
