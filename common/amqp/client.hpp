#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "common/amqp/broker.hpp"
#include "common/amqp/connection.hpp"
#include "common/logging/logger.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace amqp {

struct ClientSettings {
  ConnectionSettings connection;
  Topology topology;                 // declared on every (re)connect
  std::string queue;                 // consumed when set; empty = publish only
  std::uint16_t prefetch = 1000;     // unacked deliveries the broker may hand us
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{15000};
  // A publish unconfirmed this long (while the broker does not block us) means a broken
  // connection: it is dropped and reconnected, and the pending confirms fail (transient).
  std::chrono::milliseconds confirm_timeout{60000};
};

// A RabbitMQ connection living on a libuv loop: socket readiness through uv_poll, heartbeats
// and reconnects through uv timers, no threads. On any failure it drops the connection,
// reports it, and reconnects with exponential backoff and full jitter, redeclaring the
// topology. Each connection has a new generation; deliveries of an old generation can no
// longer be acked (the broker redelivers them). Loop thread only; not copyable.
class Client final : public Broker {
 public:
  Client(uv_loop_s& loop, ClientSettings settings, Callbacks callbacks, logging::Logger logger);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Broker
  void Start() override;
  void StopConsuming() override;
  void StartConsuming() override;
  void Close() override;
  bool connected() const override { return connection_.is_open(); }
  std::uint64_t generation() const override { return generation_; }
  void Publish(const OutgoingMessage& message, ConfirmCallback on_confirm) override;
  bool Ack(std::uint64_t generation, std::uint64_t delivery_tag, bool multiple) override;
  bool Requeue(std::uint64_t generation, std::uint64_t delivery_tag) override;

  std::uint64_t reconnects() const { return reconnects_; }

 private:
  void Connect();
  void OnReadable();
  void OnTick();
  void Pump();
  void Lose(const std::string& why);
  void ReportBlocked();
  void ScheduleReconnect();
  void StopPoll();

  uv_loop_s& loop_;
  ClientSettings settings_;
  Callbacks callbacks_;
  logging::Logger logger_;
  Connection connection_;
  std::unique_ptr<uv::Poll> poll_;  // while connected
  uv::Timer tick_timer_;
  uv::Timer reconnect_timer_;
  bool handles_closed_ = false;
  std::uint64_t generation_ = 0;
  std::uint64_t reconnects_ = 0;
  int failed_attempts_ = 0;
  bool refusing_ = false;  // lost the connection to refusals (basic.nack), no confirm since
  bool closed_ = false;
  bool consuming_wanted_ = true;
  bool blocked_ = false;  // as last reported through on_blocked
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace amqp
