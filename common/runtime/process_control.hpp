#pragma once

#include <optional>
#include <string>

#include "common/control/control_channel.hpp"
#include "common/logging/logger.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace gateway {
class Gateway;
}
namespace metrics {
class GatewayMetrics;
}

namespace runtime {

class Consumer;

// What `tunefleet control` can change in a worker or builder: pause and resume (the
// consumer's operator hold: no new deliveries, those in flight finish and are acked), the
// circuit breaker and the fleet-wide rate (providers with a gateway only), the log level.
// A rate or log-level override lasts its duration, then the configured value is back.
// Loop thread only.
class ProcessControl final : public control::Target {
 public:
  // `gateway` and `gateway_metrics` are null for builders and providers without network.
  ProcessControl(uv_loop_s& loop, Consumer& consumer, gateway::Gateway* gateway,
                 metrics::GatewayMetrics* gateway_metrics, logging::Level configured_level);
  ~ProcessControl() override;
  ProcessControl(const ProcessControl&) = delete;
  ProcessControl& operator=(const ProcessControl&) = delete;

  control::Status Describe() const override;
  core::Result<std::string> Apply(const control::Command& command) override;
  // Closes the override timers (an override in force stays until the process ends).
  void Close();

 private:
  core::Result<std::string> ApplyToGateway(const control::Command& command);

  Consumer& consumer_;
  gateway::Gateway* gateway_;
  metrics::GatewayMetrics* gateway_metrics_;
  logging::Level configured_level_;
  uv::Timer rate_timer_;
  uv::Timer log_level_timer_;
};

// The identity a worker or builder announces: kind "provider" or "builder", the host name,
// the process id and tunefleet's version.
control::Identity ThisProcess(const std::string& kind, const std::string& name);

}  // namespace runtime
