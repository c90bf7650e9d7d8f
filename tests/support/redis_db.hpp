#pragma once

#include <string>

// One numbered database of the private stack's Redis per test (grep "Db = " in tests/), so
// the cache and the fleet rate limit start cold and no other test's keys meet its own.
// The stack is TUNEFLEET_REDIS_URL, else redis://127.0.0.1:36379.
namespace test_support {

// redis://<host>:<port>/<db> of the stack's Redis (no credentials, plain TCP).
std::string RedisDbUrl(int db);

// SELECT + FLUSHDB over a plain socket (inline commands); throws when Redis is not there or
// does not answer +OK to both.
void FlushRedisDb(int db);

}  // namespace test_support
