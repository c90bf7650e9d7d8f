#pragma once

#include <chrono>

#include "common/resilience/clock.hpp"

namespace resilience {

struct TokenBucketSettings {
  double rate_per_second = 10;  // refill rate
  double burst = 10;            // capacity
};

// A local token bucket: the rate limiter of one process, and the fallback when the
// fleet-wide limiter in Redis is unreachable. Pure logic over an injected clock.
class TokenBucket {
 public:
  TokenBucket(TokenBucketSettings settings, const Clock& clock);

  // Takes one token if available.
  bool TryAcquire();
  // How long until a token will be available (zero if one is now).
  std::chrono::milliseconds TimeUntilAvailable() const;
  // Adaptive limits (e.g. a provider says few requests remain): refill at a new rate.
  void SetRate(double rate_per_second);
  // Empties the bucket: from now on it grants only what it refills.
  void Drain();
  double rate() const { return settings_.rate_per_second; }
  // Whole tokens in the bucket now.
  double available() const;

 private:
  void Refill() const;

  TokenBucketSettings settings_;
  const Clock& clock_;
  mutable double tokens_;
  mutable Clock::TimePoint last_;
};

}  // namespace resilience
