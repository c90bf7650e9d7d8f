#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/resilience/clock.hpp"

namespace resilience {

struct CircuitBreakerSettings {
  int failure_threshold = 5;                      // consecutive failures that open the breaker
  std::chrono::milliseconds open_duration{60000};  // how long it stays open before a trial
  int successes_to_close = 2;                     // successful trials that close it again
  int half_open_max_calls = 1;                    // trials allowed at once while half-open
  std::chrono::milliseconds slow_call{0};         // a call slower than this counts as failed; 0 = off
};

// Closed -> (failure_threshold consecutive failures) -> open -> (open_duration) -> half-open
// -> (successes_to_close trial successes) -> closed; any failure while half-open re-opens.
// Only transient failures should be reported: a 404 says nothing about the provider's
// health. Pure logic over an injected clock; not thread safe (one per provider per loop).
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  CircuitBreaker(CircuitBreakerSettings settings, const Clock& clock);

  // May a call go out now? While half-open this reserves one of the trial slots, so every
  // true answer must be followed by exactly one OnSuccess/OnFailure/OnCancelled.
  bool AllowRequest();
  void OnSuccess(std::chrono::milliseconds latency = std::chrono::milliseconds{0});
  void OnFailure();
  // The call was not made after all (e.g. cancelled): frees a half-open trial slot.
  void OnCancelled();

  // Operator commands (`tunefleet control breaker`). HoldOpen: open now and held open, with no
  // trial, until Close. Close: closed now, failures forgotten, a hold released.
  void HoldOpen();
  void Close();
  bool held_open() const { return held_open_; }

  State state() const;
  // Time until an open breaker lets a trial through (zero unless open).
  std::chrono::milliseconds RetryAfter() const;
  std::uint64_t transitions() const { return transitions_; }

 private:
  void TransitionTo(State next);

  CircuitBreakerSettings settings_;
  const Clock& clock_;
  State state_ = State::kClosed;
  int consecutive_failures_ = 0;
  int half_open_successes_ = 0;
  int half_open_in_flight_ = 0;
  Clock::TimePoint opened_at_{};
  std::uint64_t transitions_ = 0;
  bool held_open_ = false;
};

std::string_view ToString(CircuitBreaker::State state);

}  // namespace resilience
