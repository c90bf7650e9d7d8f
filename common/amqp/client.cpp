#include "common/amqp/client.hpp"

#include <uv.h>

#include <algorithm>
#include <cmath>

namespace amqp {

Client::Client(uv_loop_s& loop, ClientSettings settings, Callbacks callbacks, logging::Logger logger)
    : loop_(loop),
      settings_(std::move(settings)),
      callbacks_(std::move(callbacks)),
      logger_(std::move(logger)),
      connection_(settings_.connection),
      tick_timer_(loop),
      reconnect_timer_(loop) {}

Client::~Client() { Close(); }

void Client::Start() {
  closed_ = false;
  Connect();
  // Heartbeats are sent and checked inside rabbitmq-c's frame reads, so a periodic pump is
  // what keeps an idle connection alive.
  tick_timer_.Start(std::chrono::seconds{1}, [this] { OnTick(); }, std::chrono::seconds{1});
}

void Client::Close() {
  if (handles_closed_) return;
  handles_closed_ = true;
  closed_ = true;
  StopPoll();
  connection_.Close();
  tick_timer_.Close();
  reconnect_timer_.Close();
}

void Client::StopConsuming() {
  consuming_wanted_ = false;
  if (connection_.is_open()) {
    if (auto r = connection_.CancelConsume(); !r) Lose(r.error().message);
  }
}

void Client::StartConsuming() {
  if (consuming_wanted_) return;
  consuming_wanted_ = true;
  if (connection_.is_open() && !settings_.queue.empty()) {
    if (auto r = connection_.Consume(settings_.queue, settings_.prefetch); !r) Lose(r.error().message);
  }
}

void Client::Connect() {
  if (closed_) return;
  auto fail = [this](const core::Error& error) {
    connection_.Close(false);
    if (error.kind == core::ErrorKind::kInvalidInput) {
      // An owner that handles on_fatal reports it: one line, not two.
      if (!callbacks_.on_fatal) logger_.Error("rabbitmq setup refused; not retrying", {{"error", error.message}});
      closed_ = true;
      if (callbacks_.on_fatal) callbacks_.on_fatal(error.message);
      return;
    }
    logger_.Warn("rabbitmq connect failed", {{"error", error.message}, {"attempt", failed_attempts_ + 1}});
    ScheduleReconnect();
  };
  if (auto r = connection_.Open(); !r) return fail(r.error());
  if (auto r = connection_.Declare(settings_.topology); !r) return fail(r.error());
  for (const auto& queue : connection_.queues_without_added_arguments()) {
    logger_.Warn("queue was declared by an earlier tunefleet without at-least-once dead-lettering; "
                 "run `tunefleet topology upgrade` once (docs/RUNTIME.md, \"Upgrading the topology\")",
                 {{"queue", queue}});
  }
  if (!settings_.queue.empty() && consuming_wanted_) {
    if (auto r = connection_.Consume(settings_.queue, settings_.prefetch); !r) return fail(r.error());
  }
  if (!refusing_) failed_attempts_ = 0;
  ++generation_;
  poll_ = std::make_unique<uv::Poll>(loop_, connection_.socket_fd());
  poll_->Start(uv::Poll::kReadable, [this](int status, int) {
    if (status < 0) {
      Lose(std::string("socket error: ") + uv_strerror(status));
      return;
    }
    OnReadable();
  });
  logger_.Info("rabbitmq connected", {{"endpoint", connection_.Endpoint()}, {"queue", settings_.queue},
                                      {"generation", static_cast<std::int64_t>(generation_)}});
  if (callbacks_.on_ready) callbacks_.on_ready(generation_);
  // Frames may already sit in rabbitmq-c's buffer from the setup RPCs.
  Pump();
}

void Client::OnReadable() { Pump(); }

void Client::OnTick() {
  if (!connection_.is_open()) return;
  Pump();
  if (!connection_.is_open()) return;
  if (auto waited = connection_.UnconfirmedFor(); waited && *waited > settings_.confirm_timeout) {
    Lose("no publisher confirm for " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*waited).count()) + " s (" +
         std::to_string(connection_.unconfirmed()) + " messages waiting)");
  }
}

