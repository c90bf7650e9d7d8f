#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/env.hpp"
#include "common/core/result.hpp"
#include "common/resilience/clock.hpp"
#include "common/runtime/provider_spec.hpp"

namespace runtime {

// What one rebuild did, for logs and metrics.
struct RebuildStats {
  std::size_t rebuilt = 0;  // tracks whose derived rows were recomputed and written
  std::size_t missing = 0;  // ids with no tracks row (deleted since the follow-up): nothing to do
};

// A builder plug-in: keeps a table derived from `tracks` (track_similar, track_features) up
// to date. The runtime (Consumer + BuilderPipeline) owns everything else: it consumes follow-ups from
// tunefleet.<Name()>, coalesces repeated track ids over a window, calls Rebuild with each
// distinct id once, acks the follow-ups after Rebuild returned, retries transient failures
// with backoff while holding the messages, and dead-letters invalid messages.
//
// Every method except Name runs on the runtime's single database thread, never two at
// once, so a builder may keep its connection and caches in plain members. A builder opens
// its connection lazily and reopens it after a failure.
class Builder {
 public:
  virtual ~Builder() = default;
  // "recommend": queue suffix (tunefleet.recommend), metric label, config prefix.
  virtual std::string_view Name() const = 0;
  // Recomputes the derived rows of every id, committed before returning (one or more
  // transactions; idempotent: the same ids twice give the same rows). Errors: kTransient
  // (database unavailable: the runtime retries the same ids later), kInvalidInput (the
  // follow-ups are dead-lettered with this message).
  virtual core::Result<RebuildStats> Rebuild(const std::vector<std::int64_t>& track_ids) = 0;
  // Background work done in small steps when no rebuild is waiting (features: rows of an
  // older vocabulary version). Returns true when it did something and wants to be called
  // again soon, false when idle (called again after a second).
  virtual core::Result<bool> Background() { return false; }
  virtual core::Result<void> Ping() = 0;
};

// What a builder gets when the runtime builds it.
struct BuilderContext {
  const config::Env& env;
  std::string postgres_dsn;
  const resilience::Clock& clock;  // for caches and refresh intervals; lives as long as the process
};

// A builder binary: its name and how to build it (may throw config::ConfigError for a bad
// TUNEFLEET_<NAME>_* setting: the process then exits 2 naming the variable).
struct BuilderSpec {
  std::string name;
  std::function<std::unique_ptr<Builder>(const BuilderContext& context)> make;
};

// The whole life of a builder process, like RunWorker: configuration, /metrics /healthz
// /readyz, the loop until SIGTERM/SIGINT, drain. `fleet`: every provider's spec (workers/fleet),
// for the topology it declares. Returns the exit code.
int RunBuilder(int argc, char* argv[], const BuilderSpec& spec, const std::vector<ProviderSpec>& fleet);

}  // namespace runtime
