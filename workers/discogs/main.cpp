#include "common/runtime/run_worker.hpp"
#include "workers/discogs/discogs_parse.hpp"
#include "workers/discogs/discogs_provider.hpp"

int main(int argc, char* argv[]) {
  runtime::ProviderSpec spec;
  spec.name = "discogs";
  spec.policy = discogs::DefaultPolicy();
  spec.make = [](runtime::ProviderContext& context) {
    return std::make_unique<discogs::DiscogsProvider>(*context.gateway,
                                                      discogs::LoadDiscogsSettings(context.env, context.settings.policy));
  };
  spec.normalize = discogs::NormalizeSaved;
  return runtime::RunWorker(argc, argv, spec);
}
