// bench-gateway: the resilience gateway against provider-sim (docs/BENCHMARKS.md).
//
//   quota:    N processes share one fleet-wide limit through Redis and call the provider as
//             fast as the limiter lets them; prints calls answered per process.
//   inflight: one process keeps C calls in flight (no limit) against a slow provider and
//             prints the calls/s it sustained and its CPU seconds.
//
// Every call is a distinct Discogs release lookup (no cache, no coalescing). Loopback only;
// stops by itself after --seconds.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "common/gateway/gateway.hpp"
#include "common/http/http_client.hpp"
#include "common/metrics/gateway_metrics.hpp"
#include "common/redis/redis_client.hpp"
#include "common/resilience/clock.hpp"

namespace {

struct Options {
  std::string mode = "quota";
  std::string base_url;  // e.g. http://127.0.0.1:PORT/discogs
  std::string redis_url = "redis://127.0.0.1:36379/0";
  int processes = 4;
  double rate = 20;
  double burst = 5;
  int concurrency = 50;
  int seconds = 60;
};

struct Counts {
  long ok = 0;
  long limited = 0;  // 429 from the provider: a quota violation seen by the client
  long other = 0;
  long max_in_flight = 0;
  double first_sent = 0;     // epoch seconds of the first call sent
  double last_answered = 0;  // epoch seconds of the last answer
};

double EpochSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Runs one "process": keeps `concurrency` calls outstanding until the deadline.
Counts Run(const Options& o, int worker, const std::string& limit_key) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  resilience::SteadyClock clock;
  prometheus::Registry registry;
  Counts counts;
  {
    http::HttpClient http(loop, {.max_connections_per_host = std::max(16, o.concurrency + 8),
                                 .max_total_connections = std::max(64, o.concurrency + 8)});
    redis::RedisClient redis(loop, {.url = o.redis_url}, logging::Logger("bench"));
    for (int i = 0; i < 200 && !redis.connected(); ++i) uv_run(&loop, UV_RUN_ONCE);
    metrics::GatewayMetrics metrics(registry, "discogs");
    gateway::GatewaySettings settings;
    settings.provider = "discogs";
    settings.rate_limit = {limit_key, o.rate, o.burst, 1.0 / o.processes};
    settings.max_concurrency = o.concurrency + 8;
    settings.max_attempts = 1;
    settings.breaker.failure_threshold = 1000000;
    gateway::Gateway gateway(loop, http, redis, clock, settings, metrics, logging::Logger("bench"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.seconds);
    long next_id = 1;
    long in_flight = 0;
    std::function<void()> issue = [&] {
      if (std::chrono::steady_clock::now() >= deadline) {
        if (in_flight == 0) {
          gateway.Close();
          http.Close();
          redis.Close();
        }
        return;
      }
      ++in_flight;
      if (counts.first_sent == 0) counts.first_sent = EpochSeconds();
      counts.max_in_flight = std::max(counts.max_in_flight, in_flight);
      long id = 1000000 + worker * 100000000L + next_id++;
      gateway.Call({.url = o.base_url + "/releases/" + std::to_string(id),
                    .headers = {{"Authorization", "Discogs token=bench"}}},
                   {.endpoint = "release", .use_cache = false}, [&](core::Result<http::Response> r) {
                     --in_flight;
                     counts.last_answered = EpochSeconds();
                     if (r) ++counts.ok;
                     else if (r.error().message.find("HTTP 429") != std::string::npos) ++counts.limited;
                     else if (r.error().kind == core::ErrorKind::kNotFound) ++counts.ok;  // an answered call
                     else ++counts.other;
                     issue();
                   });
    };
    for (int i = 0; i < o.concurrency; ++i) issue();
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return counts;
}

int Usage() {
  std::fprintf(stderr,
               "usage: bench-gateway --base-url http://127.0.0.1:PORT/discogs [--mode quota|inflight]\n"
               "         [--processes 4] [--rate 20] [--burst 5] [--concurrency 50] [--seconds 60]\n"
               "         [--redis redis://127.0.0.1:36379/0]\n");
  return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--mode") o.mode = value;
    else if (flag == "--base-url") o.base_url = value;
    else if (flag == "--redis") o.redis_url = value;
    else if (flag == "--processes") o.processes = std::atoi(value.c_str());
    else if (flag == "--rate") o.rate = std::atof(value.c_str());
    else if (flag == "--burst") o.burst = std::atof(value.c_str());
    else if (flag == "--concurrency") o.concurrency = std::atoi(value.c_str());
    else if (flag == "--seconds") o.seconds = std::atoi(value.c_str());
    else return Usage();
  }
  if (o.base_url.rfind("http://127.0.0.1:", 0) != 0 && o.base_url.rfind("http://localhost:", 0) != 0) {
    std::fprintf(stderr, "bench-gateway: --base-url must be a loopback provider-sim URL\n");
    return Usage();
  }
  logging::Configure(logging::Level::kError);
  if (o.mode == "inflight") {
    o.processes = 1;
    o.rate = 1e6;
    o.burst = 1e6;
    double cpu_start = CpuSeconds();
    auto start = std::chrono::steady_clock::now();
    Counts c = Run(o, 0, "bench-inflight-" + std::to_string(getpid()));
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"mode\":\"inflight\",\"concurrency\":%d,\"seconds\":%.2f,\"answered\":%ld,\"other\":%ld,"
                "\"calls_per_s\":%.0f,\"max_in_flight\":%ld,\"cpu_s\":%.2f,\"cpu_share_of_core\":%.2f}\n",
                o.concurrency, wall, c.ok, c.other, static_cast<double>(c.ok) / wall, c.max_in_flight,
                CpuSeconds() - cpu_start, (CpuSeconds() - cpu_start) / wall);
    return 0;
  }
  std::string key = "bench-quota-" + std::to_string(getpid());
  std::vector<int> pipes;
  std::vector<pid_t> children;
  for (int p = 0; p < o.processes; ++p) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      Counts c = Run(o, p, key);
      dprintf(fds[1], "%ld %ld %ld %.6f %.6f\n", c.ok, c.limited, c.other, c.first_sent, c.last_answered);
      _exit(0);
    }
    close(fds[1]);
    pipes.push_back(fds[0]);
    children.push_back(pid);
  }
  Counts total;
  for (std::size_t p = 0; p < children.size(); ++p) {
    char buf[128] = {0};
    ssize_t n = read(pipes[p], buf, sizeof buf - 1);
    (void)n;
    long ok = 0, limited = 0, other = 0;
    double first = 0, last = 0;
    std::sscanf(buf, "%ld %ld %ld %lf %lf", &ok, &limited, &other, &first, &last);
    if (first > 0 && (total.first_sent == 0 || first < total.first_sent)) total.first_sent = first;
    total.last_answered = std::max(total.last_answered, last);
    total.ok += ok;
    total.limited += limited;
    total.other += other;
    waitpid(children[p], nullptr, 0);
    close(pipes[p]);
  }
  // The window runs from the first call any process sent to the last answer any received.
  double window = total.last_answered - total.first_sent;
  double bound = o.rate * window + o.burst;
  std::printf("{\"mode\":\"quota\",\"processes\":%d,\"rate\":%.1f,\"burst\":%.0f,\"window_s\":%.2f,"
              "\"answered\":%ld,\"limited_by_provider\":%ld,\"other_errors\":%ld,\"bound\":%.0f,"
              "\"utilization\":%.4f}\n",
              o.processes, o.rate, o.burst, window, total.ok, total.limited, total.other, bound,
              static_cast<double>(total.ok + total.limited - static_cast<long>(o.burst)) / (o.rate * window));
  return 0;
}
