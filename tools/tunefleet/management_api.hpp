#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/config/env.hpp"
#include "common/core/result.hpp"

// The RabbitMQ management HTTP API as `tunefleet status` and `tunefleet dlq list|show` use it:
// blocking GET and POST through libcurl's easy interface, basic auth from the URL's user
// information. libcurl stays inside management_api.cpp.
namespace ops {

// TUNEFLEET_RABBITMQ_API_URL taken apart: credentials are sent as basic auth, never as part
// of a URL that could end up in an error message.
struct ApiEndpoint {
  std::string base_url;   // "http://127.0.0.1:35673" (no credentials, no trailing slash)
  std::string user;       // percent-decoded; empty: no authentication
  std::string password;   // percent-decoded
  std::string host_port;  // "127.0.0.1:35673", for messages
};

// http[s]://[user[:password]@]host[:port][/prefix]; kInvalidInput naming the variable otherwise.
core::Result<ApiEndpoint> ParseApiUrl(std::string_view url);

// The vhost a TUNEFLEET_AMQP_URL connects to: its path without the leading '/', percent-decoded
// ("%2f" -> "/"). No path, or just "/", means the default vhost "/".
std::string VhostFromAmqpUrl(std::string_view url);

// Percent-encodes every byte but [A-Za-z0-9-_.~]: a vhost or queue name as one path segment.
std::string PercentEncode(std::string_view text);
std::string PercentDecode(std::string_view text);

// Where `status` and `dlq` look: the management API of TUNEFLEET_RABBITMQ_API_URL and the vhost
// of TUNEFLEET_AMQP_URL. Throws config::ConfigError (one line naming the variable).
struct ApiTarget {
  ApiEndpoint endpoint;
  std::string vhost;
  std::string amqp_url;
};
ApiTarget LoadApiTarget(const config::Env& env);

// One client per command run. Not thread safe. Failures are values whose message is one line
// naming host:port and TUNEFLEET_RABBITMQ_API_URL: kTransient when the API cannot be reached
// or answers 5xx, kInvalidInput on 401/403 (wrong credentials), kNotFound on 404.
class ManagementApi {
 public:
  explicit ManagementApi(ApiEndpoint endpoint, std::chrono::milliseconds timeout = std::chrono::seconds{15});

  // `path` below /api, already encoded: "/queues/%2F?columns=name". Returns the body of a 2xx.
  core::Result<std::string> Get(const std::string& path);
  core::Result<std::string> Post(const std::string& path, const std::string& json_body);
  core::Result<std::string> Put(const std::string& path, const std::string& json_body);

  const std::string& host_port() const { return endpoint_.host_port; }

 private:
  core::Result<std::string> Request(const char* method, const std::string& path, const std::string* json_body);

  ApiEndpoint endpoint_;
  std::chrono::milliseconds timeout_;
};

}  // namespace ops
