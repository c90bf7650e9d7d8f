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
#include "common/http/transport.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace http {

struct HttpClientSettings {
  long max_connections_per_host = 32;  // keep-alive connections kept and opened per host
  long max_total_connections = 512;
  bool verify_tls = true;                            // never turned off in production
  std::string ca_file = {};  // PEM CA bundle that verifies servers instead of the system's; empty: the system's
  std::string user_agent = "tunefleet/0.1";
  std::chrono::milliseconds connect_timeout{3000};   // default per request
  std::chrono::milliseconds total_timeout{10000};    // default per request: the whole transfer,
                                                     // however slowly the body drips in
  // Response body cap: a larger answer (announced by Content-Length or found while reading, after
  // decompression) is aborted and reported as a kInvalidInput error. 0: no cap.
  std::uint64_t max_response_bytes = 8u << 20;
  std::string name{};                   // whose calls these are ("spotify"), named in errors
  std::string max_response_variable{};  // the variable that raises the cap, named in errors
};

// HTTP on a libuv loop through libcurl's multi interface: one uv_poll per socket curl asks
// to watch, one uv_timer for curl's timeout, keep-alive connection reuse, HTTP/1.1 and TLS
// verified by default. Hundreds of transfers in flight on one thread. Loop thread only;
// callbacks run on the loop. Not copyable.
class HttpClient final : public Transport {
 public:
  HttpClient(uv_loop_s& loop, HttpClientSettings settings);
  ~HttpClient() override;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // http::Transport
  void Send(Request request, ResponseCallback callback) override;

  std::size_t in_flight() const { return transfers_.size(); }
  // The most body bytes any one transfer has read from the network so far (a refused chunk
  // included): max_response_bytes bounds it to the cap plus one chunk.
  std::uint64_t most_body_bytes_received() const { return most_body_bytes_received_; }
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
  std::uint64_t most_body_bytes_received_ = 0;
};

}  // namespace http
