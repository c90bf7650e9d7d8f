#pragma once

#include <cstdint>
#include <random>

namespace resilience {

// Random source for jitter. Production uses SeededRandom; tests use
// tests/fakes/fake_random.hpp to pick the draw. Not thread safe.
class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [low, high], both ends included.
  virtual std::int64_t UniformInt(std::int64_t low, std::int64_t high) = 0;
};

// A Mersenne Twister seeded once from std::random_device.
class SeededRandom final : public Random {
 public:
  std::int64_t UniformInt(std::int64_t low, std::int64_t high) override {
    return std::uniform_int_distribution<std::int64_t>(low, high)(engine_);
  }

 private:
  std::mt19937_64 engine_{std::random_device{}()};
};

}  // namespace resilience
