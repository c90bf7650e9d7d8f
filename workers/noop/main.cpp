#include "common/runtime/run_worker.hpp"
#include "workers/noop/noop_provider.hpp"

int main(int argc, char* argv[]) {
  return runtime::RunWorker(argc, argv, [](const config::Env&) { return std::make_unique<noop::NoopProvider>(); });
}
