#include "common/runtime/process.hpp"

#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/core/redact.hpp"
#include "common/runtime/consumer.hpp"
#include "common/uv/handles.hpp"

namespace runtime::process {

std::string ProgramName(int argc, char* argv[], const std::string& fallback) {
  return argc > 0 ? std::string(argv[0]) : fallback;
}

std::optional<int> CheckArguments(int argc, char* argv[], const std::string& usage, const std::string& what) {
  if (argc <= 1) return std::nullopt;
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(usage.c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "%s: unexpected argument '%s'; %s are configured by environment variables (--help)\n",
               argv[0], argv[1], what.c_str());
  return 2;
}

bool StartMetricsServer(const std::string& program, const config::MetricsSettings& settings,
                        prometheus::Registry& registry, const metrics::HealthState& health,
                        std::optional<metrics::HttpServer>& server) {
  if (settings.port == 0) return true;
  try {
    server.emplace(settings, registry, health);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), core::Redact(e.what()).c_str());
    return false;
  }
  return true;
}

void ServeUntilDrained(uv_loop_s& loop, Consumer& consumer, const std::function<void()>& close_rest) {
  // libuv writes sockets with write(2): a write to a peer that has gone (Redis stopping under
  // the worker) would kill the process with SIGPIPE. Ignored, the write fails with EPIPE and
  // the client reconnects. (libcurl, libpq and rabbitmq-c guard their own writes.)
  std::signal(SIGPIPE, SIG_IGN);
  int received = 0;
  std::unique_ptr<uv::Signal> signals[2];
  auto close_all = [&signals, &close_rest] {
    for (auto& signal : signals) signal.reset();
    close_rest();
  };
  int signums[2] = {SIGTERM, SIGINT};
  for (int i = 0; i < 2; ++i) {
    signals[i] = std::make_unique<uv::Signal>(loop);
    signals[i]->Start(signums[i], [&received, &consumer](int signum) {
      if (++received > 1) {
        // Second signal: leave now. Unacked deliveries are redelivered by the broker.
        std::fprintf(stderr, "received signal %d again; exiting without draining\n", signum);
        std::_Exit(130);
      }
      logging::Logger("main").Info("signal received; draining", {{"signal", signum}});
      consumer.Shutdown(nullptr);
    });
  }
  // When the consumer has drained (signal, or a fatal broker setup error), close the rest.
  consumer.OnFinished(close_all);
  consumer.Start();
  uv_run(&loop, UV_RUN_DEFAULT);
  close_all();
  consumer.OnFinished(nullptr);
}

int CloseLoop(uv_loop_s& loop, const logging::Logger& logger) {
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) {
    logger.Warn("event loop closed with open handles");
    return 1;
  }
  return 0;
}

}  // namespace runtime::process
