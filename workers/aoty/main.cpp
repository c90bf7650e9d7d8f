#include "common/runtime/run_worker.hpp"
#include "workers/aoty/aoty_provider.hpp"
#include "workers/aoty/aoty_spec.hpp"
#include "workers/fleet/fleet.hpp"

int main(int argc, char* argv[]) {
  runtime::WorkerSpec worker;
  worker.provider = aoty::Spec();
  worker.make = [](runtime::ProviderContext& context) -> std::unique_ptr<runtime::Provider> {
    return std::make_unique<aoty::AotyProvider>(*context.gateway, aoty::LoadAotySettings(context.settings));
  };
  worker.normalize = aoty::NormalizeAnswer;
  return runtime::RunWorker(argc, argv, worker, fleet::Providers());
}
