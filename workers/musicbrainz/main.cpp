#include "common/runtime/run_worker.hpp"
#include "workers/musicbrainz/musicbrainz_provider.hpp"

int main(int argc, char* argv[]) {
  runtime::ProviderSpec spec;
  spec.name = "musicbrainz";
  // DESIGN.md's policy table: 1 req/s fleet-wide (MusicBrainz's rule), burst 1, breaker
  // 3 failures / 30 s / 2 successes; a real User-Agent on every request.
  spec.policy.base_url = "https://musicbrainz.org";
  spec.policy.rate_per_second = 1;
  spec.policy.burst = 1;
  spec.policy.breaker_failures = 3;
  spec.policy.breaker_open = std::chrono::seconds(30);
  spec.policy.breaker_successes = 2;
  spec.policy.user_agent = musicbrainz::kDefaultUserAgent;
  spec.make = [](runtime::ProviderContext& context) -> std::unique_ptr<runtime::Provider> {
    return std::make_unique<musicbrainz::MusicBrainzProvider>(
        *context.gateway, musicbrainz::LoadMusicBrainzSettings(context.env, context.settings));
  };
  spec.normalize = musicbrainz::NormalizeAnswer;
  return runtime::RunWorker(argc, argv, spec);
}
