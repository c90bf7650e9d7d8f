#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/amqp/connection.hpp"
#include "common/amqp/message.hpp"

namespace amqp {

// What a consumer needs of its broker: consume, settle deliveries, publish with confirms,
// and hear about connects, losses and alarms. Client is the RabbitMQ one; unit tests drive
// fakes::FakeBroker instead. Each connection has a new generation; a delivery can only be
// settled on the connection (generation) that delivered it. Loop thread only.
class Broker {
 public:
  // Given when the broker is made; run on the loop thread.
  struct Callbacks {
    std::function<void(std::uint64_t generation)> on_ready;
    std::function<void(Delivery)> on_delivery;
    std::function<void(const std::string& why)> on_lost;
    // The broker blocked (memory or disk alarm: `reason`) or unblocked publishing.
    std::function<void(bool blocked, const std::string& reason)> on_blocked;
    // A failure that reconnecting cannot fix (bad credentials are retried; this is e.g. a
    // queue declared with other arguments). The broker stops; the process should exit.
    std::function<void(const std::string& why)> on_fatal;
  };

  virtual ~Broker() = default;

  virtual void Start() = 0;
  // Stops consuming (basic.cancel); deliveries already sent still arrive.
  virtual void StopConsuming() = 0;
  // Consumes again after StopConsuming (now when connected, else on the next connect).
  virtual void StartConsuming() = 0;
  // Closes the connection and every handle; no callback runs afterwards.
  virtual void Close() = 0;

  virtual bool connected() const = 0;
  virtual std::uint64_t generation() const = 0;

  // Publishes now when connected; otherwise (or when the connection dies before the
  // broker answers) `on_confirm` gets a transient error.
  virtual void Publish(const OutgoingMessage& message, ConfirmCallback on_confirm) = 0;
  // Acks on the connection of `generation`; false when that connection is gone.
  virtual bool Ack(std::uint64_t generation, std::uint64_t delivery_tag, bool multiple) = 0;
  // Rejects with requeue on the connection of `generation`; false when that connection is gone.
  virtual bool Requeue(std::uint64_t generation, std::uint64_t delivery_tag) = 0;
};

}  // namespace amqp
