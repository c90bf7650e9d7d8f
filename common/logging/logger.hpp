#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace logging {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error"; anything else is kInfo.
Level ParseLevel(std::string_view text);

// "debug", "info", "warn", "error".
std::string_view LevelName(Level level);

// Process-wide sink: minimum level and output stream (stderr by default). Set at start;
// SetMinLevel changes the level later (an operator's `tunefleet control log-level`).
void Configure(Level min_level, std::FILE* out = stderr);
void SetMinLevel(Level min_level);
Level MinLevel();
bool Enabled(Level level);

// One key/value pair of a log line.
struct Field {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  template <typename Int>
    requires std::is_integral_v<Int> && (!std::is_same_v<Int, bool>)
  Field(std::string_view k, Int v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}

  std::string_view key;
  Value value;
};

// Writes one JSON object per line: {"ts":..., "level":..., "component":..., "msg":..., plus
// context (job_id, trace_id, provider) and fields}. Thread safe: lines never interleave.
// Every string (msg, context and field values) goes through core::Redact first, so a URL,
// DSN or header with a credential in it is written with the credential as "***".
// Copies are cheap; With() returns a logger that repeats extra context on every line.
class Logger {
 public:
  explicit Logger(std::string component);

  Logger With(std::initializer_list<Field> context) const;
  Logger WithJob(std::string_view job_id, std::string_view trace_id) const;

  void Debug(std::string_view msg, std::initializer_list<Field> fields = {}) const;
  void Info(std::string_view msg, std::initializer_list<Field> fields = {}) const;
  void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) const;
  void Error(std::string_view msg, std::initializer_list<Field> fields = {}) const;
  void Log(Level level, std::string_view msg, std::initializer_list<Field> fields) const;

 private:
  std::string component_;
  std::string context_;  // pre-rendered ,"key":value pairs
};

// Appends `text` to `out` as a JSON string literal (with quotes), escaping as RFC 8259 says.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace logging
