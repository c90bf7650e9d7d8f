#include "common/control/protocol.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include "common/json/members.hpp"

namespace control {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void Key(Writer& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}
void Key(Writer& w, const char* key, double value) {
  w.Key(key);
  w.Double(value);
}
void Key(Writer& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}

void WriteStatus(Writer& w, const Status& s) {
  w.StartObject();
  Key(w, "kind", s.who.kind);
  Key(w, "name", s.who.name);
  Key(w, "host", s.who.host);
  Key(w, "pid", s.who.pid);
  Key(w, "version", s.who.version);
  Key(w, "uptime_seconds", s.uptime_seconds);
  Key(w, "in_flight", s.in_flight);
  Key(w, "paused", s.paused);
  Key(w, "log_level", s.log_level);
  Key(w, "heartbeat_ms", s.heartbeat_ms);
  if (!s.breaker.empty()) {
    Key(w, "breaker", s.breaker);
    Key(w, "breaker_held_open", s.breaker_held_open);
  }
  if (s.rate_per_second) Key(w, "rate_per_second", *s.rate_per_second);
  if (s.configured_rate) Key(w, "configured_rate", *s.configured_rate);
  if (s.who.kind == "provider") {
    Key(w, "cache_hits", s.cache_hits);
    Key(w, "cache_misses", s.cache_misses);
  }
  w.EndObject();
}

core::Result<Status> ReadStatus(const rapidjson::Value& v) {
  if (!v.IsObject()) return core::Error::InvalidInput("status is not a JSON object");
  Status s;
  s.who.kind = json::StringMember(v, "kind");
  s.who.name = json::StringMember(v, "name");
  s.who.host = json::StringMember(v, "host");
  s.who.pid = json::IntMember(v, "pid");
  s.who.version = json::StringMember(v, "version");
  if (s.who.kind.empty() || s.who.name.empty() || s.who.host.empty() || s.who.pid <= 0) {
    return core::Error::InvalidInput("status lacks kind, name, host or pid");
  }
  s.uptime_seconds = json::NumberMember(v, "uptime_seconds").value_or(0);
  s.in_flight = json::IntMember(v, "in_flight");
  s.paused = json::BoolMember(v, "paused");
  s.log_level = json::StringMember(v, "log_level");
  s.heartbeat_ms = json::IntMember(v, "heartbeat_ms");
  s.breaker = json::StringMember(v, "breaker");
  s.breaker_held_open = json::BoolMember(v, "breaker_held_open");
  s.rate_per_second = json::NumberMember(v, "rate_per_second");
  s.configured_rate = json::NumberMember(v, "configured_rate");
  s.cache_hits = json::IntMember(v, "cache_hits");
  s.cache_misses = json::IntMember(v, "cache_misses");
  return s;
}

core::Result<rapidjson::Document> ParseObject(std::string_view text, const char* what) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return core::Error::InvalidInput(std::string(what) + " is not a JSON object");
  }
  return doc;
}

struct ActionName {
  Action action;
  std::string_view command;
  std::string_view state;  // breaker only
};
constexpr ActionName kActions[] = {
    {Action::kPing, "ping", ""},
    {Action::kPause, "pause", ""},
    {Action::kResume, "resume", ""},
    {Action::kBreakerOpen, "breaker", "open"},
    {Action::kBreakerClose, "breaker", "close"},
    {Action::kBreakerReset, "breaker", "reset"},
    {Action::kRate, "rate", ""},
    {Action::kLogLevel, "log-level", ""},
};

}  // namespace

std::string Identity::Id() const { return name + "@" + host + ":" + std::to_string(pid); }

std::string ControlQueue(const Identity& who) { return std::string(kCommandExchange) + "." + who.Id(); }

std::string TargetKey(std::string_view kind, std::string_view name) {
  return std::string(kind) + "." + std::string(name);
}

std::string ProcessKey(std::string_view id) { return "process." + std::string(id); }

std::vector<std::string> BindingKeys(const Identity& who) {
  return {kEveryone, TargetKey(who.kind, who.name), ProcessKey(who.Id())};
}

std::string ToJson(const Status& status) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteStatus(w, status);
  return buffer.GetString();
}

