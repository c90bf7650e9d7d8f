#include "common/runtime/process_control.hpp"

#include <unistd.h>

#include <cstdio>

#include "common/gateway/gateway.hpp"
#include "common/metrics/gateway_metrics.hpp"
#include "common/runtime/consumer.hpp"

namespace runtime {
namespace {

std::string Seconds(std::chrono::milliseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f s", std::chrono::duration<double>(duration).count());
  return text;
}

std::string Rate(double rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%g/s", rate);
  return text;
}

}  // namespace

ProcessControl::ProcessControl(uv_loop_s& loop, Consumer& consumer, gateway::Gateway* gateway,
                               metrics::GatewayMetrics* gateway_metrics, logging::Level configured_level)
    : consumer_(consumer),
      gateway_(gateway),
      gateway_metrics_(gateway_metrics),
      configured_level_(configured_level),
      rate_timer_(loop),
      log_level_timer_(loop) {}

ProcessControl::~ProcessControl() { Close(); }

void ProcessControl::Close() {
  rate_timer_.Close();
  log_level_timer_.Close();
}

control::Status ProcessControl::Describe() const {
  control::Status status;
  status.in_flight = static_cast<std::int64_t>(consumer_.ledger().size());
  status.paused = consumer_.held(Consumer::Hold::kOperator);
  status.log_level = std::string(logging::LevelName(logging::MinLevel()));
  if (gateway_ != nullptr) {
    status.breaker = std::string(resilience::ToString(gateway_->breaker_state()));
    status.breaker_held_open = gateway_->breaker_held_open();
    status.rate_per_second = gateway_->rate_in_force();
    status.configured_rate = gateway_->configured_rate();
  }
  if (gateway_metrics_ != nullptr) {
    status.cache_hits = static_cast<std::int64_t>(gateway_metrics_->CacheHits().Value());
    status.cache_misses = static_cast<std::int64_t>(gateway_metrics_->CacheMisses().Value());
  }
  return status;
}

core::Result<std::string> ProcessControl::Apply(const control::Command& command) {
  using control::Action;
  switch (command.action) {
    case Action::kPing: return std::string("pong");
    case Action::kPause:
      if (consumer_.draining()) return core::Error::InvalidInput("the process is shutting down");
      consumer_.HoldDeliveries(Consumer::Hold::kOperator);
      return "paused: no new deliveries; " + std::to_string(consumer_.ledger().size()) + " in flight finish";
    case Action::kResume:
      if (!consumer_.held(Consumer::Hold::kOperator)) return std::string("was not paused");
      consumer_.ReleaseDeliveries(Consumer::Hold::kOperator);
      return std::string(consumer_.held(Consumer::Hold::kDatabase) ? "resumed; still held while the database is down"
                                                                    : "resumed");
    case Action::kLogLevel: {
      logging::SetMinLevel(logging::ParseLevel(command.log_level));
      log_level_timer_.Start(command.duration, [this] {
        logging::SetMinLevel(configured_level_);
        logging::Logger("control").Info("log-level override ended",
                                        {{"level", logging::LevelName(configured_level_)}});
      });
      return "log level " + command.log_level + " for " + Seconds(command.duration) + ", then " +
             std::string(logging::LevelName(configured_level_));
    }
    case Action::kBreakerOpen:
    case Action::kBreakerClose:
    case Action::kBreakerReset:
    case Action::kRate: return ApplyToGateway(command);
  }
  return core::Error::InvalidInput("unknown command");
}

core::Result<std::string> ProcessControl::ApplyToGateway(const control::Command& command) {
  using control::Action;
  if (gateway_ == nullptr) {
    return core::Error::InvalidInput(std::string(control::ToString(command.action)) +
                                     " applies to providers that call an API; this process has no gateway");
  }
  switch (command.action) {
    case Action::kBreakerOpen:
      gateway_->HoldBreakerOpen();
      return std::string("breaker held open until `breaker close` or `breaker reset`");
    case Action::kBreakerClose:
      gateway_->CloseBreaker();
      return std::string("breaker closed");
    case Action::kBreakerReset:
      gateway_->ResetBreaker();
      return std::string("breaker reset: closed, failures and recent health forgotten");
    case Action::kRate:
      gateway_->OverrideRate(command.rate_per_second);
      rate_timer_.Start(command.duration, [this] { gateway_->OverrideRate(std::nullopt); });
      return "rate " + Rate(command.rate_per_second) + " for " + Seconds(command.duration) + ", then " +
             Rate(gateway_->configured_rate());
    default: return core::Error::InvalidInput("not a gateway command");
  }
}

control::Identity ThisProcess(const std::string& kind, const std::string& name) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  return {.kind = kind, .name = name, .host = host, .pid = static_cast<std::int64_t>(::getpid()),
          .version = TUNEFLEET_VERSION};
}

}  // namespace runtime
