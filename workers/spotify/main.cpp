#include "common/runtime/run_worker.hpp"
#include "workers/spotify/spotify_parse.hpp"
#include "workers/spotify/spotify_provider.hpp"

int main(int argc, char* argv[]) {
  static const resilience::SteadyClock clock;
  runtime::ProviderSpec spec;
  spec.name = "spotify";
  // DESIGN.md's policy table: 10 req/s, burst 10, breaker 5 failures / 60 s / 2 successes.
  spec.policy.base_url = "https://api.spotify.com";
  spec.policy.rate_per_second = 10;
  spec.policy.burst = 10;
  spec.policy.breaker_failures = 5;
  spec.policy.breaker_open = std::chrono::seconds{60};
  spec.policy.breaker_successes = 2;
  spec.make = [](runtime::ProviderContext& context) {
    return std::make_unique<spotify::SpotifyProvider>(spotify::LoadSpotifySettings(context.env, context.settings),
                                                      context, clock);
  };
  spec.normalize = spotify::NormalizeResponse;
  return runtime::RunWorker(argc, argv, spec);
}
