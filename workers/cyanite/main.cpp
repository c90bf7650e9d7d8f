#include "common/runtime/run_worker.hpp"
#include "workers/cyanite/cyanite_provider.hpp"
#include "workers/cyanite/cyanite_spec.hpp"
#include "workers/fleet/fleet.hpp"

int main(int argc, char* argv[]) {
  runtime::WorkerSpec worker;
  worker.provider = cyanite::Spec();
  worker.make = [](runtime::ProviderContext& context) -> std::unique_ptr<runtime::Provider> {
    return std::make_unique<cyanite::CyaniteProvider>(*context.gateway,
                                                      cyanite::LoadCyaniteSettings(context.env, context.settings));
  };
  worker.normalize = cyanite::NormalizeAnswer;
  return runtime::RunWorker(argc, argv, worker, fleet::Providers());
}
