#pragma once

#include <map>
#include <random>
#include <string>

#include "tests/support/redis_db.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"

namespace listeners_test {

// Redis database 18 of the private stack is these tests' alone (grep "Db = " in tests/): the
// Last.fm rate limit and page cache of no worker test meet theirs. Not emptied (the tests of
// this folder may run at once); each test's user name is its own (UniqueUser), so no cached
// page of an earlier run answers it.
inline constexpr int kImportRedisDb = 18;

// The environment `tunefleet import` runs with: this test's database (as the worker role),
// vhost, its Redis database and, for lastfm, provider-sim.
inline std::map<std::string, std::string> ImportEnv(const test_support::TestDatabase& db,
                                                    const test_support::TestVhost& vhost,
                                                    const std::string& lastfm_base_url = "") {
  std::map<std::string, std::string> env = {{"TUNEFLEET_PG_DSN", db.worker_dsn()},
                                            {"TUNEFLEET_AMQP_URL", vhost.amqp_url()},
                                            {"TUNEFLEET_LASTFM_API_KEY", "integration-test-key"}};
  if (!lastfm_base_url.empty()) env["TUNEFLEET_LASTFM_BASE_URL"] = lastfm_base_url;
  env["TUNEFLEET_REDIS_URL"] = test_support::RedisDbUrl(kImportRedisDb);
  return env;
}

// A user name no other test (or earlier run, through the response cache) uses.
inline std::string UniqueUser(const std::string& base) {
  std::random_device random;
  return base + std::to_string(random() % 1'000'000'000u);
}

}  // namespace listeners_test
