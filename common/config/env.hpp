#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace config {

// Thrown by every Parse/Load function for a bad setting. what() is one line that names the
// variable, the value's problem and what was expected; the process prints it and exits.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Typed access to configuration variables. The lookup is injected so tests need no real
// environment; production uses the process environment. Not thread safe: read once at start.
class Env {
 public:
  using Lookup = std::function<std::optional<std::string>(const std::string& key)>;

  Env();  // the process environment
  explicit Env(Lookup lookup);

  // The raw value, or nullopt when unset. An empty value counts as unset.
  std::optional<std::string> Raw(const std::string& key) const;

  std::string String(const std::string& key, std::string_view fallback) const;
  // A secret: KEY, or the contents of the file named by KEY_FILE (trailing newline
  // stripped). Setting both is an error. Never logged.
  std::string Secret(const std::string& key, std::string_view fallback) const;
  std::int64_t Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                   std::int64_t max) const;
  double Double(const std::string& key, double fallback, double min, double max) const;
  bool Bool(const std::string& key, bool fallback) const;
  // "250ms", "5s", "2m", "1h", or a bare number of milliseconds.
  std::chrono::milliseconds Duration(const std::string& key, std::chrono::milliseconds fallback,
                                     std::chrono::milliseconds min = std::chrono::milliseconds{0}) const;
  // A URL whose scheme is one of `schemes` and that has a host. Read as a Secret: URLs carry
  // passwords, so KEY_FILE works for every URL variable.
  std::string Url(const std::string& key, std::string_view fallback,
                  std::initializer_list<std::string_view> schemes) const;
  std::string OneOf(const std::string& key, std::string_view fallback,
                    std::initializer_list<std::string_view> choices) const;

 private:
  Lookup lookup_;
};

// Parsing helpers shared with command-line flags; `what` names the source in errors.
std::chrono::milliseconds ParseDuration(std::string_view text, std::string_view what);
std::int64_t ParseInt(std::string_view text, std::string_view what);

}  // namespace config
