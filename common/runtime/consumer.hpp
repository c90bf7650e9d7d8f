#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/amqp/client.hpp"
#include "common/logging/logger.hpp"
#include "common/metrics/health.hpp"
#include "common/metrics/worker_metrics.hpp"
#include "common/runtime/delivery_ledger.hpp"
#include "common/runtime/worker_settings.hpp"
#include "common/runtime/writer_thread.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace runtime {

class Consumer;

// What a consumer runs for each delivery: the provider pipeline (enrich -> batch write ->
// follow-ups, provider_pipeline.hpp) or the builder pipeline (gather ids -> rebuild,
// builder_pipeline.hpp). The consumer owns the connection, the ledger, the database thread
// and the shutdown; a pipeline settles each delivery through the consumer (Ack, Requeue,
// PublishThenAck). Loop thread only.
class Pipeline {
 public:
  virtual ~Pipeline() = default;
  // Called once by the consumer's constructor; the consumer outlives the pipeline's use of it.
  virtual void Attach(Consumer& consumer) = 0;
  // The database thread runs: ping the database, start the pipeline's own timers.
  virtual void OnStart() = 0;
  // A delivery, already held in the ledger under `seq`.
  virtual void OnDelivery(std::uint64_t seq) = 0;
  // The connection is gone: forget the deliveries the broker will redeliver
  // (ledger().OnConnectionLost) and anything the pipeline kept about them.
  virtual void OnConnectionLost() = 0;
  // Shutdown began (the consumer no longer receives): finish what is gathered.
  virtual void OnDrain() = 0;
  // Nothing of the pipeline's own is in progress (held deliveries are the consumer's business).
  virtual bool Idle() const = 0;
  // The consumer stopped: close the pipeline's timers.
  virtual void OnStopped() = 0;
};

struct ConsumerSettings {
  std::string name;         // provider or builder: queue tunefleet.<name>, connection name
  std::string kind;         // "worker" or "builder": log lines ("worker stopped")
  std::string item;         // "job" or "follow-up": log lines ("job dead-lettered")
  amqp::Topology topology;  // declared on every connection
  config::AmqpSettings amqp;
  std::chrono::milliseconds shutdown_timeout{30000};
  logging::Logger logger{"runtime"};  // carries the provider or builder label
  logging::Logger amqp_logger{"amqp"};
};

// The one consumer runtime under every worker and builder: consumes its queue (prefetch
// window) into the delivery ledger, hands each delivery to its pipeline, keeps the broker's
// health and metrics, runs the pipeline's database work on one thread, and drains on
// Shutdown: stop receiving, let the pipeline finish what it holds, ack, close; what is not
// finished by the shutdown timeout is left to the broker to redeliver.
class Consumer {
 public:
  // Makes the broker the consumer consumes from, in Start. Without one, an amqp::Client on
  // the loop (RabbitMQ); unit tests give a fakes::FakeBroker.
  using BrokerFactory =
      std::function<std::unique_ptr<amqp::Broker>(amqp::ClientSettings settings, amqp::Broker::Callbacks callbacks)>;

  Consumer(uv_loop_s& loop, ConsumerSettings settings, Pipeline& pipeline, metrics::WorkerMetrics& metrics,
           metrics::HealthState& health, BrokerFactory make_broker = nullptr);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  void Start();
  // Graceful stop. `on_finished` runs once everything is closed (or the shutdown timeout passed).
  void Shutdown(std::function<void()> on_finished);
  // Runs once the consumer has stopped, whatever stopped it.
  void OnFinished(std::function<void()> on_finished) { on_finished_ = std::move(on_finished); }
  // Runs `fn` once, at the first connection to the broker (at once when connected already):
  // what needs a working broker setup, such as the control channel, starts there, so a
  // broker that refuses the worker is reported once, by the consumer.
  void WhenFirstConnected(std::function<void()> fn);

  // For the pipeline.
  DeliveryLedger& ledger() { return ledger_; }
  WriterThread& writer() { return *writer_; }
  amqp::Broker& broker() { return *broker_; }
  metrics::WorkerMetrics& metrics() { return metrics_; }
  metrics::HealthState& health() { return health_; }
  bool draining() const { return draining_; }
  bool finished() const { return finished_; }
  // The broker refused the setup for good (a certificate that does not verify, a queue
  // declared with other arguments): the process should exit non-zero.
  bool setup_failed() const { return setup_failed_; }
  // Settles deliveries, then checks whether a drain has finished.
  void Ack(const std::vector<std::uint64_t>& seqs, const std::string& outcome);
  void Requeue(std::uint64_t seq);
  // Publishes `message` (a retry or a dead letter) with a confirm, then acks `seq` under
  // `outcome`; a refused publish puts the original back instead.
  void PublishThenAck(std::uint64_t seq, amqp::OutgoingMessage message, std::string outcome);
  // Sends `seq` to tunefleet.dead (DeadLetterMessage: why it died, where a replay sends it)
  // and acks it once stored; logs and counts it under `reason`. Gone from the ledger: nothing.
  void DeadLetter(std::uint64_t seq, const std::string& reason, const std::string& why, std::int64_t attempts,
                  const std::string& replay_routing_key);
  // Call when the pipeline became idle during a drain.
  void MaybeFinishShutdown();

  // Why the consumer does not take new deliveries (basic.cancel; deliveries already sent are
  // handled and acked as usual, nothing is requeued). It consumes again once every hold is
  // released and it is not draining. A reconnect keeps the holds.
  enum class Hold { kDatabase, kOperator };
  void HoldDeliveries(Hold hold);
  void ReleaseDeliveries(Hold hold);
  bool held(Hold hold) const { return (holds_ & Bit(hold)) != 0; }

 private:
  void OnConnected();
  void OnConnectionLost();
  void FinishShutdown();
  static unsigned Bit(Hold hold) { return 1U << static_cast<unsigned>(hold); }

  uv_loop_s& loop_;
  ConsumerSettings settings_;
  Pipeline& pipeline_;
  metrics::WorkerMetrics& metrics_;
  metrics::HealthState& health_;
  BrokerFactory make_broker_;
  std::unique_ptr<amqp::Broker> broker_;
  std::unique_ptr<WriterThread> writer_;
  DeliveryLedger ledger_;  // received, not yet acked, retried, requeued or dead-lettered
  bool draining_ = false;
  bool finished_ = false;
  bool setup_failed_ = false;
  unsigned holds_ = 0;  // Bit(Hold) of each hold in force
  uv::Timer shutdown_timer_{loop_};
  std::function<void()> on_finished_;
  std::function<void()> on_first_connected_;
  bool ever_connected_ = false;
};

}  // namespace runtime
