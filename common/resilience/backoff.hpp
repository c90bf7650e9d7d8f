#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "common/resilience/random.hpp"

namespace resilience {

struct BackoffSettings {
  std::chrono::milliseconds base{200};  // the first retry waits up to this
  std::chrono::milliseconds cap{5000};  // no wait is longer (longer waits go to the delay queues)
};

// Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2^n)).
// A server's Retry-After is a floor. Pure; the random source is injected.
class Backoff {
 public:
  explicit Backoff(BackoffSettings settings) : settings_(settings) {}

  // `attempt` counts from 0 (the first retry).
  std::chrono::milliseconds NextDelay(int attempt, std::mt19937_64& random,
                                      std::optional<std::chrono::milliseconds> retry_after = {}) const;
  std::chrono::milliseconds NextDelay(int attempt, Random& random,
                                      std::optional<std::chrono::milliseconds> retry_after = {}) const;
  // The upper bound of attempt's delay before jitter.
  std::chrono::milliseconds Ceiling(int attempt) const;

 private:
  BackoffSettings settings_;
};

}  // namespace resilience
