#pragma once

#include <chrono>
#include <string>

#include <map>

#include "common/config/env.hpp"
#include "common/gateway/gateway.hpp"
#include "common/runtime/provider_spec.hpp"

namespace runtime {

// A provider's spec as configured: its policy and cache TTLs with the environment's overrides.
struct ProviderSettings {
  ProviderPolicy policy;
  gateway::GatewaySettings gateway;
  std::map<std::string, std::chrono::seconds> cache_ttls;  // by variable suffix, as in ProviderSpec

  // The TTL the spec declares under `variable` ("SEARCH_TTL"); std::out_of_range when it
  // declares none (a bug in the provider folder, caught by its spec test).
  std::chrono::seconds CacheTtl(const std::string& variable) const { return cache_ttls.at(variable); }
};

// Reads TUNEFLEET_<NAME>_* over the spec's defaults (policy and cache TTLs); throws
// config::ConfigError naming the variable.
ProviderSettings LoadProviderSettings(const config::Env& env, const ProviderSpec& spec);

// "spotify" -> "TUNEFLEET_SPOTIFY_".
std::string ProviderEnvPrefix(const std::string& name);

}  // namespace runtime
