#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

// The control channel's messages (docs/OPERATIONS.md, "Remote control"): what a worker or
// builder announces about itself, the commands `tunefleet control` sends, and the replies.
// All JSON; parsing refuses anything malformed with a reason and changes nothing.
namespace control {

// Commands go to this topic exchange; each process binds its own exclusive queue with
// BindingKeys. Operators alone may publish here (docs/SECURITY.md, "Control channel").
inline constexpr char kCommandExchange[] = "tunefleet.control";
// Heartbeats: every process publishes its Status here, routing key "<kind>.<name>".
inline constexpr char kAnnounceExchange[] = "tunefleet.announce";
// Replies: a direct exchange; the asker binds its reply queue with the queue's own name (the
// command's reply-to). Not the default exchange: workers have no access to it.
inline constexpr char kReplyExchange[] = "tunefleet.control.replies";
// The routing key of a command for every process.
inline constexpr char kEveryone[] = "all";

// Who a process is. kind: "provider" (a worker) or "builder".
struct Identity {
  std::string kind;
  std::string name;
  std::string host;
  std::int64_t pid = 0;
  std::string version;

  // "<name>@<host>:<pid>": unique while the process lives.
  std::string Id() const;
};

// The process's own control queue, and the routing keys it answers to: kEveryone,
// TargetKey(kind, name) and ProcessKey(id).
std::string ControlQueue(const Identity& who);
std::vector<std::string> BindingKeys(const Identity& who);
std::string TargetKey(std::string_view kind, std::string_view name);  // "provider.spotify"
std::string ProcessKey(std::string_view id);                          // "process.spotify@host:42"

// What a process says about itself in each heartbeat and in answer to a ping.
struct Status {
  Identity who;
  double uptime_seconds = 0;
  std::int64_t in_flight = 0;  // deliveries held, not yet settled
  bool paused = false;         // an operator paused it
  std::string log_level;       // in force
  std::int64_t heartbeat_ms = 0;
  // Providers only (empty / nullopt for builders).
  std::string breaker;                           // closed, open, half_open
  bool breaker_held_open = false;
  std::optional<double> rate_per_second;         // this process's fleet-wide rate in force
  std::optional<double> configured_rate;         // the configured one
  std::int64_t cache_hits = 0;
  std::int64_t cache_misses = 0;
};
std::string ToJson(const Status& status);
core::Result<Status> ParseStatus(std::string_view json);

enum class Action { kPing, kPause, kResume, kBreakerOpen, kBreakerClose, kBreakerReset, kRate, kLogLevel };
std::string_view ToString(Action action);  // "ping", "pause", ..., "breaker open", "rate", "log-level"

struct Command {
  Action action = Action::kPing;
  double rate_per_second = 0;             // kRate
  std::string log_level{};                // kLogLevel: debug, info, warn, error
  std::chrono::milliseconds duration{0};  // kRate, kLogLevel: in force this long, then back
};
// The longest a rate or log-level override may last.
inline constexpr std::chrono::hours kMaxOverride{24};
std::string ToJson(const Command& command);
// Refuses (kInvalidInput, naming the field) an unknown command, a missing or out-of-range
// argument and anything that is not a JSON object.
core::Result<Command> ParseCommand(std::string_view json);

// One process's answer to one command.
struct Reply {
  std::string process;  // Identity::Id
  bool applied = false;
  std::string detail;   // what was done, or why it was refused
  std::optional<Status> status;  // answers to ping, and after every applied command
};
std::string ToJson(const Reply& reply);
core::Result<Reply> ParseReply(std::string_view json);

}  // namespace control
