#include "common/runtime/worker_settings.hpp"

namespace runtime {

WorkerSettings LoadConsumerSettings(const config::Env& env) {
  using namespace std::chrono_literals;
  WorkerSettings s;
  s.amqp = config::LoadAmqpSettings(env);
  s.postgres = config::LoadPostgresSettings(env);
  s.metrics = config::LoadMetricsSettings(env);
  s.log = config::LoadLogSettings(env);
  s.batch_size = static_cast<std::size_t>(env.Int("TUNEFLEET_BATCH_SIZE", 500, 1, 10000));
  s.batch_max_wait = env.Duration("TUNEFLEET_BATCH_MAX_WAIT", s.batch_max_wait, 1ms);
  s.max_attempts = static_cast<int>(env.Int("TUNEFLEET_MAX_ATTEMPTS", s.max_attempts, 1, 100));
  s.max_body_bytes = static_cast<std::size_t>(env.Int("TUNEFLEET_MAX_BODY_BYTES", 256 * 1024, 1024, 64 << 20));
  s.shutdown_timeout = env.Duration("TUNEFLEET_SHUTDOWN_TIMEOUT", s.shutdown_timeout, 100ms);
  s.db_retry_max = env.Duration("TUNEFLEET_DB_RETRY_MAX", s.db_retry_max, 100ms);
  s.db_hold_max = env.Duration("TUNEFLEET_DB_HOLD_MAX", s.db_hold_max, 1s);
  s.album_tracks = env.Bool("TUNEFLEET_ALBUM_TRACKS", s.album_tracks);
  s.album_tracks_max = static_cast<std::size_t>(env.Int("TUNEFLEET_ALBUM_TRACKS_MAX", 200, 1, 1000));
  return s;
}

WorkerSettings LoadWorkerSettings(const config::Env& env) {
  WorkerSettings s = LoadConsumerSettings(env);
  if (s.batch_size > s.amqp.prefetch) {
    throw config::ConfigError("TUNEFLEET_BATCH_SIZE=" + std::to_string(s.batch_size) +
                              " is larger than TUNEFLEET_AMQP_PREFETCH=" + std::to_string(s.amqp.prefetch) +
                              "; a batch could never fill");
  }
  return s;
}

}  // namespace runtime
