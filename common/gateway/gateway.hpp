#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/core/result.hpp"
#include "common/gateway/fleet_rate_limiter.hpp"
#include "common/http/transport.hpp"
#include "common/logging/logger.hpp"
#include "common/metrics/gateway_metrics.hpp"
#include "common/redis/commands.hpp"
#include "common/resilience/backoff.hpp"
#include "common/resilience/circuit_breaker.hpp"
#include "common/resilience/clock.hpp"
#include "common/resilience/random.hpp"
#include "common/resilience/retry_budget.hpp"
#include "common/resilience/scheduler.hpp"

struct uv_loop_s;

namespace gateway {

struct GatewaySettings {
  std::string provider{};                          // metric label, cache and rate-limit key prefix
  FleetRateLimitSettings rate_limit{};
  resilience::CircuitBreakerSettings breaker{};
  resilience::BackoffSettings backoff{};
  resilience::RetryBudgetSettings retry_budget{};
  int max_concurrency = 64;                      // bulkhead: calls in flight at once
  int max_attempts = 3;                          // tries here before the job goes to the delay queues
  std::chrono::milliseconds max_retry_wait{3000};   // a longer retry wait goes to the delay queues
  std::chrono::milliseconds max_rate_wait{120000};  // a longer rate-limit wait too
  // The most one call spends on the network, from its first attempt to its answer: attempts,
  // retry waits and any rate-limit or bulkhead wait between them. A retry that could not start
  // before it is not made, and each attempt's HTTP timeout is cut to the time left, so a
  // slow-drip server cannot stretch a call past it whatever max_attempts allows. 0: no deadline.
  std::chrono::milliseconds call_deadline{0};
  // The HTTP client's timeout for requests that set none (Request::total_timeout 0): what an
  // attempt would get without the deadline. 0: unknown, then an attempt gets the time left.
  std::chrono::milliseconds attempt_timeout{0};
  // Adaptive limit: a response header telling how many requests remain in the provider's
  // window (Discogs: x-discogs-ratelimit-remaining). At or below the watermark the rate is
  // halved until it recovers.
  std::string remaining_header{};
  int remaining_low_watermark = 5;
};

struct CallOptions {
  std::string endpoint = "call";      // metric label: "search", "track", "audio_features"
  std::string cache_key{};              // empty: not cached (and coalesced by method + URL)
  std::chrono::seconds cache_ttl{0};  // 0: not cached
  std::chrono::seconds not_found_ttl{3600};
  bool use_cache = true;
  // Providers that report errors inside 200 bodies (Last.fm) turn them into errors here.
  std::function<std::optional<core::Error>(const http::Response&)> classify{};
  // Statuses handed back as a Response instead of an error (e.g. 401 to refresh a token).
  std::set<long> pass_statuses{};
};

// The answer: a 2xx (or pass_statuses) Response; kNotFound for 404; kInvalidInput for other
// 4xx; kTransient (with retry_after when known) for timeouts, resets, 429, 5xx, an open
// breaker or an exhausted retry budget, after the in-process retries.
using CallDone = std::function<void(core::Result<http::Response>)>;

// The only way a provider reaches the network. Per call, in order: response cache (Redis)
// -> coalescing of identical calls in flight -> bulkhead -> fleet-wide rate limit (a granted
// slot is spent at once) -> circuit breaker -> HTTP -> retry with full-jitter backoff honouring Retry-After, within
// a retry budget. Every decision is counted in GatewayMetrics. Loop thread only; `done` runs
// on the loop, once per call. Must outlive its calls: Close answers every pending call (as a
// transient NotAttempted error) and no `done` runs after it.
class Gateway {
 public:
  // Everything the gateway reaches outside itself; all borrowed, all must outlive the gateway.
  struct Seams {
    http::Transport& http;
    redis::Commands& redis;
    const resilience::Clock& clock;  // rate limits, breaker, retry budget and latency
    resilience::Scheduler& scheduler;  // retry and rate-limit waits
    resilience::Random& random;        // backoff jitter
  };
  Gateway(Seams seams, GatewaySettings settings, metrics::GatewayMetrics& metrics, logging::Logger logger);
  // Production: waits on uv timers of `loop`, jitter from a seeded Mersenne Twister.
  Gateway(uv_loop_s& loop, http::Transport& http, redis::Commands& redis, const resilience::Clock& clock,
          GatewaySettings settings, metrics::GatewayMetrics& metrics, logging::Logger logger);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void Call(http::Request request, CallOptions options, CallDone done);
  resilience::CircuitBreaker::State breaker_state() const { return breaker_.state(); }
  bool rate_limit_degraded() const { return limiter_.degraded(); }
  // Recent health for /readyz: share of calls that did not fail transiently, and their mean
  // latency in seconds, both exponentially weighted over roughly the last 100 calls (1.0 and 0
  // before the first call).
  double success_rate() const { return success_rate_; }
  double response_time_seconds() const { return response_time_; }
  void Close();

