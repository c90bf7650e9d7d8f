#include "common/runtime/run_worker.hpp"

#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "common/metrics/http_server.hpp"
#include "common/runtime/worker.hpp"

namespace runtime {
namespace {

struct SignalState {
  Worker* worker = nullptr;
  int received = 0;
  uv_signal_t* handles[2] = {nullptr, nullptr};
};

void CloseSignals(SignalState& state) {
  for (auto*& handle : state.handles) {
    if (handle == nullptr) continue;
    uv_signal_stop(handle);
    uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
    handle = nullptr;
  }
}

}  // namespace

int RunWorker(int argc, char* argv[], const ProviderFactory& factory) {
  std::string program = argc > 0 ? argv[0] : "tunefleet-worker";
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::printf("usage: %s\n\nA tunefleet worker: consumes its queue until SIGTERM. Configured by environment "
                "variables (docs/CONFIGURATION.md): TUNEFLEET_AMQP_URL, TUNEFLEET_PG_DSN, "
                "TUNEFLEET_METRICS_PORT, TUNEFLEET_BATCH_SIZE, ...\n",
                program.c_str());
    return 0;
  }
  if (argc > 1) {
    std::fprintf(stderr, "%s: unexpected argument '%s'; workers are configured by environment variables (--help)\n",
                 program.c_str(), argv[1]);
    return 2;
  }
  config::Env env;
  WorkerSettings settings;
  std::unique_ptr<Provider> provider;
  try {
    settings = LoadWorkerSettings(env);
    provider = factory(env);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s: configuration error: %s\n", program.c_str(), e.what());
    return 2;
  }
  logging::Configure(logging::ParseLevel(settings.log.level));
  logging::Logger logger("main");

  metrics::WorkerMetrics worker_metrics{std::string(provider->Name())};
  metrics::HealthState health;
  std::optional<metrics::HttpServer> http;
  if (settings.metrics.port != 0) {
    try {
      http.emplace(settings.metrics, worker_metrics.registry(), health);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
      return 2;
    }
  }

  uv_loop_t loop;
  uv_loop_init(&loop);
  int exit_code = 0;
  {
    Worker worker(loop, settings, *provider, worker_metrics, health);
    SignalState signals;
    signals.worker = &worker;
    int signums[2] = {SIGTERM, SIGINT};
    for (int i = 0; i < 2; ++i) {
      signals.handles[i] = new uv_signal_t;
      uv_signal_init(&loop, signals.handles[i]);
      signals.handles[i]->data = &signals;
      uv_signal_start(signals.handles[i], [](uv_signal_t* handle, int signum) {
        auto* state = static_cast<SignalState*>(handle->data);
        if (++state->received > 1) {
          // Second signal: leave now. Unacked deliveries are redelivered by the broker.
          std::fprintf(stderr, "received signal %d again; exiting without draining\n", signum);
          std::_Exit(130);
        }
        logging::Logger("main").Info("signal received; draining", {{"signal", signum}});
        state->worker->Shutdown([state] { CloseSignals(*state); });
      }, signums[i]);
    }
    logger.Info("worker starting", {{"provider", std::string(provider->Name())},
                                    {"metrics_port", static_cast<std::int64_t>(settings.metrics.port)},
                                    {"batch_size", settings.batch_size},
                                    {"prefetch", static_cast<std::int64_t>(settings.amqp.prefetch)}});
    worker.Start();
    uv_run(&loop, UV_RUN_DEFAULT);
    CloseSignals(signals);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) {
    logger.Warn("event loop closed with open handles");
    exit_code = 1;
  }
  logger.Info("worker exited");
  return exit_code;
}

}  // namespace runtime