void Client::Pump() {
  if (!connection_.is_open()) return;
  const std::uint64_t refused_before = connection_.refused();
  const std::uint64_t confirmed_before = connection_.confirmed();
  auto result = connection_.Pump([this](Delivery delivery) {
    delivery.generation = generation_;
    if (callbacks_.on_delivery) callbacks_.on_delivery(std::move(delivery));
  });
  if (!result) {
    Lose(result.error().message);
    return;
  }
  if (connection_.confirmed() != confirmed_before) refusing_ = false;
  // A refusal is not the message's fault: in a cluster, a channel whose quorum queue changed
  // leader under it can go on refusing everything it publishes. The owner has already been
  // told (its confirm callbacks failed); a new connection gets a new channel. Without it the
  // owner would requeue and republish into the same refusals in a tight loop, and each round
  // counts against the queue's delivery limit. While refusals go on (no confirm between
  // them), the reconnect backoff keeps growing as if the connects had failed.
  if (const std::uint64_t refused = connection_.refused() - refused_before; refused > 0 && connection_.is_open()) {
    refusing_ = true;
    Lose("RabbitMQ refused " + std::to_string(refused) +
         " published messages (basic.nack); reconnecting for a new channel");
    return;
  }
  ReportBlocked();
}

void Client::ReportBlocked() {
  const bool blocked = connection_.is_open() && connection_.blocked();
  if (blocked == blocked_) return;
  blocked_ = blocked;
  if (blocked) {
    logger_.Warn("rabbitmq blocks publishing (memory or disk alarm); waiting, nothing is acked before it is stored",
                 {{"reason", connection_.blocked_reason()}});
  } else {
    logger_.Info("rabbitmq unblocked publishing; resuming");
  }
  if (callbacks_.on_blocked) callbacks_.on_blocked(blocked, blocked ? connection_.blocked_reason() : std::string());
}

void Client::Lose(const std::string& why) {
  if (!connection_.is_open() && poll_ == nullptr) return;
  logger_.Warn("rabbitmq connection lost", {{"error", why}});
  StopPoll();
  connection_.Close(false);  // fails pending confirms with a transient error
  ReportBlocked();           // a new connection starts unblocked
  if (callbacks_.on_lost) callbacks_.on_lost(why);
  ScheduleReconnect();
}

void Client::ScheduleReconnect() {
  if (closed_ || handles_closed_) return;
  ++failed_attempts_;
  ++reconnects_;
  // Exponential backoff with full jitter: uniform in [0, min(max, min * 2^attempt)].
  double ceiling = std::min(static_cast<double>(settings_.reconnect_max.count()),
                            static_cast<double>(settings_.reconnect_min.count()) *
                                std::pow(2.0, std::min(failed_attempts_, 20)));
  std::uniform_real_distribution<double> jitter(static_cast<double>(settings_.reconnect_min.count()), ceiling);
  auto delay = static_cast<std::uint64_t>(jitter(random_));
  reconnect_timer_.Start(std::chrono::milliseconds{delay}, [this] { Connect(); });
}

void Client::StopPoll() {
  poll_.reset();
}

void Client::Publish(const OutgoingMessage& message, ConfirmCallback on_confirm) {
  if (!connection_.is_open()) {
    if (on_confirm) on_confirm(core::Error::Transient("not connected to RabbitMQ"));
    return;
  }
  // Publish stores the callback; on failure it did not, so report here.
  if (auto r = connection_.Publish(message, on_confirm); !r) {
    if (on_confirm) on_confirm(r.error());
    Lose(r.error().message);
  }
}

bool Client::Ack(std::uint64_t generation, std::uint64_t delivery_tag, bool multiple) {
  if (generation != generation_ || !connection_.is_open()) return false;
  if (auto r = connection_.Ack(delivery_tag, multiple); !r) {
    Lose(r.error().message);
    return false;
  }
  return true;
}

bool Client::Requeue(std::uint64_t generation, std::uint64_t delivery_tag) {
  if (generation != generation_ || !connection_.is_open()) return false;
  if (auto r = connection_.Reject(delivery_tag, true); !r) {
    Lose(r.error().message);
    return false;
  }
  return true;
}

}  // namespace amqp
