#include "common/runtime/run_worker.hpp"
#include "workers/fleet/fleet.hpp"
#include "workers/noop/noop_provider.hpp"
#include "workers/noop/noop_spec.hpp"

int main(int argc, char* argv[]) {
  runtime::WorkerSpec worker;
  worker.provider = noop::Spec();
  worker.make = [](runtime::ProviderContext&) { return std::make_unique<noop::NoopProvider>(); };
  return runtime::RunWorker(argc, argv, worker, fleet::Providers());
}
