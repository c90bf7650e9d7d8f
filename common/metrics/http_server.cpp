#include "common/metrics/http_server.hpp"

#include <civetweb.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>
#include <stdexcept>

namespace metrics {
namespace {

void Send(mg_connection* conn, int status, const char* content_type, const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            status, mg_get_response_code_text(conn, status), content_type, body.size());
  mg_write(conn, body.data(), body.size());
}

}  // namespace

HttpServer::HttpServer(const config::MetricsSettings& settings, prometheus::Registry& registry,
                       const HealthState& health)
    : registry_(registry), health_(health) {
  static std::once_flag init_once;
  std::call_once(init_once, [] { mg_init_library(0); });
  std::string listen = settings.bind_address + ":" + std::to_string(settings.port);
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", "2", nullptr};
  mg_callbacks callbacks{};
  context_ = mg_start(&callbacks, this, options);
  if (context_ == nullptr) {
    throw std::runtime_error("cannot serve metrics on " + listen +
                             " (port in use?); set TUNEFLEET_METRICS_PORT to a free port");
  }
  mg_set_request_handler(context_, "/metrics$", &HttpServer::HandleMetrics, this);
  mg_set_request_handler(context_, "/healthz$", &HttpServer::HandleHealthz, this);
  mg_set_request_handler(context_, "/readyz$", &HttpServer::HandleReadyz, this);
  port_ = settings.port;
}

HttpServer::~HttpServer() {
  if (context_ != nullptr) mg_stop(context_);
}

int HttpServer::HandleMetrics(mg_connection* conn, void* self) {
  auto* server = static_cast<HttpServer*>(self);
  prometheus::TextSerializer serializer;
  Send(conn, 200, "text/plain; version=0.0.4; charset=utf-8",
       serializer.Serialize(server->registry_.Collect()));
  return 200;
}

int HttpServer::HandleHealthz(mg_connection* conn, void*) {
  Send(conn, 200, "application/json", "{\"status\":\"alive\"}");
  return 200;
}

int HttpServer::HandleReadyz(mg_connection* conn, void* self) {
  auto* server = static_cast<HttpServer*>(self);
  int status = server->health_.Ready() ? 200 : 503;
  Send(conn, status, "application/json", server->health_.RenderJson());
  return status;
}

}  // namespace metrics
