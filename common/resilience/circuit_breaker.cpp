#include "common/resilience/circuit_breaker.hpp"

namespace resilience {

CircuitBreaker::CircuitBreaker(CircuitBreakerSettings settings, const Clock& clock)
    : settings_(settings), clock_(clock) {}

CircuitBreaker::State CircuitBreaker::state() const {
  // An open breaker becomes half-open by the passage of time alone, unless held open.
  if (state_ == State::kOpen && !held_open_ && clock_.Now() - opened_at_ >= settings_.open_duration) return State::kHalfOpen;
  return state_;
}

std::chrono::milliseconds CircuitBreaker::RetryAfter() const {
  if (state() != State::kOpen) return std::chrono::milliseconds{0};
  if (held_open_) return settings_.open_duration;  // no trial is due; ask again as if just opened
  return std::chrono::duration_cast<std::chrono::milliseconds>(opened_at_ + settings_.open_duration - clock_.Now());
}

void CircuitBreaker::TransitionTo(State next) {
  if (state_ == next) return;
  state_ = next;
  ++transitions_;
  if (next == State::kOpen) opened_at_ = clock_.Now();
  if (next == State::kHalfOpen) {
    half_open_successes_ = 0;
    half_open_in_flight_ = 0;
  }
  if (next == State::kClosed) consecutive_failures_ = 0;
}

void CircuitBreaker::HoldOpen() {
  held_open_ = true;
  TransitionTo(State::kOpen);
}

void CircuitBreaker::Close() {
  held_open_ = false;
  TransitionTo(State::kClosed);
  consecutive_failures_ = 0;
  half_open_successes_ = 0;
  half_open_in_flight_ = 0;
}

bool CircuitBreaker::AllowRequest() {
  if (state_ == State::kOpen && state() == State::kHalfOpen) TransitionTo(State::kHalfOpen);
  switch (state_) {
    case State::kClosed: return true;
    case State::kOpen: return false;
    case State::kHalfOpen:
      if (half_open_in_flight_ >= settings_.half_open_max_calls) return false;
      ++half_open_in_flight_;
      return true;
  }
  return false;
}

void CircuitBreaker::OnSuccess(std::chrono::milliseconds latency) {
  if (settings_.slow_call.count() > 0 && latency > settings_.slow_call) {
    OnFailure();
    return;
  }
  if (state_ == State::kHalfOpen) {
    if (half_open_in_flight_ > 0) --half_open_in_flight_;
    if (++half_open_successes_ >= settings_.successes_to_close) TransitionTo(State::kClosed);
    return;
  }
  consecutive_failures_ = 0;
}

void CircuitBreaker::OnFailure() {
  if (state_ == State::kHalfOpen) {
    TransitionTo(State::kOpen);
    return;
  }
  if (state_ == State::kOpen) return;
  if (++consecutive_failures_ >= settings_.failure_threshold) TransitionTo(State::kOpen);
}

void CircuitBreaker::OnCancelled() {
  if (state_ == State::kHalfOpen && half_open_in_flight_ > 0) --half_open_in_flight_;
}

std::string_view ToString(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed: return "closed";
    case CircuitBreaker::State::kOpen: return "open";
    case CircuitBreaker::State::kHalfOpen: return "half_open";
  }
  return "unknown";
}

}  // namespace resilience
