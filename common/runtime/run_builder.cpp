#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "common/core/redact.hpp"
#include "common/metrics/builder_metrics.hpp"
#include "common/metrics/http_server.hpp"
#include "common/runtime/builder.hpp"
#include "common/runtime/builder_pipeline.hpp"
#include "common/runtime/consumer.hpp"
#include "common/runtime/process.hpp"
#include "common/runtime/process_control.hpp"

namespace runtime {
namespace {

std::string Usage(const std::string& program, const std::string& name) {
  return "usage: " + program + "   run the " + name +
         " builder (configured by TUNEFLEET_* environment variables)\n"
         "\nConsumes follow-ups from tunefleet." + name +
         ". See docs/CONFIGURATION.md (TUNEFLEET_AMQP_URL,\n"
         "TUNEFLEET_PG_DSN, TUNEFLEET_BUILDER_WINDOW, ...) and docs/builders/" + name + ".md.\n";
}

}  // namespace

int RunBuilder(int argc, char* argv[], const BuilderSpec& spec, const std::vector<ProviderSpec>& fleet) {
  std::string program = process::ProgramName(argc, argv, "tunefleet-" + spec.name);
  if (auto exit_code = process::CheckArguments(argc, argv, Usage(program, spec.name), "builders")) return *exit_code;
  config::Env env;
  BuilderSettings settings;
  const resilience::SteadyClock clock;  // declared before the builder, so it outlives it
  std::unique_ptr<Builder> builder;
  try {
    settings = LoadBuilderSettings(env);
    builder = spec.make(BuilderContext{env, settings.worker.postgres.dsn, clock});
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s: configuration error: %s\n", program.c_str(), core::Redact(e.what()).c_str());
    return 2;
  }
  logging::Configure(logging::ParseLevel(settings.worker.log.level));
  logging::Logger logger("main");

  metrics::WorkerMetrics worker_metrics{spec.name};
  metrics::BuilderMetrics builder_metrics{worker_metrics.registry(), spec.name};
  metrics::HealthState health;
  std::optional<metrics::HttpServer> http_server;
  if (!process::StartMetricsServer(program, settings.worker.metrics, worker_metrics.registry(), health, http_server)) {
    return 2;
  }

  uv_loop_t loop;
  uv_loop_init(&loop);
  bool setup_failed = false;
  {
    BuilderPipeline pipeline(settings, *builder, builder_metrics, loop);
    Consumer consumer(loop, pipeline.Consuming(FleetNames(fleet)), pipeline, worker_metrics, health);
    logger.Info("builder starting", {{"builder", spec.name},
                                     {"metrics_port", static_cast<std::int64_t>(settings.worker.metrics.port)},
                                     {"window_ms", static_cast<std::int64_t>(settings.window.count())},
                                     {"max_ids", settings.max_ids},
                                     {"prefetch", static_cast<std::int64_t>(settings.worker.amqp.prefetch)}});
    ProcessControl control(loop, consumer, nullptr, nullptr, logging::ParseLevel(settings.worker.log.level));
    control::ControlChannel control_channel(loop, {settings.worker.amqp, ThisProcess("builder", spec.name)}, control,
                                            logging::Logger("control").With({{"builder", spec.name}}));
    consumer.WhenFirstConnected([&control_channel] { control_channel.Start(); });
    process::ServeUntilDrained(loop, consumer, [&control, &control_channel] {
      control_channel.Close();
      control.Close();
    });
    setup_failed = consumer.setup_failed();
  }
  int exit_code = process::CloseLoop(loop, logger);
  builder.reset();
  logger.Info("builder exited");
  return setup_failed ? 1 : exit_code;
}

}  // namespace runtime
