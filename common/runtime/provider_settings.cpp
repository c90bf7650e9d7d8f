#include "common/runtime/provider_settings.hpp"

#include <algorithm>
#include <cctype>

namespace runtime {

std::string ProviderEnvPrefix(const std::string& name) {
  std::string prefix = "TUNEFLEET_";
  for (char c : name) prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return prefix + "_";
}

ProviderSettings LoadProviderSettings(const config::Env& env, const ProviderSpec& spec) {
  using namespace std::chrono_literals;
  const std::string& name = spec.name;
  const ProviderPolicy& defaults = spec.policy;
  const std::string p = ProviderEnvPrefix(name);
  ProviderSettings s;
  ProviderPolicy& policy = s.policy;
  policy = defaults;
  if (policy.uses_network) {
    policy.base_url = env.Url(p + "BASE_URL", defaults.base_url, {"http", "https"});
  }
  policy.rate_per_second = env.Double(p + "RATE", defaults.rate_per_second, 0.01, 100000);
  policy.burst = env.Double(p + "BURST", defaults.burst, 1, 100000);
  policy.local_share = env.Double(p + "LOCAL_SHARE", defaults.local_share, 0.01, 1);
  policy.burst_headroom = env.Duration(p + "BURST_HEADROOM", defaults.burst_headroom, 0ms);
  policy.breaker_failures = static_cast<int>(env.Int(p + "BREAKER_FAILURES", defaults.breaker_failures, 1, 1000));
  policy.breaker_open = env.Duration(p + "BREAKER_OPEN", defaults.breaker_open, 100ms);
  policy.breaker_successes = static_cast<int>(env.Int(p + "BREAKER_SUCCESSES", defaults.breaker_successes, 1, 1000));
  policy.slow_call = env.Duration(p + "SLOW_CALL", defaults.slow_call);
  policy.connect_timeout = env.Duration(p + "CONNECT_TIMEOUT", defaults.connect_timeout, 10ms);
  policy.total_timeout = env.Duration(p + "TIMEOUT", defaults.total_timeout, 10ms);
  // 4 KiB: below that not even an error page fits; 1 GiB: beyond it no answer is worth the memory.
  policy.max_response_bytes = env.Int(p + "MAX_RESPONSE_BYTES", defaults.max_response_bytes, 4096, 1LL << 30);
  policy.max_concurrency = static_cast<int>(env.Int(p + "MAX_CONCURRENCY", defaults.max_concurrency, 1, 100000));
  policy.max_attempts = static_cast<int>(env.Int(p + "MAX_ATTEMPTS", defaults.max_attempts, 1, 20));
  policy.user_agent = env.String(p + "USER_AGENT", defaults.user_agent);
  if (policy.connect_timeout > policy.total_timeout) {
    throw config::ConfigError(p + "CONNECT_TIMEOUT is longer than " + p + "TIMEOUT; the total must include the connect");
  }
  auto default_deadline = defaults.call_deadline.count() > 0 ? defaults.call_deadline : 3 * policy.total_timeout;
  policy.call_deadline = env.Duration(p + "CALL_DEADLINE", default_deadline, 10ms);
  if (policy.call_deadline < policy.total_timeout) {
    throw config::ConfigError(p + "CALL_DEADLINE is shorter than " + p +
                              "TIMEOUT; the deadline of a call must leave room for one whole attempt");
  }

  gateway::GatewaySettings& g = s.gateway;
  g.provider = name;
  g.rate_limit = {.key = name,
                  .rate_per_second = policy.rate_per_second,
                  .burst = policy.burst,
                  .local_share = policy.local_share,
                  .burst_headroom = policy.burst_headroom};
  g.breaker = {.failure_threshold = policy.breaker_failures,
               .open_duration = policy.breaker_open,
               .successes_to_close = policy.breaker_successes,
               .half_open_max_calls = 1,
               .slow_call = policy.slow_call};
  g.max_concurrency = policy.max_concurrency;
  g.max_attempts = policy.max_attempts;
  g.call_deadline = policy.call_deadline;
  g.attempt_timeout = policy.total_timeout;
  g.remaining_header = policy.remaining_header;

  for (const auto& [variable, ttl] : spec.cache_ttls) {
    s.cache_ttls[variable] = std::chrono::duration_cast<std::chrono::seconds>(
        env.Duration(p + variable, std::chrono::duration_cast<std::chrono::milliseconds>(ttl), 1s));
  }
  return s;
}

}  // namespace runtime
