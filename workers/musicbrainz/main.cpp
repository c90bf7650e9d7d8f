#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/runtime/run_worker.hpp"
#include "workers/musicbrainz/musicbrainz_provider.hpp"

namespace {

// `tunefleet-musicbrainz normalize FILE`: the record a saved MusicBrainz answer yields, as JSON.
int NormalizeFile(int argc, char* argv[]) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: tunefleet-musicbrainz normalize FILE\n");
    return 2;
  }
  std::ifstream in(argv[0], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "tunefleet-musicbrainz normalize: cannot read %s\n", argv[0]);
    return 1;
  }
  std::stringstream body;
  body << in.rdbuf();
  auto normalized = musicbrainz::Normalize(body.str(), normalize::Vocabulary::Default());
  if (!normalized) {
    std::fprintf(stderr, "tunefleet-musicbrainz normalize: %s: %s\n", argv[0], normalized.error().message.c_str());
    return 1;
  }
  std::fputs(musicbrainz::NormalizedJson(*normalized).c_str(), stdout);
  return 0;
}

}  // namespace

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
  spec.normalize = NormalizeFile;
  return runtime::RunWorker(argc, argv, spec);
}
