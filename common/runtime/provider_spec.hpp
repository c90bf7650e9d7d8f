#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/config/settings.hpp"

// What a provider declares about itself, as data. Each provider folder fills one spec
// (workers/<name>/<name>_spec.cpp) and workers/fleet gathers them: common/ reads specs and
// never names a provider.
namespace runtime {

// A provider's default policy (DESIGN.md's table), every field overridable by environment
// variables prefixed TUNEFLEET_<NAME>_ (e.g. TUNEFLEET_SPOTIFY_RATE, TUNEFLEET_SPOTIFY_BASE_URL).
struct ProviderPolicy {
  bool uses_network = true;           // false: no HTTP client, Redis or gateway (noop)
  std::string base_url{};             // _BASE_URL: the real API, or provider-sim
  double rate_per_second = 10;        // _RATE: fleet-wide
  double burst = 10;                  // _BURST
  // _BURST_HEADROOM: the part of the burst the fleet leaves to the provider (rate x this), so
  // requests granted at pace that reach it closer together (a stalled loop, a slow connect)
  // still fit its bucket (gateway::FleetRateLimitSettings::burst_headroom).
  std::chrono::milliseconds burst_headroom{100};
  double local_share = 0.25;          // _LOCAL_SHARE: of the rate, per process, while Redis is away
  int breaker_failures = 5;           // _BREAKER_FAILURES
  std::chrono::milliseconds breaker_open{60000};  // _BREAKER_OPEN
  int breaker_successes = 2;          // _BREAKER_SUCCESSES
  std::chrono::milliseconds slow_call{0};         // _SLOW_CALL: slower calls count as failures
  std::chrono::milliseconds connect_timeout{3000};  // _CONNECT_TIMEOUT
  std::chrono::milliseconds total_timeout{10000};   // _TIMEOUT: one HTTP call, however slow its body
  std::int64_t max_response_bytes = 8 << 20;        // _MAX_RESPONSE_BYTES: larger answers are refused
  // _CALL_DEADLINE: one gateway call, all its attempts and waits; 0 here: 3 × total_timeout.
  std::chrono::milliseconds call_deadline{0};
  int max_concurrency = 64;           // _MAX_CONCURRENCY: bulkhead
  int max_attempts = 3;               // _MAX_ATTEMPTS: tries in-process before the delay queues
  std::string remaining_header{};     // adaptive rate header (Discogs)
  std::string user_agent = "tunefleet/0.1 (+https://example.invalid/tunefleet)";  // _USER_AGENT
};


struct ProviderSpec {
  std::string name;  // queue suffix, metric label, TUNEFLEET_<NAME>_ prefix
  // Addressed by "all" (`--providers all`, routing keys track.all and album.all). False for
  // a provider kept for tests and benchmarks: it gets only the jobs published to it by name.
  bool in_all = true;
  ProviderPolicy policy;  // the default policy; TUNEFLEET_<NAME>_* override it
  // Default response-cache TTLs, each under the suffix of the variable that overrides it
  // (TUNEFLEET_<NAME>_<suffix>, at least 1 s); the provider reads them back by that suffix
  // from ProviderSettings::CacheTtl.
  std::map<std::string, std::chrono::seconds> cache_ttls;
  // Its place in the catalog merge: where providers' values of a field (duration, release
  // date, ids...) disagree, the lowest rank wins. None: after every ranked provider.
  std::optional<int> merge_rank;
};

// The fleet's provider names: every provider's (its queue is declared by every binary), and
// the ones "all" stands for, in fleet order.
config::ProviderNames FleetNames(const std::vector<ProviderSpec>& fleet);

// The ranked providers' names, lowest rank first: db::CatalogWriter's merge priority.
std::vector<std::string> MergePriority(const std::vector<ProviderSpec>& fleet);

}  // namespace runtime
