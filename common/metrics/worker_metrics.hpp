#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace metrics {

// Every metric a worker exports, defined once here (docs/OPERATIONS.md lists them).
// Labelled children are created lazily per provider/outcome; prometheus-cpp makes
// increments thread safe.
class WorkerMetrics {
 public:
  explicit WorkerMetrics(std::string provider);

  prometheus::Registry& registry() { return *registry_; }

  // outcome: stored, not_found, retried, dead_lettered
  prometheus::Counter& JobsDone(const std::string& outcome);
  // reason: invalid_message, invalid_input, attempts_exhausted, database_refused
  prometheus::Counter& DeadLettered(const std::string& reason);
  prometheus::Counter& JobsConsumed() { return *jobs_consumed_; }
  prometheus::Histogram& JobDuration() { return *job_duration_; }
  prometheus::Histogram& BatchSize() { return *batch_size_; }
  prometheus::Histogram& CommitSeconds() { return *commit_seconds_; }
  prometheus::Counter& DbErrors() { return *db_errors_; }
  prometheus::Counter& AmqpReconnects() { return *amqp_reconnects_; }
  prometheus::Counter& FollowupsPublished() { return *followups_published_; }
  // Track jobs published from albums' tracklists, confirmed by the broker.
  prometheus::Counter& AlbumTrackJobsPublished() { return *album_track_jobs_published_; }
  // Catalog rows a write merged into another (docs/DATABASE.md, "Merging rows"). entity:
  // track | album (| artist); kind: the identifier the two rows shared (isrc, mbid, ...).
  prometheus::Counter& IdentityMerges(const std::string& entity, const std::string& kind);
  // Pairs of rows a write found sharing one identifier but holding different values of
  // another: not merged, listed in identity_conflicts (`tunefleet identity conflicts`).
  prometheus::Counter& IdentityConflicts(const std::string& entity, const std::string& kind);
  prometheus::Gauge& InFlight() { return *in_flight_; }
  prometheus::Gauge& DatabaseUp() { return *database_up_; }
  prometheus::Gauge& BrokerUp() { return *broker_up_; }

 private:
  std::string provider_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* jobs_done_family_;
  prometheus::Family<prometheus::Counter>* dead_family_;
  prometheus::Family<prometheus::Counter>* identity_merges_family_;
  prometheus::Family<prometheus::Counter>* identity_conflicts_family_;
  prometheus::Counter* jobs_consumed_;
  prometheus::Histogram* job_duration_;
  prometheus::Histogram* batch_size_;
  prometheus::Histogram* commit_seconds_;
  prometheus::Counter* db_errors_;
  prometheus::Counter* amqp_reconnects_;
  prometheus::Counter* followups_published_;
  prometheus::Counter* album_track_jobs_published_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* database_up_;
  prometheus::Gauge* broker_up_;
};

}  // namespace metrics
