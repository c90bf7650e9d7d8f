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
#include "common/json/job_parser.hpp"
#include "common/logging/logger.hpp"
#include "common/metrics/health.hpp"
#include "common/metrics/worker_metrics.hpp"
#include "common/runtime/delivery_ledger.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/topology.hpp"
#include "common/runtime/worker_settings.hpp"
#include "common/runtime/writer_thread.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace db {
class CatalogWriter;
}

namespace runtime {

// The loop every provider worker runs: consume (prefetch window) -> validate -> provider ->
// batch -> one transaction on the writer thread -> follow-ups with confirms -> ack.
//
// Delivery is at least once and every write is idempotent, so the guarantees are:
// a message is acked only after its rows committed and its follow-ups were confirmed;
// invalid messages are dead-lettered with a reason and never retried; transient failures
// go through the delay queues with an attempt counter and are dead-lettered after
// `max_attempts`; while the database is down nothing is acked or dead-lettered and no new
// delivery is started. Loop thread only.
class Worker {
 public:
  Worker(uv_loop_s& loop, WorkerSettings settings, Provider& provider, metrics::WorkerMetrics& metrics,
         metrics::HealthState& health);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Start();
  // Graceful stop: cancel the consumer, finish in-flight jobs and the pending batch, ack,
  // close. `on_finished` runs once everything is closed (or the shutdown timeout passed).
  void Shutdown(std::function<void()> on_finished);
  // Runs once the worker has stopped, whatever stopped it.
  void OnFinished(std::function<void()> on_finished) { on_finished_ = std::move(on_finished); }

 private:
  struct Pending {
    std::uint64_t seq;
    Enrichment enrichment;
  };

  void OnDelivery(amqp::Delivery delivery);
  void OnConnected(std::uint64_t generation);
  void OnConnectionLost();
  void Process(std::uint64_t seq);
  void OnEnriched(std::uint64_t seq, core::Result<Enrichment> result);
  void ScheduleFlush();
  void Flush();
  void OnBatchWritten(std::vector<Pending> batch, core::Result<std::vector<std::vector<std::int64_t>>> result,
                      double seconds);
  void PublishFollowupsAndAck(std::vector<Pending> batch, const std::vector<std::vector<std::int64_t>>& ids);
  void Retry(std::uint64_t seq, const core::Error& error);
  void DeadLetter(std::uint64_t seq, const std::string& reason, const std::string& why, std::int64_t attempts);
  void PublishThenAck(std::uint64_t seq, amqp::OutgoingMessage message, std::string outcome);
  void Ack(const std::vector<std::uint64_t>& seqs, const std::string& outcome);
  void Requeue(std::uint64_t seq);
  void ResumeWaiting();
  void GiveBackHeldJobs();
  void ProbeDatabase();
  void OnDatabaseBack();
  void ScheduleDatabaseRetry();
  void MaybeFinishShutdown();
  void FinishShutdown();
  logging::Logger JobLogger(const HeldDelivery& job) const;

  uv_loop_s& loop_;
  WorkerSettings settings_;
  Provider& provider_;
  std::string provider_name_;
  metrics::WorkerMetrics& metrics_;
  metrics::HealthState& health_;
  logging::Logger logger_;
  json::JobParser parser_;
  std::vector<DelayTier> tiers_;
  std::unique_ptr<amqp::Client> client_;
  std::unique_ptr<WriterThread> writer_;
  std::unique_ptr<db::CatalogWriter> store_;  // used on the writer thread only
  DeliveryLedger ledger_;  // received, not yet acked, retried or dead-lettered
  std::deque<std::uint64_t> waiting_;  // received while the database is down
  std::deque<Pending> pending_;        // enriched, not yet written
  std::size_t pending_rows_ = 0;
  std::deque<Pending> singles_;        // a refused batch, retried one job at a time
  bool writer_busy_ = false;
  bool db_down_ = false;
  std::chrono::steady_clock::time_point db_down_since_{};
  bool paused_for_db_ = false;  // held jobs given back, not consuming until the DB answers
  int db_failures_ = 0;
  bool draining_ = false;
  bool finished_ = false;
  uv::Timer batch_timer_{loop_};
  uv::Timer db_retry_timer_{loop_};
  uv::Timer shutdown_timer_{loop_};
  std::function<void()> on_finished_;
};

}  // namespace runtime
