#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/amqp/broker.hpp"
#include "common/amqp/client.hpp"
#include "common/config/settings.hpp"
#include "common/control/protocol.hpp"
#include "common/logging/logger.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace control {

// What the control channel asks of the process it serves (runtime::ProcessControl).
class Target {
 public:
  virtual ~Target() = default;
  // The process's state now; the channel fills in who, uptime and heartbeat.
  virtual Status Describe() const = 0;
  // Applies `command` (never kPing): what was done, or an error saying why it was refused
  // (then nothing changed).
  virtual core::Result<std::string> Apply(const Command& command) = 0;
};

struct ChannelSettings {
  config::AmqpSettings amqp;  // url, TLS, heartbeat, control_heartbeat
  Identity who;
};

// A worker's or builder's end of the control channel, on its own RabbitMQ connection so
// that a paused or busy job consumer never delays a command: binds the process's exclusive,
// auto-delete queue to kCommandExchange (BindingKeys), answers each command to its reply-to
// with the correlation id, and publishes the process's Status to kAnnounceExchange every
// control_heartbeat (and at once after a command). Reconnects like every amqp::Client.
// A command without a reply-to is applied and logged. Loop thread only.
class ControlChannel {
 public:
  using BrokerFactory =
      std::function<std::unique_ptr<amqp::Broker>(amqp::ClientSettings settings, amqp::Broker::Callbacks callbacks)>;

  ControlChannel(uv_loop_s& loop, ChannelSettings settings, Target& target, logging::Logger logger,
                 BrokerFactory make_broker = nullptr);
  ~ControlChannel();
  ControlChannel(const ControlChannel&) = delete;
  ControlChannel& operator=(const ControlChannel&) = delete;

  void Start();
  // Closes the connection and the heartbeat timer; idempotent.
  void Close();

  // The topology the channel declares: both exchanges, its queue and bindings.
  static amqp::Topology ChannelTopology(const Identity& who);

 private:
  void OnDelivery(const amqp::Delivery& delivery);
  void Announce();
  Status Snapshot() const;
  void Answer(const amqp::Delivery& delivery, const Reply& reply);

  ChannelSettings settings_;
  Target& target_;
  logging::Logger logger_;
  BrokerFactory make_broker_;
  uv_loop_s& loop_;
  std::unique_ptr<amqp::Broker> broker_;
  uv::Timer heartbeat_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool closed_ = false;
};

}  // namespace control
