#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "common/metrics/builder_metrics.hpp"
#include "common/metrics/http_server.hpp"
#include "common/runtime/builder.hpp"
#include "common/runtime/builder_pipeline.hpp"
#include "common/runtime/consumer.hpp"

namespace runtime {
namespace {

struct SignalState {
  Consumer* consumer = nullptr;
  int received = 0;
  std::unique_ptr<uv::Signal> signals[2];

  void Close() {
    for (auto& handle : signals) handle.reset();
  }
};

int Usage(const std::string& program, const std::string& name) {
  std::printf(
      "usage: %s   run the %s builder (configured by TUNEFLEET_* environment variables)\n"
      "\nConsumes follow-ups from tunefleet.%s. See docs/CONFIGURATION.md (TUNEFLEET_AMQP_URL,\n"
      "TUNEFLEET_PG_DSN, TUNEFLEET_BUILDER_WINDOW, ...) and docs/builders/%s.md.\n",
      program.c_str(), name.c_str(), name.c_str(), name.c_str());
  return 0;
}

}  // namespace

int RunBuilder(int argc, char* argv[], const BuilderSpec& spec) {
  std::string program = argc > 0 ? argv[0] : "tunefleet-" + spec.name;
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    return Usage(program, spec.name);
  }
  if (argc > 1) {
    std::fprintf(stderr, "%s: unexpected argument '%s'; builders are configured by environment variables (--help)\n",
                 program.c_str(), argv[1]);
    return 2;
  }
  config::Env env;
  BuilderSettings settings;
  const resilience::SteadyClock clock;  // declared before the builder, so it outlives it
  std::unique_ptr<Builder> builder;
  try {
    settings = LoadBuilderSettings(env);
    builder = spec.make(BuilderContext{env, settings.worker.postgres.dsn, clock});
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s: configuration error: %s\n", program.c_str(), e.what());
    return 2;
  }
  logging::Configure(logging::ParseLevel(settings.worker.log.level));
  logging::Logger logger("main");

  metrics::WorkerMetrics worker_metrics{spec.name};
  metrics::BuilderMetrics builder_metrics{worker_metrics.registry(), spec.name};
  metrics::HealthState health;
  std::optional<metrics::HttpServer> http_server;
  if (settings.worker.metrics.port != 0) {
    try {
      http_server.emplace(settings.worker.metrics, worker_metrics.registry(), health);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
      return 2;
    }
  }

  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    SignalState state;  // declared before the consumer: its last callback uses it
    BuilderPipeline pipeline(settings, *builder, builder_metrics, loop);
    Consumer worker(loop, pipeline.Consuming(config::KnownProviders()), pipeline, worker_metrics, health);
    state.consumer = &worker;
    int signums[2] = {SIGTERM, SIGINT};
    for (int i = 0; i < 2; ++i) {
      state.signals[i] = std::make_unique<uv::Signal>(loop);
      state.signals[i]->Start(signums[i], [s = &state](int signum) {
        if (++s->received > 1) {
          // Second signal: leave now. Unacked follow-ups are redelivered by the broker.
          std::fprintf(stderr, "received signal %d again; exiting without draining\n", signum);
          std::_Exit(130);
        }
        logging::Logger("main").Info("signal received; draining", {{"signal", signum}});
        s->consumer->Shutdown(nullptr);
      });
    }
    logger.Info("builder starting", {{"builder", spec.name},
                                     {"metrics_port", static_cast<std::int64_t>(settings.worker.metrics.port)},
                                     {"window_ms", static_cast<std::int64_t>(settings.window.count())},
                                     {"max_ids", settings.max_ids},
                                     {"prefetch", static_cast<std::int64_t>(settings.worker.amqp.prefetch)}});
    worker.OnFinished([&state] { state.Close(); });
    worker.Start();
    uv_run(&loop, UV_RUN_DEFAULT);
    state.Close();
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  int exit_code = 0;
  if (uv_loop_close(&loop) != 0) {
    logger.Warn("event loop closed with open handles");
    exit_code = 1;
  }
  builder.reset();
  logger.Info("builder exited");
  return exit_code;
}

}  // namespace runtime
