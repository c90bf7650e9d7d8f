#include "workers/aoty/aoty_spec.hpp"

namespace aoty {

using namespace std::chrono_literals;

runtime::ProviderSpec Spec() {
  runtime::ProviderSpec spec;
  spec.name = "aoty";
  // A public web site, not an API: polite by default. One request per 2 s for the whole fleet
  // (the limiter is fleet-wide through Redis), no burst, a User-Agent that names us and says
  // where to complain, and every page cached for 7 days.
  spec.policy.base_url = "https://www.albumoftheyear.org";
  spec.policy.rate_per_second = 0.5;
  spec.policy.burst = 1;
  spec.policy.max_concurrency = 2;
  spec.policy.breaker_failures = 5;
  spec.policy.breaker_open = 120s;
  spec.policy.breaker_successes = 2;
  spec.policy.user_agent = "tunefleet-aoty/0.1 (album scores for a music catalog; 1 request per 2 s; +https://example.invalid/tunefleet)";
  spec.cache_ttls = {{"PAGE_TTL", 7 * 24h}};  // search and album pages
  spec.merge_rank = 6;  // after 1 spotify, 2 musicbrainz, 3 discogs, 4 lastfm (5: cyanite); only aoty sets aoty_*
  return spec;
}

}  // namespace aoty
