#include "workers/musicbrainz/musicbrainz_spec.hpp"

namespace musicbrainz {

using namespace std::chrono_literals;

runtime::ProviderSpec Spec() {
  runtime::ProviderSpec spec;
  spec.name = "musicbrainz";
  // DESIGN.md's policy table: 1 req/s fleet-wide (MusicBrainz's rule), burst 1, breaker
  // 3 failures / 30 s / 2 successes; a real User-Agent on every request.
  spec.policy.base_url = "https://musicbrainz.org";
  spec.policy.rate_per_second = 1;
  spec.policy.burst = 1;
  spec.policy.breaker_failures = 3;
  spec.policy.breaker_open = 30s;
  spec.policy.breaker_successes = 2;
  spec.policy.user_agent = "tunefleet/0.1 ( contact: set TUNEFLEET_MUSICBRAINZ_USER_AGENT )";
  spec.cache_ttls = {
      {"LOOKUP_TTL", 30 * 24h},  // ISRC and id lookups
      {"SEARCH_TTL", 7 * 24h},   // searches
  };
  spec.merge_rank = 2;  // of 1 spotify, 2 musicbrainz, 3 discogs, 4 lastfm
  return spec;
}

}  // namespace musicbrainz
