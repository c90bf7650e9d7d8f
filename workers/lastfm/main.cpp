#include "common/runtime/run_worker.hpp"
#include "workers/lastfm/lastfm_provider.hpp"

int main(int argc, char* argv[]) {
  runtime::ProviderSpec spec;
  spec.name = "lastfm";
  // DESIGN.md's policy table: 5 req/s, burst 5, breaker 5 failures / 60 s / 2 successes.
  spec.policy.base_url = "https://ws.audioscrobbler.com";
  spec.policy.rate_per_second = 5;
  spec.policy.burst = 5;
  spec.policy.breaker_failures = 5;
  spec.policy.breaker_open = std::chrono::seconds(60);
  spec.policy.breaker_successes = 2;
  spec.make = [](runtime::ProviderContext& context) -> std::unique_ptr<runtime::Provider> {
    return std::make_unique<lastfm::LastfmProvider>(*context.gateway,
                                                    lastfm::LoadLastfmSettings(context.env, context.settings));
  };
  spec.normalize = lastfm::NormalizeAnswer;
  return runtime::RunWorker(argc, argv, spec);
}
