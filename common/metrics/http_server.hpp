#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/config/settings.hpp"
#include "common/metrics/health.hpp"

namespace prometheus {
class Registry;
}
struct mg_context;
struct mg_connection;

namespace metrics {

// Serves GET /metrics (Prometheus text format from `registry`), /healthz (process alive,
// always 200) and /readyz (200 when `health` is ready, else 503; JSON body) on its own
// threads. Starts in the constructor, throws std::runtime_error naming the port if it
// cannot listen; stops in the destructor. `registry` and `health` must outlive it.
class HttpServer {
 public:
  HttpServer(const config::MetricsSettings& settings, prometheus::Registry& registry,
             const HealthState& health);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  static int HandleMetrics(::mg_connection* conn, void* self);
  static int HandleHealthz(::mg_connection* conn, void* self);
  static int HandleReadyz(::mg_connection* conn, void* self);

  prometheus::Registry& registry_;
  const HealthState& health_;
  mg_context* context_ = nullptr;
  std::uint16_t port_ = 0;
};

}  // namespace metrics