  // Operator commands (`tunefleet control`, through the control channel).
  // Holds the breaker open (every call fails fast as transient) until Close/ResetBreaker.
  void HoldBreakerOpen();
  // Closes the breaker now, forgetting its failures; a hold is released.
  void CloseBreaker();
  // CloseBreaker, and the recent health /readyz reports starts afresh (success rate 1.0).
  void ResetBreaker();
  // This process's share of the fleet-wide quota from now on (every process of the provider
  // gets the same command); nullopt: back to the configured rate. The adaptive halving
  // (remaining_header) works from the rate in force.
  void OverrideRate(std::optional<double> rate_per_second);
  double rate_in_force() const { return limiter_.rate(); }
  double configured_rate() const { return settings_.rate_limit.rate_per_second; }
  bool breaker_held_open() const { return breaker_.held_open(); }

 private:
  struct Flight;
  Gateway(std::unique_ptr<resilience::Scheduler> scheduler, std::unique_ptr<resilience::Random> random,
          http::Transport& http, redis::Commands& redis, const resilience::Clock& clock, GatewaySettings settings,
          metrics::GatewayMetrics& metrics, logging::Logger logger);
  void Coalesce(std::string key, http::Request request, CallOptions options, CallDone done);
  void Acquire(const std::shared_ptr<Flight>& flight);
  void EnterBulkhead(const std::shared_ptr<Flight>& flight);
  void LeaveBulkhead();  // the slot goes to the next queued flight
  void Send(const std::shared_ptr<Flight>& flight);
  void OnResponse(const std::shared_ptr<Flight>& flight, core::Result<http::Response> result,
                  std::chrono::steady_clock::time_point started);
  void Finish(const std::shared_ptr<Flight>& flight, core::Result<http::Response> result);
  void After(std::chrono::milliseconds delay, std::function<void()> fn);
  void ObserveBreaker(resilience::CircuitBreaker::State before);
  void Adapt(const http::Response& response);
  double BaseRate() const { return rate_override_.value_or(settings_.rate_limit.rate_per_second); }
  void ApplyRate(double rate);

  // Set only by the production constructor; declared first so they outlive their users.
  std::unique_ptr<resilience::Scheduler> owned_scheduler_;
  std::unique_ptr<resilience::Random> owned_random_;
  http::Transport& http_;
  redis::Commands& redis_;
  const resilience::Clock& clock_;
  resilience::Scheduler& scheduler_;
  resilience::Random& random_;
  GatewaySettings settings_;
  metrics::GatewayMetrics& metrics_;
  logging::Logger logger_;
  FleetRateLimiter limiter_;
  resilience::CircuitBreaker breaker_;
  resilience::Backoff backoff_;
  resilience::RetryBudget budget_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;
  std::deque<std::shared_ptr<Flight>> bulkhead_queue_;
  int active_ = 0;
  bool slowed_down_ = false;
  std::optional<double> rate_override_;  // OverrideRate
  double success_rate_ = 1.0;
  double response_time_ = 0.0;
  // Calls waiting for their cache lookup, by a number of their own (answered by Close).
  std::map<std::uint64_t, CallDone> lookups_;
  std::uint64_t next_lookup_ = 0;
  std::set<resilience::Scheduler::TaskId> timers_;
  bool closed_ = false;
};

// Status classification shared by the gateway and providers' tests.
std::optional<core::Error> ClassifyStatus(const http::Response& response, const std::string& what);
// Retry-After in seconds ("120") or as an HTTP date; nullopt when absent or unparsable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value);

}  // namespace gateway
