#include "common/runtime/run_worker.hpp"
#include "workers/discogs/discogs_parse.hpp"
#include "workers/discogs/discogs_provider.hpp"
#include "workers/discogs/discogs_spec.hpp"
#include "workers/fleet/fleet.hpp"

int main(int argc, char* argv[]) {
  runtime::WorkerSpec worker;
  worker.provider = discogs::Spec();
  worker.make = [](runtime::ProviderContext& context) {
    return std::make_unique<discogs::DiscogsProvider>(*context.gateway,
                                                      discogs::LoadDiscogsSettings(context.env, context.settings));
  };
  worker.normalize = discogs::NormalizeSaved;
  return runtime::RunWorker(argc, argv, worker, fleet::Providers());
}
