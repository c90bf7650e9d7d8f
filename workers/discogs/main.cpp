#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/runtime/run_worker.hpp"
#include "workers/discogs/discogs_parse.hpp"
#include "workers/discogs/discogs_provider.hpp"

namespace {

// `tunefleet-discogs normalize FILE`: the record a saved Discogs body yields, as JSON.
int Normalize(int argc, char* argv[]) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: tunefleet-discogs normalize FILE  (a saved search, release, master or error body)\n");
    return 2;
  }
  std::ifstream in(argv[0], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "tunefleet-discogs normalize: cannot read %s\n", argv[0]);
    return 1;
  }
  std::stringstream body;
  body << in.rdbuf();
  auto normalized = discogs::NormalizeSaved(body.str());
  if (!normalized) {
    std::fprintf(stderr, "tunefleet-discogs normalize: %s: %s\n", argv[0], normalized.error().message.c_str());
    return 1;
  }
  std::fputs(normalized->c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  runtime::ProviderSpec spec;
  spec.name = "discogs";
  spec.policy = discogs::DefaultPolicy();
  spec.make = [](runtime::ProviderContext& context) {
    return std::make_unique<discogs::DiscogsProvider>(*context.gateway,
                                                      discogs::LoadDiscogsSettings(context.env, context.settings.policy));
  };
  spec.normalize = Normalize;
  return runtime::RunWorker(argc, argv, spec);
}
