#include "common/runtime/run_worker.hpp"
#include "workers/noop/noop_provider.hpp"

int main(int argc, char* argv[]) {
  runtime::ProviderSpec spec;
  spec.name = "noop";
  spec.policy.uses_network = false;
  spec.make = [](runtime::ProviderContext&) { return std::make_unique<noop::NoopProvider>(); };
  return runtime::RunWorker(argc, argv, spec);
}
