#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/logging/logger.hpp"
#include "common/redis/redis_client.hpp"
#include "common/resilience/clock.hpp"
#include "common/resilience/token_bucket.hpp"

namespace gateway {

struct FleetRateLimitSettings {
  std::string key{};               // "spotify": one limit shared by every process using this key
  double rate_per_second = 10;   // the provider's quota for the whole fleet
  double burst = 10;
  // When Redis is away, each process falls back to a local bucket at this share of the rate
  // (e.g. 0.25 for a fleet of four), so the fleet stays under the quota without Redis.
  double local_share = 0.25;
};

// A fleet-wide rate limit: one atomic Lua script in Redis implementing GCRA (the generic cell
// rate algorithm) on Redis' own clock, so any number of processes on any number of hosts
// together never exceed `rate_per_second` with `burst`. If Redis errors or is slow, the
// process degrades to a local token bucket at `local_share` of the rate and says so (log line
// and `degraded()`), and returns to the fleet limit when Redis answers again. Loop thread only.
class FleetRateLimiter {
 public:
  FleetRateLimiter(redis::RedisClient& redis, const resilience::Clock& clock, FleetRateLimitSettings settings,
                   logging::Logger logger);

  // wait == 0: the request may go now (a slot was taken). wait > 0: no slot; ask again then.
  using Decision = std::function<void(std::chrono::milliseconds wait)>;
  void Acquire(Decision decision);
  // Adaptive limits: a provider said few requests remain.
  void SetRate(double rate_per_second);
  bool degraded() const { return degraded_; }
  double rate() const { return settings_.rate_per_second; }

 private:
  void AcquireLocally(const Decision& decision);

  redis::RedisClient& redis_;
  FleetRateLimitSettings settings_{};
  logging::Logger logger_;
  resilience::TokenBucket local_;
  bool degraded_ = false;
};

}  // namespace gateway
