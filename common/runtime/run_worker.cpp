#include "common/runtime/run_worker.hpp"

#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "common/core/redact.hpp"
#include "common/db/catalog_writer.hpp"
#include "common/gateway/gateway.hpp"
#include "common/gateway/micro_batcher.hpp"
#include "common/http/http_client.hpp"
#include "common/metrics/gateway_metrics.hpp"
#include "common/metrics/http_server.hpp"
#include "common/redis/redis_client.hpp"
#include "common/resilience/clock.hpp"
#include "common/runtime/consumer.hpp"
#include "common/runtime/process.hpp"
#include "common/runtime/process_control.hpp"
#include "common/runtime/provider_pipeline.hpp"

namespace runtime {
namespace {

// The network side of a provider, all on the worker's loop.
struct Services {
  std::unique_ptr<http::HttpClient> http;
  std::unique_ptr<redis::RedisClient> redis;
  std::unique_ptr<metrics::GatewayMetrics> metrics;
  std::unique_ptr<gateway::Gateway> gateway;

  // HTTP, Redis and the gateway over them, with the provider's policy.
  void Open(uv_loop_t& loop, const std::string& provider, const ProviderSettings& settings,
            const config::RedisSettings& redis_settings, prometheus::Registry& registry,
            resilience::Clock& clock) {
    http::HttpClientSettings http_settings;
    http_settings.user_agent = settings.policy.user_agent;
    http_settings.connect_timeout = settings.policy.connect_timeout;
    http_settings.total_timeout = settings.policy.total_timeout;
    http_settings.max_response_bytes = static_cast<std::uint64_t>(settings.policy.max_response_bytes);
    http_settings.name = provider;
    http_settings.max_response_variable = ProviderEnvPrefix(provider) + "MAX_RESPONSE_BYTES";
    http_settings.max_connections_per_host = std::max(8, settings.policy.max_concurrency);
    http = std::make_unique<http::HttpClient>(loop, http_settings);
    redis = std::make_unique<redis::RedisClient>(
        loop, redis::RedisClientSettings{.url = redis_settings.url, .tls_ca_file = redis_settings.tls_ca_file},
        logging::Logger("redis").With({{"provider", provider}}));
    metrics = std::make_unique<metrics::GatewayMetrics>(registry, provider);
    gateway = std::make_unique<gateway::Gateway>(loop, *http, *redis, clock, settings.gateway, *metrics,
                                                 logging::Logger("gateway").With({{"provider", provider}}));
  }

