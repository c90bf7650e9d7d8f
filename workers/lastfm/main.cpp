#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/runtime/run_worker.hpp"
#include "workers/lastfm/lastfm_provider.hpp"

namespace {

// `tunefleet-lastfm normalize FILE`: the record a saved Last.fm answer yields, as JSON.
int NormalizeFile(int argc, char* argv[]) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: tunefleet-lastfm normalize FILE\n");
    return 2;
  }
  std::ifstream in(argv[0], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "tunefleet-lastfm normalize: cannot read %s\n", argv[0]);
    return 1;
  }
  std::stringstream body;
  body << in.rdbuf();
  auto normalized = lastfm::Normalize(body.str(), normalize::Vocabulary::Default());
  if (!normalized) {
    std::fprintf(stderr, "tunefleet-lastfm normalize: %s: %s\n", argv[0], normalized.error().message.c_str());
    return 1;
  }
  std::fputs(lastfm::NormalizedJson(*normalized).c_str(), stdout);
  return 0;
}

}  // namespace

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
  spec.normalize = NormalizeFile;
  return runtime::RunWorker(argc, argv, spec);
}
