#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/config/env.hpp"
#include "common/config/settings.hpp"

namespace runtime {

struct WorkerSettings {
  config::AmqpSettings amqp;
  config::PostgresSettings postgres;
  config::MetricsSettings metrics;
  config::LogSettings log;
  std::size_t batch_size = 500;                         // TUNEFLEET_BATCH_SIZE: rows per transaction
  std::chrono::milliseconds batch_max_wait{50};         // TUNEFLEET_BATCH_MAX_WAIT: flush a partial batch after
  int max_attempts = 6;                                 // TUNEFLEET_MAX_ATTEMPTS: failures before dead-lettering
  std::size_t max_body_bytes = 256 * 1024;              // TUNEFLEET_MAX_BODY_BYTES
  std::chrono::milliseconds shutdown_timeout{20000};    // TUNEFLEET_SHUTDOWN_TIMEOUT: drain limit on SIGTERM
  std::chrono::milliseconds db_retry_max{10000};        // TUNEFLEET_DB_RETRY_MAX: backoff cap while the DB is down
  // TUNEFLEET_DB_HOLD_MAX: how long deliveries are held while the DB is down; then they go
  // back to RabbitMQ and consumption pauses until it is back. Far below the broker's
  // consumer_timeout (30 min by default), which would close the channel under the worker.
  std::chrono::milliseconds db_hold_max{std::chrono::minutes(5)};
  // Albums bring their tracks: an album job's tracklist is linked (album_tracks) and one track
  // job per position is published before the album job is acked.
  bool album_tracks = true;            // TUNEFLEET_ALBUM_TRACKS: false = no tracklist stored or published
  std::size_t album_tracks_max = 200;  // TUNEFLEET_ALBUM_TRACKS_MAX: positions taken from one tracklist
};

// Reads and validates every setting once; throws config::ConfigError naming the variable.
WorkerSettings LoadWorkerSettings(const config::Env& env);
// The same without the provider batch's constraint (TUNEFLEET_BATCH_SIZE <= prefetch), which
// builders do not use: they read TUNEFLEET_BUILDER_MAX_IDS instead.
WorkerSettings LoadConsumerSettings(const config::Env& env);

}  // namespace runtime
