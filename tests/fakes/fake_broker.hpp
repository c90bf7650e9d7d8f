#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/amqp/broker.hpp"
#include "common/amqp/client.hpp"

namespace fakes {

// A broker the test scripts: it connects, delivers, drops the connection and blocks only when
// told, and answers a publish's confirm only when told (ack or nack), like RabbitMQ never
// inside Publish. Records every ack, requeue and publish with the generation it was made on;
// like amqp::Client, an ack or requeue for an older generation is refused (recorded apart).
// Loop (test) thread only.
class FakeBroker final : public amqp::Broker {
 public:
  struct Settle {
    std::uint64_t generation;
    std::uint64_t delivery_tag;
    bool multiple = false;
    bool operator==(const Settle&) const = default;
    // Readable in a failed EXPECT_EQ.
    friend std::ostream& operator<<(std::ostream& out, const Settle& settle) {
      return out << "{generation " << settle.generation << ", tag " << settle.delivery_tag
                 << (settle.multiple ? ", multiple}" : "}");
    }
  };
  struct Published {
    amqp::OutgoingMessage message;
    amqp::ConfirmCallback on_confirm;  // null once answered
  };

  FakeBroker(amqp::ClientSettings settings, Callbacks callbacks)
      : settings_(std::move(settings)), callbacks_(std::move(callbacks)) {}

  // A Consumer::BrokerFactory that makes a FakeBroker and points `*made` at it.
  static auto Factory(FakeBroker** made) {
    return [made](amqp::ClientSettings settings, Callbacks callbacks) {
      auto broker = std::make_unique<FakeBroker>(std::move(settings), std::move(callbacks));
      *made = broker.get();
      return broker;
    };
  }

  // Scripting.
  // A new connection (generation + 1); the consumer hears on_ready.
  void Connect() {
    connected_ = true;
    ++generation_;
    if (callbacks_.on_ready) callbacks_.on_ready(generation_);
  }
  // A delivery on the current connection; returns its delivery tag (1, 2, ... per connection,
  // as RabbitMQ numbers them per channel).
  std::uint64_t Deliver(std::string body, amqp::Headers headers = {}, std::string routing_key = "track.all",
                        std::string message_id = "m") {
    amqp::Delivery delivery;
    delivery.routing_key = std::move(routing_key);
    delivery.message_id = std::move(message_id);
    delivery.body = std::move(body);
    delivery.headers = std::move(headers);
    return Hand(std::move(delivery));
  }
  // A request on the current connection (the control channel's commands): like Deliver, with
  // the AMQP reply-to and correlation-id properties set. Returns its delivery tag.
  std::uint64_t DeliverRequest(std::string body, std::string reply_to, std::string correlation_id) {
    amqp::Delivery delivery;
    delivery.body = std::move(body);
    delivery.reply_to = std::move(reply_to);
    delivery.correlation_id = std::move(correlation_id);
    return Hand(std::move(delivery));
  }
  // The connection dies: unanswered confirms fail (transient), the consumer hears on_lost.
  void DropConnection(const std::string& why = "connection reset") {
    connected_ = false;
    for (std::size_t i = 0; i < published_.size(); ++i) {
      if (published_[i].on_confirm) Answer(i, core::Error::Transient("connection lost: " + why));
    }
    if (callbacks_.on_lost) callbacks_.on_lost(why);
  }
  void SetBlocked(bool blocked, const std::string& reason = "memory alarm") {
    if (callbacks_.on_blocked) callbacks_.on_blocked(blocked, reason);
  }
  // Answers the confirm of publish `index` (in publish order): ok, or a nack.
  void Confirm(std::size_t index) { Answer(index, core::Ok()); }
  void Nack(std::size_t index) { Answer(index, core::Error::Transient("broker refused the message (basic.nack)")); }

  // What the consumer did.
  const amqp::ClientSettings& settings() const { return settings_; }
  const std::vector<Settle>& acks() const { return acks_; }
  const std::vector<Settle>& requeues() const { return requeues_; }
  // Acks and requeues for a connection that is gone: refused, as amqp::Client refuses them.
  const std::vector<Settle>& refused() const { return refused_; }
  const std::vector<Published>& published() const { return published_; }
  bool started() const { return started_; }
  bool consuming() const { return consuming_; }
  bool closed() const { return closed_; }

  // amqp::Broker
  void Start() override {
    started_ = true;
    Connect();
  }
  void StopConsuming() override { consuming_ = false; }
  void StartConsuming() override { consuming_ = true; }
  void Close() override {
    closed_ = true;
    connected_ = false;
  }
  bool connected() const override { return connected_; }
  std::uint64_t generation() const override { return generation_; }
  void Publish(const amqp::OutgoingMessage& message, amqp::ConfirmCallback on_confirm) override {
    if (!connected_) {
      if (on_confirm) on_confirm(core::Error::Transient("not connected to RabbitMQ"));
      return;
    }
    published_.push_back({message, std::move(on_confirm)});
  }
  bool Ack(std::uint64_t generation, std::uint64_t delivery_tag, bool multiple) override {
    return Settled(acks_, {generation, delivery_tag, multiple});
  }
  bool Requeue(std::uint64_t generation, std::uint64_t delivery_tag) override {
    return Settled(requeues_, {generation, delivery_tag, false});
  }

 private:
  // Numbers `delivery` on the current connection and hands it to the consumer.
  std::uint64_t Hand(amqp::Delivery delivery) {
    delivery.delivery_tag = ++last_tag_[generation_];
    delivery.generation = generation_;
    if (callbacks_.on_delivery) callbacks_.on_delivery(std::move(delivery));
    return last_tag_[generation_];
  }
  bool Settled(std::vector<Settle>& into, Settle settle) {
    if (settle.generation != generation_ || !connected_) {
      refused_.push_back(settle);
      return false;
    }
    into.push_back(settle);
    return true;
  }
  void Answer(std::size_t index, core::Result<void> result) {
    auto callback = std::move(published_.at(index).on_confirm);
    published_.at(index).on_confirm = nullptr;
    if (callback) callback(std::move(result));
  }

  amqp::ClientSettings settings_;
  Callbacks callbacks_;
  bool started_ = false;
  bool connected_ = false;
  bool consuming_ = true;
  bool closed_ = false;
  std::uint64_t generation_ = 0;
  std::map<std::uint64_t, std::uint64_t> last_tag_;  // per generation
  std::vector<Settle> acks_;
  std::vector<Settle> requeues_;
  std::vector<Settle> refused_;
  std::vector<Published> published_;
};

}  // namespace fakes
