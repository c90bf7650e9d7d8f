#pragma once

#include <string>
#include <string_view>

// The gateway's key layout in Redis, in one place: the gateway writes these keys and
// `tunefleet cache` reads and removes them (docs/GATEWAY.md, docs/OPERATIONS.md). Other
// processes may share the Redis database (the fleet rate limit's keys live beside the cache),
// so whatever removes cache entries must stay under kCacheKeyPrefix + "<provider>:".
namespace gateway {

// tunefleet:cache:<provider>:<cache key>; a provider's cache keys start with the endpoint's
// name and a colon ("track:<id>", "search:track:<artist>:<title>").
inline constexpr std::string_view kCacheKeyPrefix = "tunefleet:cache:";
// tunefleet:ratelimit:<limit key>: the fleet rate limit's GCRA state (FleetRateLimiter).
inline constexpr std::string_view kRateLimitKeyPrefix = "tunefleet:ratelimit:";

inline std::string CacheRedisKey(std::string_view provider, std::string_view cache_key) {
  std::string key(kCacheKeyPrefix);
  key.append(provider).append(":").append(cache_key);
  return key;
}

inline std::string RateLimitRedisKey(std::string_view limit_key) {
  return std::string(kRateLimitKeyPrefix).append(limit_key);
}

}  // namespace gateway
