#pragma once

#include <chrono>
#include <string>

#include "common/config/env.hpp"
#include "common/gateway/gateway.hpp"

namespace runtime {

// A provider's default policy (DESIGN.md's table), every field overridable by environment
// variables prefixed TUNEFLEET_<NAME>_ (e.g. TUNEFLEET_SPOTIFY_RATE, TUNEFLEET_SPOTIFY_BASE_URL).
struct ProviderPolicy {
  bool uses_network = true;           // false: no HTTP client, Redis or gateway (noop)
  std::string base_url{};             // _BASE_URL: the real API, or provider-sim
  double rate_per_second = 10;        // _RATE: fleet-wide
  double burst = 10;                  // _BURST
  double local_share = 0.25;          // _LOCAL_SHARE: of the rate, per process, while Redis is away
  int breaker_failures = 5;           // _BREAKER_FAILURES
  std::chrono::milliseconds breaker_open{60000};  // _BREAKER_OPEN
  int breaker_successes = 2;          // _BREAKER_SUCCESSES
  std::chrono::milliseconds slow_call{0};         // _SLOW_CALL: slower calls count as failures
  std::chrono::milliseconds connect_timeout{3000};  // _CONNECT_TIMEOUT
  std::chrono::milliseconds total_timeout{10000};   // _TIMEOUT
  int max_concurrency = 64;           // _MAX_CONCURRENCY: bulkhead
  int max_attempts = 3;               // _MAX_ATTEMPTS: tries in-process before the delay queues
  std::string remaining_header{};     // adaptive rate header (Discogs)
  std::string user_agent = "tunefleet/0.1 (+https://example.invalid/tunefleet)";  // _USER_AGENT
};

struct ProviderSettings {
  ProviderPolicy policy;
  gateway::GatewaySettings gateway;
};

// Reads TUNEFLEET_<NAME>_* over `defaults`; throws config::ConfigError naming the variable.
ProviderSettings LoadProviderSettings(const config::Env& env, const std::string& name, const ProviderPolicy& defaults);

// "spotify" -> "TUNEFLEET_SPOTIFY_".
std::string ProviderEnvPrefix(const std::string& name);

}  // namespace runtime
