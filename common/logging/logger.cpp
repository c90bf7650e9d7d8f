#include "common/logging/logger.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>

#include "common/core/redact.hpp"

namespace logging {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::atomic<std::FILE*> g_out{nullptr};
std::mutex g_write_mutex;


void AppendTimestamp(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis.count()));
  AppendJsonString(out, buf);
}

void AppendField(std::string& out, const Field& field) {
  out += ',';
  AppendJsonString(out, field.key);
  out += ':';
  std::visit(
      [&out](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string_view>) {
          // The last line of defence: whatever a caller passed, no credential reaches the log.
          AppendJsonString(out, core::Redact(v));
        } else if constexpr (std::is_same_v<V, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<V, double>) {
          if (!std::isfinite(v)) {
            out += "null";
          } else {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.6g", v);
            out += buf;
          }
        } else {
          out += std::to_string(v);
        }
      },
      field.value);
}

}  // namespace

Level ParseLevel(std::string_view text) {
  if (text == "debug") return Level::kDebug;
  if (text == "warn") return Level::kWarn;
  if (text == "error") return Level::kError;
  return Level::kInfo;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void SetMinLevel(Level min_level) { g_min_level.store(static_cast<int>(min_level)); }

Level MinLevel() { return static_cast<Level>(g_min_level.load()); }

void Configure(Level min_level, std::FILE* out) {
  g_min_level.store(static_cast<int>(min_level));
  g_out.store(out);
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_min_level.load(); }

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

Logger::Logger(std::string component) : component_(std::move(component)) {}

Logger Logger::With(std::initializer_list<Field> context) const {
  Logger copy = *this;
  for (const auto& field : context) AppendField(copy.context_, field);
  return copy;
}

Logger Logger::WithJob(std::string_view job_id, std::string_view trace_id) const {
  return With({{"job_id", job_id}, {"trace_id", trace_id}});
}

void Logger::Debug(std::string_view msg, std::initializer_list<Field> fields) const {
  Log(Level::kDebug, msg, fields);
}
void Logger::Info(std::string_view msg, std::initializer_list<Field> fields) const {
  Log(Level::kInfo, msg, fields);
}
void Logger::Warn(std::string_view msg, std::initializer_list<Field> fields) const {
  Log(Level::kWarn, msg, fields);
}
void Logger::Error(std::string_view msg, std::initializer_list<Field> fields) const {
  Log(Level::kError, msg, fields);
}

void Logger::Log(Level level, std::string_view msg, std::initializer_list<Field> fields) const {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(160 + msg.size() + context_.size());
  line += "{\"ts\":";
  AppendTimestamp(line);
  line += ",\"level\":\"";
  line += LevelName(level);
  line += "\",\"component\":";
  AppendJsonString(line, component_);
  line += ",\"msg\":";
  AppendJsonString(line, core::Redact(msg));
  line += context_;
  for (const auto& field : fields) AppendField(line, field);
  line += "}\n";
  std::FILE* out = g_out.load();
  if (out == nullptr) out = stderr;
  std::lock_guard lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

}  // namespace logging
