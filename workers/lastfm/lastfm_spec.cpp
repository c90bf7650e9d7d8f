#include "workers/lastfm/lastfm_spec.hpp"

namespace lastfm {

using namespace std::chrono_literals;

runtime::ProviderSpec Spec() {
  runtime::ProviderSpec spec;
  spec.name = "lastfm";
  // DESIGN.md's policy table: 5 req/s, burst 5, breaker 5 failures / 60 s / 2 successes.
  spec.policy.base_url = "https://ws.audioscrobbler.com";
  spec.policy.rate_per_second = 5;
  spec.policy.burst = 5;
  spec.policy.breaker_failures = 5;
  spec.policy.breaker_open = 60s;
  spec.policy.breaker_successes = 2;
  spec.cache_ttls = {{"TAGS_TTL", 7 * 24h}};  // every answer
  spec.merge_rank = 4;  // of 1 spotify, 2 musicbrainz, 3 discogs, 4 lastfm
  return spec;
}

}  // namespace lastfm
