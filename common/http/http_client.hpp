#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/core/result.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace http {

struct HttpClientSettings {
  long max_connections_per_host = 32;  // keep-alive connections kept and opened per host
  long max_total_connections = 512;
  bool verify_tls = true;                            // never turned off in production
  std::string user_agent = "tunefleet/0.1";
  std::chrono::milliseconds connect_timeout{3000};   // default per request
  std::chrono::milliseconds total_timeout{10000};    // default per request
};

struct Request {
  std::string method = "GET";
  std::string url{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::chrono::milliseconds connect_timeout{0};  // 0 = the client's default
  std::chrono::milliseconds total_timeout{0};
};

struct Response {
  long status = 0;
  std::string body{};
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  double seconds = 0;                          // total transfer time

  // A header value, or empty.
  std::string Header(const std::string& lower_case_name) const;
};

// Transport failures (DNS, refused, reset, timeout, TLS) are kTransient errors; any HTTP
// status, including 4xx and 5xx, is a Response: classifying statuses is the gateway's job.
using ResponseCallback = std::function<void(core::Result<Response>)>;

// HTTP on a libuv loop through libcurl's multi interface: one uv_poll per socket curl asks
// to watch, one uv_timer for curl's timeout, keep-alive connection reuse, HTTP/1.1 and TLS
// verified by default. Hundreds of transfers in flight on one thread. Loop thread only;
// callbacks run on the loop. Not copyable.
class HttpClient {
 public:
  HttpClient(uv_loop_s& loop, HttpClientSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void Send(Request request, ResponseCallback callback);
  std::size_t in_flight() const { return transfers_.size(); }
  // Fails every transfer in flight and releases every handle; the client is unusable after.
  void Close();

 private:
  struct Transfer;
  struct SocketWatch;
  static int OnSocket(void* easy, int fd, int what, void* self, void* socket_data);
  static int OnTimer(void* multi, long timeout_ms, void* self);
  void CheckFinished();
  void Perform(int fd, int events);

  uv_loop_s& loop_;
  HttpClientSettings settings_;
  void* multi_ = nullptr;  // CURLM*
  uv::Timer timer_;  // curl's timeout
  std::map<void*, std::unique_ptr<Transfer>> transfers_;  // by CURL* easy handle
};

}  // namespace http
