#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/config/env.hpp"
#include "common/runtime/normalize_command.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/provider_settings.hpp"
#include "common/runtime/provider_spec.hpp"

namespace gateway {
class Gateway;
class MicroBatcher;
}
namespace metrics {
class GatewayMetrics;
}

namespace runtime {

// What a provider gets when the worker builds it. Everything is owned by RunWorker and
// outlives the provider. `gateway` is null for providers that do not use the network.
struct ProviderContext {
  const config::Env& env;
  const ProviderSettings& settings;
  gateway::Gateway* gateway;
  metrics::GatewayMetrics* metrics;
  // Makes a micro-batcher on the worker's loop (for multi-id endpoints); owned by the caller,
  // destroyed before RunWorker returns (i.e. by the provider's destructor).
  std::function<std::unique_ptr<gateway::MicroBatcher>(std::size_t max_ids, std::chrono::milliseconds window,
                                                       std::function<void(const std::vector<std::string>&,
                                                                          std::function<void(core::Result<std::map<std::string, std::string>>)>)>)>
      make_batcher;
  // TUNEFLEET_ALBUM_TRACKS (WorkerSettings::album_tracks): when false the runtime links and
  // publishes no tracklist, so a provider skips the requests that would only fetch one.
  bool album_tracks = true;
};

// A provider binary: its spec (declared as data in workers/<name>/<name>_spec.cpp), how to
// build it, and optionally how to normalize a saved response (`tunefleet-<name> normalize FILE`).
struct WorkerSpec {
  ProviderSpec provider;
  std::function<std::unique_ptr<Provider>(ProviderContext& context)> make;
  // A saved answer's body -> what it normalizes to; NormalizeCommand does the rest. Optional.
  NormalizeBody normalize;
};

// The whole life of a worker process: read and validate configuration (a bad setting exits
// 2 with one line naming the variable), serve /metrics /healthz /readyz, run the loop until
// SIGTERM/SIGINT and drain; a second signal exits at once. `fleet` is every provider's spec
// (workers/fleet): the topology to declare and the catalog's merge priority. Returns the exit code.
int RunWorker(int argc, char* argv[], const WorkerSpec& worker, const std::vector<ProviderSpec>& fleet);

}  // namespace runtime
