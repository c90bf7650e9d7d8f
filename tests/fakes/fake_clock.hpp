#pragma once

#include "common/resilience/clock.hpp"

namespace fakes {

// A clock that only moves when told to. Starts at an arbitrary non-zero time point.
class FakeClock final : public resilience::Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Advance(std::chrono::steady_clock::duration d) { now_ += d; }

 private:
  TimePoint now_ = TimePoint{} + std::chrono::hours(1000);
};

}  // namespace fakes