core::Result<Status> ParseStatus(std::string_view text) {
  auto doc = ParseObject(text, "status");
  if (!doc) return doc.error();
  return ReadStatus(*doc);
}

std::string_view ToString(Action action) {
  switch (action) {
    case Action::kPing: return "ping";
    case Action::kPause: return "pause";
    case Action::kResume: return "resume";
    case Action::kBreakerOpen: return "breaker open";
    case Action::kBreakerClose: return "breaker close";
    case Action::kBreakerReset: return "breaker reset";
    case Action::kRate: return "rate";
    case Action::kLogLevel: return "log-level";
  }
  return "unknown";
}

std::string ToJson(const Command& command) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  for (const auto& name : kActions) {
    if (name.action != command.action) continue;
    Key(w, "command", name.command);
    if (!name.state.empty()) Key(w, "state", name.state);
  }
  if (command.action == Action::kRate) Key(w, "rate_per_second", command.rate_per_second);
  if (command.action == Action::kLogLevel) Key(w, "level", command.log_level);
  if (command.action == Action::kRate || command.action == Action::kLogLevel) {
    Key(w, "for_ms", static_cast<std::int64_t>(command.duration.count()));
  }
  w.EndObject();
  return buffer.GetString();
}

core::Result<Command> ParseCommand(std::string_view text) {
  auto doc = ParseObject(text, "command");
  if (!doc) return doc.error();
  std::string name = json::StringMember(*doc, "command");
  std::string state = json::StringMember(*doc, "state");
  Command command;
  bool known = false;
  for (const auto& entry : kActions) {
    if (entry.command == name && entry.state == state) {
      command.action = entry.action;
      known = true;
    }
  }
  if (!known) {
    if (name == "breaker") {
      return core::Error::InvalidInput("breaker state '" + state + "' is not one of open, close, reset");
    }
    return core::Error::InvalidInput("unknown command '" + name +
                                     "' (known: ping, pause, resume, breaker, rate, log-level)");
  }
  if (command.action == Action::kRate || command.action == Action::kLogLevel) {
    auto it = doc->FindMember("for_ms");
    if (it == doc->MemberEnd() || !it->value.IsInt64() || it->value.GetInt64() <= 0 ||
        std::chrono::milliseconds{it->value.GetInt64()} > kMaxOverride) {
      return core::Error::InvalidInput(std::string(ToString(command.action)) +
                                       " needs for_ms: a duration above 0 and at most 24 h");
    }
    command.duration = std::chrono::milliseconds{it->value.GetInt64()};
  }
  if (command.action == Action::kRate) {
    auto rate = json::NumberMember(*doc, "rate_per_second");
    // 0.01/s is the slowest the fleet rate limiter runs (FleetRateLimiter::SetRate).
    if (!rate || !std::isfinite(*rate) || *rate < 0.01 || *rate > 100000) {
      return core::Error::InvalidInput("rate needs rate_per_second: a number from 0.01 to 100000");
    }
    command.rate_per_second = *rate;
  }
  if (command.action == Action::kLogLevel) {
    command.log_level = json::StringMember(*doc, "level");
    if (command.log_level != "debug" && command.log_level != "info" && command.log_level != "warn" &&
        command.log_level != "error") {
      return core::Error::InvalidInput("log-level needs level: one of debug, info, warn, error (got '" +
                                       command.log_level + "')");
    }
  }
  return command;
}

std::string ToJson(const Reply& reply) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "process", reply.process);
  Key(w, "applied", reply.applied);
  Key(w, "detail", reply.detail);
  if (reply.status) {
    w.Key("status");
    WriteStatus(w, *reply.status);
  }
  w.EndObject();
  return buffer.GetString();
}

core::Result<Reply> ParseReply(std::string_view text) {
  auto doc = ParseObject(text, "reply");
  if (!doc) return doc.error();
  Reply reply;
  reply.process = json::StringMember(*doc, "process");
  if (reply.process.empty()) return core::Error::InvalidInput("reply lacks process");
  reply.applied = json::BoolMember(*doc, "applied");
  reply.detail = json::StringMember(*doc, "detail");
  auto it = doc->FindMember("status");
  if (it != doc->MemberEnd()) {
    auto status = ReadStatus(it->value);
    if (!status) return status.error();
    reply.status = std::move(*status);
  }
  return reply;
}

}  // namespace control
