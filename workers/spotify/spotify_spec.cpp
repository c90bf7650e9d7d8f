#include "workers/spotify/spotify_spec.hpp"

namespace spotify {

using namespace std::chrono_literals;

runtime::ProviderSpec Spec() {
  runtime::ProviderSpec spec;
  spec.name = "spotify";
  // DESIGN.md's policy table: 10 req/s, burst 10, breaker 5 failures / 60 s / 2 successes.
  spec.policy.base_url = "https://api.spotify.com";
  spec.policy.rate_per_second = 10;
  spec.policy.burst = 10;
  spec.policy.breaker_failures = 5;
  spec.policy.breaker_open = 60s;
  spec.policy.breaker_successes = 2;
  spec.cache_ttls = {
      {"TRACK_TTL", 30 * 24h},  // /v1/tracks/{id}
      {"ALBUM_TTL", 30 * 24h},  // /v1/albums/{id}
      {"SEARCH_TTL", 7 * 24h},  // /v1/search (hits and misses)
  };
  spec.merge_rank = 1;  // of 1 spotify, 2 musicbrainz, 3 discogs, 4 lastfm
  return spec;
}

}  // namespace spotify
