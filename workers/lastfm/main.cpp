#include "common/runtime/run_worker.hpp"
#include "workers/fleet/fleet.hpp"
#include "workers/lastfm/lastfm_provider.hpp"
#include "workers/lastfm/lastfm_spec.hpp"

int main(int argc, char* argv[]) {
  runtime::WorkerSpec worker;
  worker.provider = lastfm::Spec();
  worker.make = [](runtime::ProviderContext& context) -> std::unique_ptr<runtime::Provider> {
    return std::make_unique<lastfm::LastfmProvider>(*context.gateway,
                                                    lastfm::LoadLastfmSettings(context.env, context.settings));
  };
  worker.normalize = lastfm::NormalizeAnswer;
  return runtime::RunWorker(argc, argv, worker, fleet::Providers());
}
