#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/config/settings.hpp"
#include "common/logging/logger.hpp"
#include "common/metrics/health.hpp"
#include "common/metrics/http_server.hpp"

struct uv_loop_s;

namespace prometheus {
class Registry;
}

namespace runtime {

class Consumer;

// The life every worker and builder process shares (RunWorker, RunBuilder): the arguments,
// the metrics server, signals, the drain and the loop's end. Loop thread only.
namespace process {

// "--help"/"-h" prints `usage` (exit 0); another argument is refused naming it (exit 2);
// nullopt: run. `what` is "workers" or "builders" for the message.
std::optional<int> CheckArguments(int argc, char* argv[], const std::string& usage, const std::string& what);

// The program's name for messages: argv[0], or `fallback`.
std::string ProgramName(int argc, char* argv[], const std::string& fallback);

// Serves /metrics /healthz /readyz on settings.port (none when 0). A port that cannot be
// bound prints one line naming it and returns false (the process exits 2).
bool StartMetricsServer(const std::string& program, const config::MetricsSettings& settings,
                        prometheus::Registry& registry, const metrics::HealthState& health,
                        std::optional<metrics::HttpServer>& server);

// Runs `consumer` on `loop` until it has drained: SIGTERM or SIGINT starts the drain, a
// second signal exits at once (130; the broker redelivers what was unacked), a fatal broker
// error drains too. `close_rest` then closes whatever else lives on the loop (called once
// or more: it must be idempotent). Returns with every handle closed or closing.
void ServeUntilDrained(uv_loop_s& loop, Consumer& consumer, const std::function<void()>& close_rest);

// Runs the loop until every handle is freed and closes it: 0, or 1 (logged) when handles
// were left open.
int CloseLoop(uv_loop_s& loop, const logging::Logger& logger);

}  // namespace process
}  // namespace runtime
