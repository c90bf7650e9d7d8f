#pragma once

#include <cmath>
#include <cstdint>

#include "common/resilience/random.hpp"

namespace fakes {

// Always draws the same point of the range: 0.0 its low end, 1.0 (the default) its high end,
// so a full-jitter backoff waits exactly its ceiling.
class FakeRandom final : public resilience::Random {
 public:
  explicit FakeRandom(double fraction = 1.0) : fraction_(fraction) {}
  std::int64_t UniformInt(std::int64_t low, std::int64_t high) override {
    ++draws_;
    return low + std::llround(static_cast<double>(high - low) * fraction_);
  }
  int draws() const { return draws_; }

 private:
  double fraction_;
  int draws_ = 0;
};

}  // namespace fakes
