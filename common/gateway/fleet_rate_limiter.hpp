#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "common/logging/logger.hpp"
#include "common/redis/commands.hpp"
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
  // The fleet's bucket holds burst - rate x burst_headroom (at least 1): requests granted at
  // pace can reach the provider closer together than granted (a loop stalled under load
  // answers several grants at once; a slow first connect delays the first requests), and the
  // provider counts arrivals. The headroom absorbs that much compression at any time, at the
  // cost of a smaller first burst; the sustained rate is the full quota.
  std::chrono::milliseconds burst_headroom{0};
  // While degraded, one call per interval asks Redis again (a probe); the others use only the
  // local bucket, so fleet and local slots are never handed out side by side. Short, because
  // between Redis coming back and the last process noticing, that process's local share
  // comes on top of the fleet's full rate (the provider's burst has to absorb it).
  std::chrono::milliseconds probe_interval{250};
  // At most this many calls ask Redis at once per process; the others wait for one of those
  // answers (parked). Without it every job waiting for a slot asked again at the same next
  // slot: in the pipeline test 30 EVALs per granted request, enough load to slow Redis past
  // its timeout on a busy machine.
  int max_asks_in_flight = 4;
};

// The burst the fleet's bucket holds: `burst` less `burst_headroom` at the current rate, at least 1.
double FleetBurst(const FleetRateLimitSettings& settings);

// A fleet-wide rate limit: one atomic Lua script in Redis implementing GCRA (the generic cell
// rate algorithm) on Redis' own clock, so any number of processes on any number of hosts
// together never exceed `rate_per_second` with `burst`. If Redis errors or is slow, the
// process asks again at once (a probe) and every other call waits for that answer: a single
// slow answer hands out no local slot (the other processes are still using the whole fleet
// rate). Only when the probe fails too does the process degrade to a local token bucket at
// `local_share` of the rate and say so (log line and `degraded()`); from then on every call
// uses the local bucket alone, except one probe per `probe_interval` that asks Redis, and the
// first probe Redis answers ends the degraded mode. (Answering each call from whichever source replied would add the local share on top
// of the fleet limit whenever Redis is merely slow for some calls.) Calls beyond
// `max_asks_in_flight` are parked: after a refusal they all get that answer's wait, after a
// grant the next ones ask. Loop thread only.
class FleetRateLimiter {
 public:
  FleetRateLimiter(redis::Commands& redis, const resilience::Clock& clock, FleetRateLimitSettings settings,
                   logging::Logger logger);

  // wait == 0: the request may go now (a slot was taken). wait > 0: no slot; ask again then.
  using Decision = std::function<void(std::chrono::milliseconds wait)>;
  void Acquire(Decision decision);
  // Adaptive limits: a provider said few requests remain.
  void SetRate(double rate_per_second);
  bool degraded() const { return degraded_; }
  double rate() const { return settings_.rate_per_second; }
  // Requests the bucket in force would grant at once: the fleet's bucket as of Redis' last
  // answer (0 after a refusal), or the local bucket while degraded.
  double tokens_available() const;

 private:
  void AcquireLocally(const Decision& decision);
  // The first failure: the next ask is a probe, the other calls wait for its answer.
  void Suspect();
  // The probe failed too: the local bucket from now on.
  void Degrade(const std::string& why);
  void Ask(Decision decision);
  // Answers the parked calls after an ask returned: refused -> the same wait; degraded -> the
  // local bucket; granted (nullopt) -> the next ones ask, up to max_asks_in_flight. While a
  // probe decides (suspected), they stay parked.
  void ReleaseParked(std::optional<std::chrono::milliseconds> refused_for);

  redis::Commands& redis_;
  const resilience::Clock& clock_;
  FleetRateLimitSettings settings_{};
  logging::Logger logger_;
  resilience::TokenBucket local_;
  bool suspected_ = false;  // an ask failed; its probe is out and every call waits for it
  bool degraded_ = false;   // the probe failed too: the local bucket
  bool fleet_answered_ = false;  // Redis has decided at least one call
  double fleet_tokens_ = 0;      // tokens_available() as of Redis' last answer
  std::uint64_t degradations_ = 0;             // suspicions: a reply ends them only if sent after the last one
  resilience::Clock::TimePoint next_probe_{};  // while degraded: when the next call may ask Redis
  int asks_in_flight_ = 0;
  std::deque<Decision> parked_;
};

}  // namespace gateway
