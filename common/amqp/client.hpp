#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

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
class Client {
 public:
  struct Callbacks {
    std::function<void(std::uint64_t generation)> on_ready;
    std::function<void(Delivery)> on_delivery;
    std::function<void(const std::string& why)> on_lost;
    // The broker blocked (memory or disk alarm: `reason`) or unblocked publishing.
    std::function<void(bool blocked, const std::string& reason)> on_blocked;
    // A failure that reconnecting cannot fix (bad credentials are retried; this is e.g. a
    // queue declared with other arguments). The client stops; the process should exit.
    std::function<void(const std::string& why)> on_fatal;
  };

  Client(uv_loop_s& loop, ClientSettings settings, Callbacks callbacks, logging::Logger logger);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Start();
  // Stops consuming (basic.cancel); deliveries already sent still arrive.
  void StopConsuming();
  // Consumes again after StopConsuming (now when connected, else on the next connect).
  void StartConsuming();
  // Closes the connection and every handle; no callback runs afterwards.
  void Close();

  bool connected() const { return connection_.is_open(); }
  std::uint64_t generation() const { return generation_; }
  std::uint64_t reconnects() const { return reconnects_; }

  // Publishes now when connected; otherwise (or when the connection dies before the
  // broker answers) `on_confirm` gets a transient error.
  void Publish(const OutgoingMessage& message, ConfirmCallback on_confirm);
  // Acks on the connection of `generation`; false when that connection is gone.
  bool Ack(std::uint64_t generation, std::uint64_t delivery_tag, bool multiple);
  // Rejects with requeue on the connection of `generation`; false when that connection is gone.
  bool Requeue(std::uint64_t generation, std::uint64_t delivery_tag);

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
  bool closed_ = false;
  bool consuming_wanted_ = true;
  bool blocked_ = false;  // as last reported through on_blocked
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace amqp
