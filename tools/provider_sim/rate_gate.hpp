#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "common/resilience/clock.hpp"

namespace provider_sim {

struct RateGateSettings {
  double rate_per_second = 10;  // refill rate; 0 = unlimited
  double burst = 10;            // capacity, whole requests
  // Measurement slack: a request that arrives up to this early is still allowed. The
  // client's clock and ours differ by scheduling noise, and counting that as a violation
  // would blame a client that is exactly at the limit.
  std::chrono::microseconds slack{10'000};
};

// The server side of a provider's rate limit: a token bucket on the server's own clock.
// Exactly how a violation is counted:
//   the bucket holds `tokens` <= burst, refilled continuously at `rate`;
//   a request is allowed when tokens >= 1 - rate * slack, and then takes one token (so the
//   bucket may go slightly negative, at most rate * slack; the debt is repaid by refill,
//   which keeps the long-run rate at `rate`);
//   otherwise the bucket counts as empty: the request is refused and counted as a violation,
//   and takes no token (a client hammering a closed gate does not push its reopening back).
// Not thread safe (the simulator is single-threaded).
class RateGate {
 public:
  RateGate(RateGateSettings settings, const resilience::Clock& clock);

  // True when the request may proceed; false counts a violation. `unseen` widens the slack
  // by the time the simulator itself was not reading its sockets (see Simulator::NoteLoopLag):
  // requests read together after such a stall arrived at unknown moments within it, and the
  // bucket would have refilled between them. A request admitted only thanks to `unseen` is
  // counted in excused().
  bool Admit(std::chrono::microseconds unseen = std::chrono::microseconds{0});
  // Whole seconds until a request would be admitted (at least 1 when refused): Retry-After.
  int RetryAfterSeconds() const;
  // Changes rate/burst at run time; the bucket keeps its tokens (capped to the new burst).
  void Reconfigure(RateGateSettings settings);
  bool unlimited() const { return settings_.rate_per_second <= 0; }
  std::uint64_t violations() const { return violations_; }
  std::uint64_t excused() const { return excused_; }
  void ResetCounters() {
    violations_ = 0;
    excused_ = 0;
  }
  double tokens() const;

 private:
  void Refill() const;

  RateGateSettings settings_;
  const resilience::Clock& clock_;
  mutable double tokens_;
  mutable resilience::Clock::TimePoint last_;
  std::uint64_t violations_ = 0;
  std::uint64_t excused_ = 0;
};

// Requests seen in the last 60 seconds, in one-second slots: what Discogs reports in
// X-Discogs-Ratelimit-Used (a moving one-minute window).
class MinuteWindow {
 public:
  explicit MinuteWindow(const resilience::Clock& clock);
  void Record();
  std::uint32_t Used() const;
  void Clear();

 private:
  void Advance() const;

  const resilience::Clock& clock_;
  resilience::Clock::TimePoint origin_;
  mutable std::array<std::uint32_t, 60> slots_{};
  mutable std::int64_t current_second_ = 0;
};

}  // namespace provider_sim
