#pragma once

#include <optional>
#include <string>
#include <utility>

// Reading a running process's /metrics, /healthz and /readyz from a test.
namespace test_support {

// A TCP port on 127.0.0.1 that was free a moment ago: for a process's metrics server, or as a
// port nothing listens on.
int FreePort();
// GET `url` (loopback, 2 s timeout): status and body; status 0 when nothing answered.
std::pair<long, std::string> HttpGet(const std::string& url);
// The value of the first Prometheus sample named `name` (any labels), or nullopt when absent.
std::optional<double> MetricValue(const std::string& metrics_text, const std::string& name);

}  // namespace test_support
