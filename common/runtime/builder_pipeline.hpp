#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/amqp/client.hpp"
#include "common/json/job_parser.hpp"
#include "common/logging/logger.hpp"
#include "common/metrics/builder_metrics.hpp"
#include "common/metrics/health.hpp"
#include "common/metrics/worker_metrics.hpp"
#include "common/runtime/builder.hpp"
#include "common/runtime/consumer.hpp"
#include "common/runtime/delivery_ledger.hpp"
#include "common/runtime/worker_settings.hpp"
#include "common/runtime/writer_thread.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace runtime {

struct BuilderSettings {
  WorkerSettings worker;  // broker, database, metrics, prefetch, shutdown (shared TUNEFLEET_* variables)
  // TUNEFLEET_BUILDER_WINDOW: how long ids gather before a rebuild. A track that several
  // providers finish within the window is rebuilt once.
  std::chrono::milliseconds window{1000};
  // TUNEFLEET_BUILDER_MAX_IDS: a rebuild starts early once this many distinct ids wait, and
  // Builder::Rebuild gets at most this many ids per call.
  std::size_t max_ids = 500;
  // TUNEFLEET_BUILDER_IDLE: pause between Background() calls that found nothing to do.
  std::chrono::milliseconds background_idle{1000};
};

BuilderSettings LoadBuilderSettings(const config::Env& env);

// The builder pipeline: validate follow-ups -> gather their track ids in a set over the
// window -> Builder::Rebuild on the consumer's database thread -> ack every follow-up whose
// ids were rebuilt; plugged into a Consumer.
//
// Guarantees, as for provider workers: a follow-up is acked only after the rebuild of all
// its ids returned (committed); while the database is down nothing is acked and the ids are
// kept and retried with backoff; invalid messages are dead-lettered to
// tunefleet.<builder>.dead with the reason; ids that arrive while a rebuild runs wait for
// the next one (the running rebuild may have read the rows before their change). Loop
// thread only.
class BuilderPipeline final : public Pipeline {
 public:
  BuilderPipeline(BuilderSettings settings, Builder& builder, metrics::BuilderMetrics& builder_metrics,
                  uv_loop_s& loop);
  ~BuilderPipeline() override;
  BuilderPipeline(const BuilderPipeline&) = delete;
  BuilderPipeline& operator=(const BuilderPipeline&) = delete;

  // How the consumer under this pipeline connects: the builder's queue in the fleet's topology.
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
  struct Batch {
    std::vector<std::int64_t> ids;
    std::vector<std::uint64_t> seqs;
  };

  void StartWindow();
  void Flush();
  void OnRebuilt(Batch batch, core::Result<RebuildStats> result, double seconds);
  void RunBackground();
  void ScheduleBackground(std::chrono::milliseconds delay);
  void DeadLetter(std::uint64_t seq, const std::string& reason, const std::string& why);

  uv_loop_s& loop_;
  BuilderSettings settings_;
  Builder& builder_;
  std::string name_;
  metrics::BuilderMetrics& builder_metrics_;
  Consumer* consumer_ = nullptr;
  logging::Logger logger_;
  json::JobParser parser_;
  std::set<std::int64_t> pending_ids_;        // gathered for the next rebuild
  std::vector<std::uint64_t> pending_seqs_;   // the follow-ups those ids came from
  bool writer_busy_ = false;
  bool window_due_ = false;  // the window ended while the database thread was busy
  bool db_down_ = false;
  int db_failures_ = 0;
  uv::Timer window_timer_{loop_};
  uv::Timer retry_timer_{loop_};
  uv::Timer background_timer_{loop_};
};

}  // namespace runtime
