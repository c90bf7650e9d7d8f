#include "common/metrics/health.hpp"

#include "common/logging/logger.hpp"

namespace metrics {

void HealthState::Set(const std::string& name, Service service) {
  std::lock_guard lock(mutex_);
  services_[name] = std::move(service);
}

void HealthState::SetHealthy(const std::string& name, bool healthy) {
  std::lock_guard lock(mutex_);
  services_[name].healthy = healthy;
}

bool HealthState::Ready() const {
  std::lock_guard lock(mutex_);
  if (services_.empty()) return false;
  for (const auto& [name, service] : services_) {
    if (!service.healthy) return false;
  }
  return true;
}

std::string HealthState::RenderJson() const {
  bool ready = Ready();
  std::lock_guard lock(mutex_);
  std::string out = "{\"status\":";
  out += ready ? "\"healthy\"" : "\"unhealthy\"";
  out += ",\"services\":{";
  bool first = true;
  for (const auto& [name, service] : services_) {
    if (!first) out += ',';
    first = false;
    logging::AppendJsonString(out, name);
    out += ":{\"status\":";
    out += service.healthy ? "\"healthy\"" : "\"unhealthy\"";
    for (const auto& [key, value] : service.details) {
      out += ',';
      logging::AppendJsonString(out, key);
      out += ':';
      out += value;
    }
    out += '}';
  }
  out += "}}";
  return out;
}

}  // namespace metrics
