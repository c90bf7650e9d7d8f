#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/amqp/endpoints.hpp"
#include "common/amqp/message.hpp"
#include "common/core/result.hpp"

namespace amqp {

struct ConnectionSettings {
  // amqp://user:pass@host:port/vhost, or several nodes of one cluster comma-separated
  // (amqp::SplitUrls); Open tries them in turn (amqp::EndpointRotation).
  std::string url;
  std::chrono::seconds heartbeat{30};         // 0 disables heartbeats
  std::chrono::milliseconds connect_timeout{5000};
  std::string connection_name = "tunefleet";  // shown in the management UI
  // amqps:// only: PEM file of the CA(s) that sign the broker's certificate; empty: the
  // system's trust store. The peer and its host name are always verified.
  std::string tls_ca_file = {};
};

// Called once per published message when the broker confirms (ok) or refuses it, or with
// a transient error when the connection dies first (the message may or may not be stored).
using ConfirmCallback = std::function<void(core::Result<void>)>;

// One AMQP connection with a consume channel (1) and a publish channel in confirm mode (2).
// Wraps rabbitmq-c; not thread safe; every call happens on the owning thread. Methods that
// talk to the broker synchronously (Open, Declare, Consume, WaitForConfirms) block; Pump
// never blocks except to finish reading a message whose first frame has arrived.
class Connection {
 public:
  explicit Connection(ConnectionSettings settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects to the first node of the list that answers; with several, a failure names each
  // node tried (host:port, never credentials).
  core::Result<void> Open();
  bool is_open() const;
  int socket_fd() const;
  // "host:port" without credentials, for logs and error messages.
  std::string Endpoint() const;

  core::Result<void> Declare(const Topology& topology);
  // The queues the last Declare found declared by an earlier build without their
  // added_arguments (kept as they are; `tunefleet topology upgrade` sets them by policy).
  const std::vector<std::string>& queues_without_added_arguments() const { return queues_without_added_arguments_; }
  core::Result<void> Consume(const std::string& queue, std::uint16_t prefetch);
  core::Result<void> CancelConsume();

  // Publishes on the confirm channel; `on_confirm` runs from Pump when the broker answers.
  core::Result<void> Publish(const OutgoingMessage& message, ConfirmCallback on_confirm);
  core::Result<void> Ack(std::uint64_t delivery_tag, bool multiple);
  core::Result<void> Reject(std::uint64_t delivery_tag, bool requeue);
  std::size_t unconfirmed() const { return pending_confirms_.size(); }
  // Messages the broker refused (basic.nack) on this object's connections so far. Without a
  // max-length policy nothing should be refused; in a cluster a channel whose quorum queue
  // changed leader under it can refuse everything it publishes until it is reopened.
  std::uint64_t refused() const { return refused_; }
  // Messages the broker confirmed (basic.ack) on this object's connections so far.
  std::uint64_t confirmed() const { return confirmed_; }
  // How long messages have waited for a confirm without any arriving; nullopt when none waits
  // or while the broker blocks this connection (waiting is then right).
  std::optional<std::chrono::steady_clock::duration> UnconfirmedFor() const;
  // The broker blocks publishers during a memory or disk alarm (connection.blocked, read by
  // Pump); nothing published meanwhile is confirmed until it unblocks.
  bool blocked() const { return blocked_; }
  const std::string& blocked_reason() const { return blocked_reason_; }

  // Reads every frame already available (and sends a heartbeat when one is due), calling
  // `on_delivery` for each message. An error means the connection is gone: Close it.
  core::Result<void> Pump(const std::function<void(Delivery)>& on_delivery);
  // Blocks until every published message is confirmed or `timeout` passes.
  core::Result<void> WaitForConfirms(std::chrono::milliseconds timeout,
                                     const std::function<void(Delivery)>& on_delivery = {});
  // Blocking helpers for tools and tests.
  core::Result<std::uint32_t> QueueDepth(const std::string& queue);
  core::Result<std::uint32_t> Purge(const std::string& queue);
  // if_empty: the broker refuses (PRECONDITION_FAILED) to delete a queue that holds messages.
  core::Result<void> DeleteQueue(const std::string& queue, bool if_empty = false);
  // The queue's depth, or nullopt when it does not exist (the channel is reopened).
  core::Result<std::optional<std::uint32_t>> QueueDepthIfExists(const std::string& queue);
  core::Result<void> Unbind(const BindingSpec& binding);

  // Closes politely (connection.close handshake) when `polite` and open; always releases
  // the socket and fails pending confirms. After a Pump error, close with polite=false.
  void Close(bool polite = true);

 private:
  struct State;
  core::Result<void> OpenUrl(const std::string& url);
  core::Result<void> CheckReply(const char* what);
  core::Result<void> ReopenChannel(std::uint16_t channel);
  void FailPendingConfirms(const std::string& why);
  void ResolveConfirms(std::uint64_t tag, bool multiple, bool ok);

  ConnectionSettings settings_;
  std::vector<std::string> urls_;  // settings_.url split into its nodes
  EndpointRotation rotation_;
  std::unique_ptr<State> state_;
  std::uint64_t next_publish_tag_ = 1;
  std::map<std::uint64_t, ConfirmCallback> pending_confirms_;
  std::string consumer_tag_;
  std::vector<std::string> queues_without_added_arguments_;
  bool blocked_ = false;
  std::string blocked_reason_;
  std::chrono::steady_clock::time_point last_confirm_progress_{};
  std::uint64_t refused_ = 0;
  std::uint64_t confirmed_ = 0;
};

}  // namespace amqp
