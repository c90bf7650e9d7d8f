#include "workers/discogs/discogs_spec.hpp"

namespace discogs {

using namespace std::chrono_literals;

runtime::ProviderSpec Spec() {
  runtime::ProviderSpec spec;
  spec.name = "discogs";
  // DESIGN.md's Discogs row: 60 requests a minute (1/s), burst 5, breaker 5 / 60 s / 2, and
  // the adaptive rate on X-Discogs-Ratelimit-Remaining.
  spec.policy.base_url = "https://api.discogs.com";
  spec.policy.rate_per_second = 1.0;  // 60 a minute for authenticated clients
  spec.policy.burst = 5;
  spec.policy.breaker_failures = 5;
  spec.policy.breaker_open = 60s;
  spec.policy.breaker_successes = 2;
  spec.policy.remaining_header = "x-discogs-ratelimit-remaining";
  // Discogs asks every client for a User-Agent that identifies it.
  spec.policy.user_agent = "tunefleet-discogs/0.1 +https://example.invalid/tunefleet";
  spec.cache_ttls = {
      {"RELEASE_CACHE_TTL", 30 * 24h},  // /releases/{id}, /masters/{id}
      {"SEARCH_CACHE_TTL", 7 * 24h},    // /database/search (each page)
      {"ARTIST_CACHE_TTL", 30 * 24h},   // /artists/{id}: one lookup per artist per 30 days, fleet-wide
      {"NOT_FOUND_TTL", 24h},           // 404s
  };
  spec.merge_rank = 3;  // of 1 spotify, 2 musicbrainz, 3 discogs, 4 lastfm
  return spec;
}

}  // namespace discogs