  void Close() {
    if (gateway) gateway->Close();
    if (http) http->Close();
    if (redis) redis->Close();
  }
};

struct LoopState {
  Services* services = nullptr;
  metrics::HealthState* health = nullptr;
  std::string provider_name;
  std::unique_ptr<uv::Timer> health_timer;
};

void UpdateProviderHealth(LoopState& state) {
  if (state.services->gateway == nullptr) return;
  const gateway::Gateway& g = *state.services->gateway;
  auto breaker = g.breaker_state();
  char numbers[64];
  std::snprintf(numbers, sizeof numbers, "%.3f", g.success_rate());
  std::string success_rate = numbers;
  std::snprintf(numbers, sizeof numbers, "%.3f", g.response_time_seconds());
  std::string response_time = numbers;
  state.health->Set(state.provider_name,
                    {breaker != resilience::CircuitBreaker::State::kOpen,
                     {{"success_rate", success_rate},
                      {"response_time", response_time},
                      {"circuit_breaker_state", "\"" + std::string(resilience::ToString(breaker)) + "\""},
                      {"rate_limit", g.rate_limit_degraded() ? "\"local\"" : "\"fleet\""}}});
}

std::string Usage(const std::string& program, const WorkerSpec& spec) {
  return "usage: " + program + "                 run the worker (configured by TUNEFLEET_* environment variables)\n" +
         (spec.normalize ? "       " + program + " normalize FILE  print the normalized record of a saved response\n"
                         : std::string()) +
         "\nSee docs/CONFIGURATION.md for the variables (TUNEFLEET_AMQP_URL, TUNEFLEET_PG_DSN, " +
         ProviderEnvPrefix(spec.provider.name) + "BASE_URL, ...).\n";
}

}  // namespace

int RunWorker(int argc, char* argv[], const WorkerSpec& worker, const std::vector<ProviderSpec>& fleet) {
  const ProviderSpec& spec = worker.provider;
  std::string program = process::ProgramName(argc, argv, "tunefleet-worker");
  if (argc > 1 && std::strcmp(argv[1], "normalize") == 0 && worker.normalize) {
    return NormalizeCommand(spec.name, worker.normalize, argc - 2, argv + 2);
  }
  if (auto exit_code = process::CheckArguments(argc, argv, Usage(program, worker), "workers")) return *exit_code;
  config::Env env;
  WorkerSettings settings;
  ProviderSettings provider_settings;
  config::RedisSettings redis_settings;
  try {
    settings = LoadWorkerSettings(env);
    provider_settings = LoadProviderSettings(env, spec);
    redis_settings = config::LoadRedisSettings(env);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s: configuration error: %s\n", program.c_str(), core::Redact(e.what()).c_str());
    return 2;
  }
  logging::Configure(logging::ParseLevel(settings.log.level));
  logging::Logger logger("main");

  metrics::WorkerMetrics worker_metrics{spec.name};
  metrics::HealthState health;
  std::optional<metrics::HttpServer> http_server;
  if (!process::StartMetricsServer(program, settings.metrics, worker_metrics.registry(), health, http_server)) return 2;

  uv_loop_t loop;
  uv_loop_init(&loop);
  resilience::SteadyClock clock;
  bool setup_failed = false;
  {
    Services services;
    if (spec.policy.uses_network) {
      services.Open(loop, spec.name, provider_settings, redis_settings, worker_metrics.registry(), clock);
    }
    ProviderContext context{env, provider_settings, services.gateway.get(), services.metrics.get(),
                            [&loop](std::size_t max_ids, std::chrono::milliseconds window, auto fetch) {
                              return std::make_unique<gateway::MicroBatcher>(
                                  loop, gateway::MicroBatcherSettings{max_ids, window}, std::move(fetch));
                            }};
    context.album_tracks = settings.album_tracks;
    std::unique_ptr<Provider> provider;
    try {
      provider = worker.make(context);
    } catch (const config::ConfigError& e) {
      std::fprintf(stderr, "%s: configuration error: %s\n", program.c_str(), core::Redact(e.what()).c_str());
      services.Close();
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_loop_close(&loop);
      return 2;
    }
    LoopState state;  // declared before the consumer: its last callback uses it
    ProviderPipeline pipeline(settings, *provider,
                              std::make_unique<db::CatalogWriter>(settings.postgres.dsn, MergePriority(fleet)), loop);
    Consumer consumer(loop, pipeline.Consuming(FleetNames(fleet)), pipeline, worker_metrics, health);
    state.services = &services;
    state.health = &health;
    state.provider_name = spec.name;
    if (services.gateway) {
      state.health_timer = std::make_unique<uv::Timer>(loop);
      UpdateProviderHealth(state);
      state.health_timer->Start(std::chrono::seconds{1}, [s = &state] { UpdateProviderHealth(*s); },
                                std::chrono::seconds{1});
    }
    // Redis away is tolerated (the gateway falls back to a local rate limit and cache misses),
    // but a refused AUTH or SELECT or a certificate that does not verify at the first connect
    // is a misconfiguration: the client has logged the one line that says what to fix; the
    // worker stops and exits 1 instead of running degraded. After a first success the same
    // errors are logged (once) and retried like an outage.
    bool redis_refused = false;
    if (services.redis) {
      services.redis->OnConfigError([&redis_refused, &services, &consumer](const core::Error&) {
        if (redis_refused || services.redis->ever_connected() || consumer.draining()) return;
        redis_refused = true;
        consumer.Shutdown(nullptr);
      });
    }
    logger.Info("worker starting", {{"provider", spec.name},
                                    {"metrics_port", static_cast<std::int64_t>(settings.metrics.port)},
                                    {"batch_size", settings.batch_size},
                                    {"prefetch", static_cast<std::int64_t>(settings.amqp.prefetch)}});
    // Remote control (`tunefleet workers`, `tunefleet control`) on a connection of its own.
    ProcessControl control(loop, consumer, services.gateway.get(), services.metrics.get(),
                           logging::ParseLevel(settings.log.level));
    control::ControlChannel control_channel(loop, {settings.amqp, ThisProcess("provider", spec.name)}, control,
                                            logging::Logger("control").With({{"provider", spec.name}}));
    consumer.WhenFirstConnected([&control_channel] { control_channel.Start(); });
    process::ServeUntilDrained(loop, consumer, [&state, &control, &control_channel] {
      control_channel.Close();
      control.Close();
      state.health_timer.reset();
      state.services->Close();
    });
    if (services.redis) services.redis->OnConfigError(nullptr);
    setup_failed = consumer.setup_failed() || redis_refused;
  }  // destroyed in reverse: consumer, pipeline (which closed the provider), provider, services
  int exit_code = process::CloseLoop(loop, logger);
  logger.Info("worker exited");
  return setup_failed ? 1 : exit_code;
}

}  // namespace runtime
