#include "common/metrics/worker_metrics.hpp"

#include "common/core/redact.hpp"

namespace metrics {

WorkerMetrics::WorkerMetrics(std::string provider)
    : provider_(std::move(provider)), registry_(std::make_shared<prometheus::Registry>()) {
  const prometheus::Labels labels{{"provider", provider_}};
  auto& r = *registry_;
  jobs_done_family_ = &prometheus::BuildCounter()
                           .Name("tunefleet_jobs_completed_total")
                           .Help("Jobs finished, by outcome (stored, not_found, retried, dead_lettered)")
                           .Register(r);
  dead_family_ = &prometheus::BuildCounter()
                      .Name("tunefleet_jobs_dead_lettered_total")
                      .Help("Jobs sent to the dead-letter queue, by reason")
                      .Register(r);
  identity_merges_family_ = &prometheus::BuildCounter()
                                 .Name("tunefleet_identity_merges_total")
                                 .Help("Catalog rows merged into another that held the same identifier, by entity "
                                       "and the shared identifier's kind")
                                 .Register(r);
  identity_conflicts_family_ = &prometheus::BuildCounter()
                                    .Name("tunefleet_identity_conflicts_total")
                                    .Help("Rows found sharing one identifier but disagreeing on another (not "
                                          "merged), by entity and the shared identifier's kind")
                                    .Register(r);
  jobs_consumed_ = &prometheus::BuildCounter()
                        .Name("tunefleet_jobs_consumed_total")
                        .Help("Messages received from the job queue")
                        .Register(r)
                        .Add(labels);
  job_duration_ = &prometheus::BuildHistogram()
                       .Name("tunefleet_job_duration_seconds")
                       .Help("Time from delivery to commit or retry/dead-letter decision")
                       .Register(r)
                       .Add(labels, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                             0.5, 1, 2.5, 5, 10, 30});
  batch_size_ = &prometheus::BuildHistogram()
                     .Name("tunefleet_db_batch_rows")
                     .Help("Rows per database transaction")
                     .Register(r)
                     .Add(labels, prometheus::Histogram::BucketBoundaries{1, 10, 50, 100, 250, 500, 1000, 2500});
  commit_seconds_ = &prometheus::BuildHistogram()
                         .Name("tunefleet_db_commit_seconds")
                         .Help("Duration of one batch transaction")
                         .Register(r)
                         .Add(labels, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                               0.05, 0.1, 0.25, 0.5, 1, 2.5});
  db_errors_ = &prometheus::BuildCounter()
                    .Name("tunefleet_db_errors_total")
                    .Help("Failed batch transactions (retried)")
                    .Register(r)
                    .Add(labels);
  amqp_reconnects_ = &prometheus::BuildCounter()
                          .Name("tunefleet_amqp_reconnects_total")
                          .Help("RabbitMQ connections lost and retried")
                          .Register(r)
                          .Add(labels);
  followups_published_ = &prometheus::BuildCounter()
                              .Name("tunefleet_followups_published_total")
                              .Help("Follow-up jobs confirmed by the broker")
                              .Register(r)
                              .Add(labels);
  album_track_jobs_published_ = &prometheus::BuildCounter()
                                     .Name("tunefleet_album_track_jobs_published_total")
                                     .Help("Track jobs published from albums' tracklists, confirmed by the broker")
                                     .Register(r)
                                     .Add(labels);
  in_flight_ = &prometheus::BuildGauge()
                    .Name("tunefleet_jobs_in_flight")
                    .Help("Deliveries received and not yet acked")
                    .Register(r)
                    .Add(labels);
  database_up_ = &prometheus::BuildGauge()
                      .Name("tunefleet_database_up")
                      .Help("1 when the last database operation succeeded")
                      .Register(r)
                      .Add(labels);
  broker_up_ = &prometheus::BuildGauge()
                    .Name("tunefleet_broker_up")
                    .Help("1 while connected to RabbitMQ")
                    .Register(r)
                    .Add(labels);
}

prometheus::Counter& WorkerMetrics::JobsDone(const std::string& outcome) {
  return jobs_done_family_->Add({{"provider", provider_}, {"outcome", core::Redact(outcome)}});
}

prometheus::Counter& WorkerMetrics::DeadLettered(const std::string& reason) {
  return dead_family_->Add({{"provider", provider_}, {"reason", core::Redact(reason)}});
}

prometheus::Counter& WorkerMetrics::IdentityMerges(const std::string& entity, const std::string& kind) {
  return identity_merges_family_->Add({{"provider", provider_}, {"entity", entity}, {"kind", kind}});
}

prometheus::Counter& WorkerMetrics::IdentityConflicts(const std::string& entity, const std::string& kind) {
  return identity_conflicts_family_->Add({{"provider", provider_}, {"entity", entity}, {"kind", kind}});
}

}  // namespace metrics
