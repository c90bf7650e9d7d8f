#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <curl/curl.h>

namespace provider_sim_test {

// <build>/bin/provider-sim.
std::string SimBinary();

// provider-sim started with posix_spawn on an ephemeral port; the constructor waits (at most
// 10 s) for its "listening on 127.0.0.1:<port>" line. stderr goes to a temp file, printed
// when a test fails. The destructor sends SIGTERM, waits, and SIGKILLs if it must.
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> args);
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  // Waits for the process to exit; its exit code, or nullopt on timeout.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string stderr_path_;
  bool exited_ = false;
};

struct HttpResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string content_type;
  std::map<std::string, std::string> headers;  // lower-case names
  long connects = 0;                           // new connections this transfer opened
  std::chrono::milliseconds elapsed{0};
};

struct HttpRequest {
  std::string method = "GET";
  std::string url{};
  std::vector<std::string> headers{};  // "Name: value"
  std::string body{};
  long timeout_ms = 10'000;
};

// One transfer on `handle` (reused: keep-alive), or on a fresh handle when null.
HttpResult Fetch(const HttpRequest& request, CURL* handle = nullptr);
// All at once, each on its own connection (curl multi); results in request order.
std::vector<HttpResult> FetchConcurrently(const std::vector<HttpRequest>& requests);

// What GET /_sim/stats says about one simulated provider.
struct SimStats {
  std::int64_t requests = 0;
  std::int64_t limited = 0;  // refused by the enforced rate limit: violations
  std::int64_t not_found = 0;
  std::int64_t faults = 0;   // injected (/_sim/config)
  // Admitted only thanks to the measurement slack (--rate-slack-ms): requests that came a
  // little early, excused because the simulator's own loop may have seen them late. A quota
  // test bounds it: a limiter that leans on the slack is too fast.
  std::int64_t excused = 0;
  std::map<std::string, std::int64_t> faults_by_kind;  // "500", "timeout", "malformed", ...
  std::map<std::string, std::int64_t> by_endpoint;
  std::map<std::string, std::int64_t> by_status;
  double uptime_s = 0;
  // Since the first provider request after start or reset: the window a quota test measures
  // (the clients' start-up is not in it).
  double since_first_request_s = 0;
};
// The simulator's counters for `provider` ("lastfm", "spotify", ...); throws when the
// simulator does not answer 200 with them.
SimStats ProviderStats(const SimProcess& sim, const std::string& provider);
// The most `excused` a quota test accepts: a few requests, plus 5% of them, that arrived
// within the slack of the limit because the simulator's loop or the machine lagged. More
// means the limiter itself runs early.
inline std::int64_t ExcusedAllowance(const SimStats& stats) { return 3 + stats.requests / 20; }
std::string Describe(const SimStats& stats);

}  // namespace provider_sim_test
