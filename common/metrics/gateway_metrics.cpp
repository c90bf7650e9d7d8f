#include "common/metrics/gateway_metrics.hpp"

#include "common/core/redact.hpp"

namespace metrics {

GatewayMetrics::GatewayMetrics(prometheus::Registry& r, std::string provider) : provider_(std::move(provider)) {
  const prometheus::Labels labels{{"provider", provider_}};
  calls_family_ = &prometheus::BuildCounter()
                       .Name("tunefleet_api_calls_total")
                       .Help("Provider API calls by endpoint and HTTP status")
                       .Register(r);
  latency_family_ = &prometheus::BuildHistogram()
                         .Name("tunefleet_api_call_seconds")
                         .Help("Provider API call latency")
                         .Register(r);
  transitions_family_ = &prometheus::BuildCounter()
                             .Name("tunefleet_circuit_breaker_transitions_total")
                             .Help("Circuit breaker state changes, by new state")
                             .Register(r);
  auto counter = [&r, &labels](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
  };
  auto gauge = [&r, &labels](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(r).Add(labels);
  };
  cache_hits_ = counter("tunefleet_cache_hits_total", "Provider responses served from the Redis cache");
  cache_misses_ = counter("tunefleet_cache_misses_total", "Cache lookups that went to the provider");
  coalesced_ = counter("tunefleet_coalesced_calls_total", "Calls that joined an identical call in flight");
  batched_calls_ = counter("tunefleet_batched_calls_total", "Multi-id calls sent by the micro-batcher");
  batched_items_ = counter("tunefleet_batched_items_total", "Ids requested through the micro-batcher");
  rate_limit_waits_ = counter("tunefleet_rate_limit_waits_total", "Times a call waited for the rate limit");
  rate_limit_degraded_ = gauge("tunefleet_rate_limit_degraded", "1 while Redis is away and the local bucket limits");
  rate_limit_ = gauge("tunefleet_rate_limit_per_second", "The fleet-wide rate currently applied");
  rate_limit_tokens_ = gauge("tunefleet_rate_limit_tokens_available",
                             "Requests the fleet's bucket would grant at once, as of this process's last ask");
  retries_ = counter("tunefleet_api_retries_total", "Calls retried after a transient failure");
  retries_refused_ = counter("tunefleet_api_retries_refused_total", "Retries refused by the retry budget");
  breaker_state_ = gauge("tunefleet_circuit_breaker_state", "Circuit breaker: 0 closed, 1 half-open, 2 open (held open by an operator too)");
  in_flight_ = gauge("tunefleet_api_calls_in_flight", "Provider calls in flight");
}

prometheus::Counter& GatewayMetrics::ApiCalls(const std::string& endpoint, const std::string& status) {
  // Label values are scraped by anyone who can reach /metrics: the same rule as log lines.
  return calls_family_->Add({{"provider", provider_}, {"endpoint", core::Redact(endpoint)}, {"status", core::Redact(status)}});
}

prometheus::Histogram& GatewayMetrics::ApiLatency(const std::string& endpoint) {
  return latency_family_->Add({{"provider", provider_}, {"endpoint", core::Redact(endpoint)}},
                              prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
}

prometheus::Counter& GatewayMetrics::BreakerTransitions(const std::string& to) {
  return transitions_family_->Add({{"provider", provider_}, {"to", to}});
}

}  // namespace metrics
