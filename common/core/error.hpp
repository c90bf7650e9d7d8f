#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace core {

// How the runtime reacts to a failure (STYLE.md section 4).
enum class ErrorKind {
  kInvalidInput,  // bad message, provider 404, malformed body: dead-letter, never retry
  kTransient,     // timeout, 429, 5xx, broken connection: retry with backoff
  kNotFound,      // the provider has no such entity: a normal, recorded outcome
};

std::string_view ToString(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kTransient;
  std::string message;
  // Set when the other side told us how long to wait (Retry-After, rate-limit headers).
  std::optional<std::chrono::milliseconds> retry_after;
  // False when the call never reached the provider (open breaker, a rate-limit wait beyond
  // the limit, shutting down): a transient error that does not use up the job's attempts.
  bool attempted = true;
  // The provider answered that it is still working on it (an analysis in progress): not an
  // attempt, and the runtime counts these rounds in the job's headers (runtime::JobHistory)
  // so a provider can give up on work that never finishes.
  bool pending = false;

  static Error InvalidInput(std::string why) { return {ErrorKind::kInvalidInput, std::move(why), {}}; }
  static Error Transient(std::string why, std::optional<std::chrono::milliseconds> retry_after = {}) {
    return {ErrorKind::kTransient, std::move(why), retry_after};
  }
  static Error NotFound(std::string why) { return {ErrorKind::kNotFound, std::move(why), {}}; }
  static Error NotAttempted(std::string why, std::optional<std::chrono::milliseconds> retry_after = {}) {
    return {ErrorKind::kTransient, std::move(why), retry_after, false};
  }
  static Error Pending(std::string why, std::chrono::milliseconds retry_after) {
    return {ErrorKind::kTransient, std::move(why), retry_after, false, true};
  }
};

}  // namespace core
