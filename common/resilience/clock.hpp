#pragma once

#include <chrono>

namespace resilience {

// Time source for everything that decides by time (breaker, buckets, backoff). Production
// uses SteadyClock; tests use tests/fakes/fake_clock.hpp and never sleep. Not built on
// uv_now(): libuv caches it once per loop tick.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace resilience
