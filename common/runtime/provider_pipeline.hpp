#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/amqp/client.hpp"
#include "common/db/catalog_writer.hpp"
#include "common/json/job_parser.hpp"
#include "common/logging/logger.hpp"
#include "common/metrics/health.hpp"
#include "common/metrics/worker_metrics.hpp"
#include "common/runtime/consumer.hpp"
#include "common/runtime/delivery_ledger.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/topology.hpp"
#include "common/runtime/worker_settings.hpp"
#include "common/runtime/writer_thread.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace runtime {

// The provider pipeline: validate -> provider -> batch -> one transaction on the consumer's
// database thread -> follow-ups with confirms -> ack; plugged into a Consumer.
//
// Delivery is at least once and every write is idempotent, so the guarantees are:
// a message is acked only after its rows committed and its follow-ups were confirmed;
// invalid messages are dead-lettered with a reason and never retried; transient failures
// go through the delay queues with an attempt counter and are dead-lettered after
// `max_attempts`; while the database is down nothing is acked or dead-lettered and no new
// delivery is started. Loop thread only.
class ProviderPipeline final : public Pipeline {
 public:
  // `store` is used on the consumer's database thread only (db::CatalogWriter in the workers).
  ProviderPipeline(WorkerSettings settings, Provider& provider, std::unique_ptr<db::CatalogStore> store,
                   uv_loop_s& loop);
  ~ProviderPipeline() override;
  ProviderPipeline(const ProviderPipeline&) = delete;
  ProviderPipeline& operator=(const ProviderPipeline&) = delete;

  // How the consumer under this pipeline connects: the provider's queue in the fleet's topology.
  ConsumerSettings Consuming(const config::ProviderNames& fleet) const;

  // Pipeline
  void Attach(Consumer& consumer) override;
  void OnStart() override;
  void OnDelivery(std::uint64_t seq) override;
  void OnConnectionLost() override;
  void OnDrain() override;
  bool Idle() const override;
  void OnStopped() override;

 private:
  struct Pending {
    std::uint64_t seq;
    Enrichment enrichment;
  };

  void Process(std::uint64_t seq);
  void OnEnriched(std::uint64_t seq, core::Result<Enrichment> result);
  void ScheduleFlush();
  void Flush();
  void OnBatchWritten(std::vector<Pending> batch, core::Result<std::vector<db::JobIds>> result,
                      double seconds);
  // Counts the merges and conflicts a committed batch met (tunefleet_identity_*_total).
  void CountIdentity(const std::vector<db::MergeResult>& identity);
  void PublishFollowupsAndAck(std::vector<Pending> batch, const std::vector<db::JobIds>& ids);
  void Retry(std::uint64_t seq, const core::Error& error);
  void DeadLetter(std::uint64_t seq, const std::string& reason, const std::string& why, std::int64_t attempts);
  void ResumeWaiting();
  void GiveBackHeldJobs();
  void ProbeDatabase();
  void OnDatabaseBack();
  void ScheduleDatabaseRetry();
  logging::Logger JobLogger(const HeldDelivery& job) const;

  uv_loop_s& loop_;
  WorkerSettings settings_;
  Provider& provider_;
  std::string provider_name_;
  Consumer* consumer_ = nullptr;
  logging::Logger logger_;
  json::JobParser parser_;
  std::vector<DelayTier> tiers_;
  std::unique_ptr<db::CatalogStore> store_;  // used on the database thread only
  std::deque<std::uint64_t> waiting_;  // received while the database is down
  std::deque<Pending> pending_;        // enriched, not yet written
  std::size_t pending_rows_ = 0;
  std::deque<Pending> singles_;        // a refused batch, retried one job at a time
  bool writer_busy_ = false;
  bool db_down_ = false;
  std::chrono::steady_clock::time_point db_down_since_{};
  bool paused_for_db_ = false;  // held jobs given back, not consuming until the DB answers
  bool stopped_ = false;        // OnStopped: the provider is closed, answers are not used
  int marks_in_flight_ = 0;     // album track jobs confirmed, their rows not yet marked
  int db_failures_ = 0;
  uv::Timer batch_timer_{loop_};
  uv::Timer db_retry_timer_{loop_};
};

}  // namespace runtime
