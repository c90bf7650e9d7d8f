#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace metrics {

// The resilience gateway's metrics for one provider (names defined here, once).
class GatewayMetrics {
 public:
  GatewayMetrics(prometheus::Registry& registry, std::string provider);

  // status: the HTTP status as text, or "error" for transport failures, "breaker_open", "budget".
  prometheus::Counter& ApiCalls(const std::string& endpoint, const std::string& status);
  prometheus::Histogram& ApiLatency(const std::string& endpoint);
  prometheus::Counter& CacheHits() { return *cache_hits_; }
  prometheus::Counter& CacheMisses() { return *cache_misses_; }
  prometheus::Counter& Coalesced() { return *coalesced_; }
  prometheus::Counter& BatchedCalls() { return *batched_calls_; }
  prometheus::Counter& BatchedItems() { return *batched_items_; }
  prometheus::Counter& RateLimitWaits() { return *rate_limit_waits_; }
  prometheus::Gauge& RateLimitDegraded() { return *rate_limit_degraded_; }
  prometheus::Gauge& RateLimit() { return *rate_limit_; }
  prometheus::Gauge& RateLimitTokens() { return *rate_limit_tokens_; }
  prometheus::Counter& Retries() { return *retries_; }
  prometheus::Counter& RetriesRefusedByBudget() { return *retries_refused_; }
  // 0 closed, 1 half-open, 2 open.
  prometheus::Gauge& BreakerState() { return *breaker_state_; }
  prometheus::Counter& BreakerTransitions(const std::string& to);
  prometheus::Gauge& InFlight() { return *in_flight_; }

 private:
  std::string provider_;
  prometheus::Family<prometheus::Counter>* calls_family_;
  prometheus::Family<prometheus::Histogram>* latency_family_;
  prometheus::Family<prometheus::Counter>* transitions_family_;
  prometheus::Counter* cache_hits_;
  prometheus::Counter* cache_misses_;
  prometheus::Counter* coalesced_;
  prometheus::Counter* batched_calls_;
  prometheus::Counter* batched_items_;
  prometheus::Counter* rate_limit_waits_;
  prometheus::Gauge* rate_limit_degraded_;
  prometheus::Gauge* rate_limit_;
  prometheus::Gauge* rate_limit_tokens_;
  prometheus::Counter* retries_;
  prometheus::Counter* retries_refused_;
  prometheus::Gauge* breaker_state_;
  prometheus::Gauge* in_flight_;
};

}  // namespace metrics
