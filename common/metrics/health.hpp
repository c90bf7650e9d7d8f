#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace metrics {

// Liveness and readiness of one process, as served on /healthz and /readyz. Thread safe:
// the event loop updates it, the HTTP server thread reads it.
class HealthState {
 public:
  // One dependency or provider: "rabbitmq", "postgres", "spotify"...
  struct Service {
    bool healthy = false;
    // Extra JSON members, value already rendered as JSON: {"circuit_breaker_state", "\"closed\""}.
    std::vector<std::pair<std::string, std::string>> details;
  };

  void Set(const std::string& name, Service service);
  void SetHealthy(const std::string& name, bool healthy);
  // Ready when every registered service is healthy (and at least one is registered).
  bool Ready() const;
  // {"status":"healthy"|"unhealthy","services":{"name":{"status":...,...}}}
  std::string RenderJson() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Service> services_;
};

}  // namespace metrics
