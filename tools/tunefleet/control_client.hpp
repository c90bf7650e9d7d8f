#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/amqp/connection.hpp"
#include "common/control/protocol.hpp"
#include "common/core/result.hpp"

// The operator's end of the control channel (`tunefleet workers`, `tunefleet control`,
// docs/OPERATIONS.md "Remote control"): a blocking RabbitMQ connection with a reply queue of
// its own (exclusive, auto-delete), commands out through control::kCommandExchange, replies
// and heartbeats in.
namespace ops {

// TUNEFLEET_AMQP_URL's broker for the command `name` ("workers", "control"); throws
// config::ConfigError naming the variable.
amqp::ConnectionSettings ControlConnectionSettings(const std::string& name);

class ControlClient {
 public:
  explicit ControlClient(amqp::ConnectionSettings settings);

  // Connects and declares the reply queue; with `hear_heartbeats` it also receives every
  // process's heartbeat (control::kAnnounceExchange).
  core::Result<void> Open(bool hear_heartbeats);
  // Sends `command` to `routing_key` (control::kEveryone, TargetKey, ProcessKey) with a new
  // correlation id, returned; replies carry it.
  core::Result<std::string> Send(const std::string& routing_key, const control::Command& command);
  // The same with any body: what a process does with a malformed command (tests).
  core::Result<std::string> SendRaw(const std::string& routing_key, const std::string& body);

  struct Heard {
    std::string correlation_id;  // of a reply; empty for a heartbeat
    std::optional<control::Reply> reply;
    std::optional<control::Status> heartbeat;
  };
  // Reads replies and heartbeats until `deadline` or until `on_heard` returns true (stop).
  // Unreadable messages are skipped (counted in skipped()).
  core::Result<void> Listen(std::chrono::steady_clock::time_point deadline,
                            const std::function<bool(const Heard&)>& on_heard);
  std::uint64_t skipped() const { return skipped_; }
  void Close() { connection_.Close(); }

 private:
  amqp::Connection connection_;
  std::string queue_;
  std::vector<amqp::Delivery> early_;  // arrived while Send waited for its confirm
  std::uint64_t next_id_ = 0;
  std::uint64_t skipped_ = 0;
};

// One process as `tunefleet workers` shows it: its latest status and when it was heard.
struct SeenProcess {
  control::Status status;
  std::chrono::steady_clock::time_point last_heard;
};
// The processes heard, by id; a heartbeat or a reply updates one.
using SeenProcesses = std::map<std::string, SeenProcess>;
void Remember(SeenProcesses& seen, const control::Status& status, std::chrono::steady_clock::time_point now);
// Drops every process unheard for more than two of its own heartbeats: gone (killed, or cut
// off from the broker). Returns the ids dropped.
std::vector<std::string> ForgetSilent(SeenProcesses& seen, std::chrono::steady_clock::time_point now);

// The table `tunefleet workers` prints: one line per process, sorted by kind, name, host, pid.
std::string FormatWorkers(const SeenProcesses& seen);
// The same as one JSON document: {"processes":[<status>...]}.
std::string WorkersJson(const SeenProcesses& seen);

}  // namespace ops
