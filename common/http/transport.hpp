#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/core/result.hpp"

namespace http {

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

// Transport failures (DNS, refused, reset, timeout, TLS) are kTransient errors; an answer over
// the client's size cap is kInvalidInput (the same request would get it again); any HTTP
// status, including 4xx and 5xx, is a Response: classifying statuses is the gateway's job.
using ResponseCallback = std::function<void(core::Result<Response>)>;

// What the gateway needs from HTTP: send one request, answered once on the loop. HttpClient is
// the real one; unit tests pass tests/fakes/fake_transport.hpp.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Send(Request request, ResponseCallback callback) = 0;
};

}  // namespace http
