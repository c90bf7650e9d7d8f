#include "common/runtime/consumer.hpp"

#include <utility>

#include "common/runtime/dead_letter.hpp"
#include "common/runtime/fault_injection.hpp"
#include "common/runtime/topology.hpp"

namespace runtime {

Consumer::Consumer(uv_loop_s& loop, ConsumerSettings settings, Pipeline& pipeline, metrics::WorkerMetrics& metrics,
                   metrics::HealthState& health, BrokerFactory make_broker)
    : loop_(loop),
      settings_(std::move(settings)),
      pipeline_(pipeline),
      metrics_(metrics),
      health_(health),
      make_broker_(std::move(make_broker)),
      ledger_(metrics) {
  health_.SetHealthy("rabbitmq", false);
  health_.SetHealthy("postgres", false);
  pipeline_.Attach(*this);
}

Consumer::~Consumer() {
  if (!finished_) FinishShutdown();
}

void Consumer::Start() {
  writer_ = std::make_unique<WriterThread>(loop_);
  pipeline_.OnStart();

  amqp::ClientSettings client_settings;
  client_settings.connection.url = settings_.amqp.url;
  client_settings.connection.heartbeat = settings_.amqp.heartbeat;
  client_settings.connection.tls_ca_file = settings_.amqp.tls_ca_file;
  client_settings.connection.connection_name = "tunefleet-" + settings_.name;
  client_settings.topology = settings_.topology;
  client_settings.queue = JobQueue(settings_.name);
  client_settings.prefetch = settings_.amqp.prefetch;
  amqp::Broker::Callbacks callbacks;
  callbacks.on_ready = [this](std::uint64_t) { OnConnected(); };
  callbacks.on_delivery = [this](amqp::Delivery delivery) {
    pipeline_.OnDelivery(ledger_.Add(std::move(delivery)));
  };
  callbacks.on_lost = [this](const std::string&) { OnConnectionLost(); };
  // Blocked by a memory or disk alarm: not ready (nothing new can be acked) until unblocked.
  callbacks.on_blocked = [this](bool blocked, const std::string&) {
    health_.SetHealthy("rabbitmq", !blocked && broker_ && broker_->connected());
  };
  callbacks.on_fatal = [this](const std::string& why) {
    settings_.logger.Error("cannot set up RabbitMQ; stopping", {{"error", why}});
    setup_failed_ = true;
    Shutdown(on_finished_);
  };
  if (make_broker_) {
    broker_ = make_broker_(std::move(client_settings), std::move(callbacks));
  } else {
    broker_ = std::make_unique<amqp::Client>(loop_, std::move(client_settings), std::move(callbacks),
                                             settings_.amqp_logger);
  }
  ledger_.Attach(*broker_);
  if (holds_ != 0) broker_->StopConsuming();  // held before the start: connect without consuming
  broker_->Start();
}

void Consumer::OnConnected() {
  ledger_.OnConnected();
  health_.SetHealthy("rabbitmq", true);
  metrics_.BrokerUp().Set(1);
  ever_connected_ = true;
  if (on_first_connected_) {
    auto fn = std::move(on_first_connected_);
    on_first_connected_ = nullptr;
    fn();
  }
}

void Consumer::WhenFirstConnected(std::function<void()> fn) {
  if (ever_connected_) {
    fn();
    return;
  }
  on_first_connected_ = std::move(fn);
}

void Consumer::OnConnectionLost() {
  health_.SetHealthy("rabbitmq", false);
  metrics_.BrokerUp().Set(0);
  metrics_.AmqpReconnects().Increment();
  pipeline_.OnConnectionLost();
  MaybeFinishShutdown();
}

void Consumer::Ack(const std::vector<std::uint64_t>& seqs, const std::string& outcome) {
  ledger_.Ack(seqs, outcome);
  MaybeFinishShutdown();
}

void Consumer::Requeue(std::uint64_t seq) {
  ledger_.Requeue(seq);
  MaybeFinishShutdown();
}

void Consumer::PublishThenAck(std::uint64_t seq, amqp::OutgoingMessage message, std::string outcome) {
  broker_->Publish(message, [this, seq, outcome](core::Result<void> confirmed) {
    if (confirmed && outcome == "retried") fault::KillPoint(fault::kAfterRetryConfirm);
    if (confirmed) Ack({seq}, outcome);
    else Requeue(seq);  // not stored by the broker: put the original back
  });
}

void Consumer::DeadLetter(std::uint64_t seq, const std::string& reason, const std::string& why, std::int64_t attempts,
                          const std::string& replay_routing_key) {
  const HeldDelivery* held = ledger_.Find(seq);
  if (held == nullptr) return;
  settings_.logger.WithJob(held->job_id, held->trace_id)
      .Error(settings_.item + " dead-lettered", {{"reason", reason}, {"error", why}, {"attempts", attempts}});
  metrics_.DeadLettered(reason).Increment();
  PublishThenAck(seq, DeadLetterMessage(held->delivery, settings_.name, reason, why, attempts, replay_routing_key),
                 "dead_lettered");
}

void Consumer::HoldDeliveries(Hold hold) {
  bool was_consuming = holds_ == 0;
  holds_ |= Bit(hold);
  if (was_consuming && broker_ && !draining_) broker_->StopConsuming();
}

void Consumer::ReleaseDeliveries(Hold hold) {
  if (!held(hold)) return;
  holds_ &= ~Bit(hold);
  if (holds_ == 0 && broker_ && !draining_) broker_->StartConsuming();
}

void Consumer::Shutdown(std::function<void()> on_finished) {
  if (on_finished) on_finished_ = std::move(on_finished);
  if (draining_) return;
  draining_ = true;
  if (broker_) broker_->StopConsuming();
  shutdown_timer_.Start(settings_.shutdown_timeout, [this] {
    settings_.logger.Warn("shutdown timeout: leaving unfinished " + settings_.item + "s to be redelivered",
                          {{"in_flight", ledger_.size()}});
    FinishShutdown();
  });
  pipeline_.OnDrain();
  MaybeFinishShutdown();
}

void Consumer::MaybeFinishShutdown() {
  if (!draining_ || finished_) return;
  // Deliveries waiting for a dead connection or a down database cannot finish; the timeout ends those.
  if (ledger_.empty() && pipeline_.Idle()) FinishShutdown();
}

void Consumer::FinishShutdown() {
  if (finished_) return;
  finished_ = true;
  if (broker_) broker_->Close();
  if (writer_) writer_->Stop();
  shutdown_timer_.Close();
  pipeline_.OnStopped();
  settings_.logger.Info(settings_.kind + " stopped", {{"unfinished", ledger_.size()}});
  if (on_finished_) {
    auto callback = std::move(on_finished_);
    on_finished_ = nullptr;
    callback();
  }
}

}  // namespace runtime
