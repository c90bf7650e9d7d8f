#include "workers/cyanite/cyanite_spec.hpp"

namespace cyanite {

using namespace std::chrono_literals;

runtime::ProviderSpec Spec() {
  runtime::ProviderSpec spec;
  spec.name = "cyanite";
  // Cyanite publishes no request rate for its GraphQL API (only an analysis quota per period
  // and an enqueue rate limit answered as rateLimitExceeded): 2 req/s, burst 2, is polite.
  spec.policy.base_url = "https://api.cyanite.ai";
  spec.policy.rate_per_second = 2;
  spec.policy.burst = 2;
  spec.policy.breaker_failures = 5;
  spec.policy.breaker_open = 60s;
  spec.policy.breaker_successes = 2;
  // No response cache: an analysis changes state (NotStarted -> Enqueued -> Processing ->
  // Finished) between two deliveries of the same job; the track's provider row is the cache.
  spec.cache_ttls = {};
  // Last of the ranked providers: its audio_features fill the merged row only where no
  // provider before it (Spotify) has any (docs/providers/CYANITE.md, "Precedence").
  spec.merge_rank = 5;  // of 1 spotify, 2 musicbrainz, 3 discogs, 4 lastfm, 5 cyanite
  // Only the jobs published to it by name until the demo and the "all" tests count six providers.
  spec.in_all = false;
  return spec;
}

}  // namespace cyanite
