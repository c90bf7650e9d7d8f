#pragma once

#include <functional>
#include <memory>

#include "common/config/env.hpp"
#include "common/runtime/provider.hpp"

namespace runtime {

// Builds the provider once configuration is read (a provider's own settings come from `env`).
using ProviderFactory = std::function<std::unique_ptr<Provider>(const config::Env& env)>;

// The whole life of a worker process: read and validate configuration (a bad setting exits
// 2 with one line naming the variable), serve /metrics /healthz /readyz, run the loop until
// SIGTERM/SIGINT and drain; a second signal exits at once. Returns the exit code.
int RunWorker(int argc, char* argv[], const ProviderFactory& factory);

}  // namespace runtime
