#include "common/resilience/backoff.hpp"

#include <gtest/gtest.h>

#include "tests/fakes/fake_random.hpp"

namespace resilience {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, CeilingDoublesUpToTheCap) {
  Backoff backoff{{.base = 100ms, .cap = 1s}};
  EXPECT_EQ(backoff.Ceiling(0), 100ms);
  EXPECT_EQ(backoff.Ceiling(1), 200ms);
  EXPECT_EQ(backoff.Ceiling(3), 800ms);
  EXPECT_EQ(backoff.Ceiling(4), 1s);
  EXPECT_EQ(backoff.Ceiling(1000), 1s);
}

TEST(Backoff, FullJitterStaysWithinTheCeilingAndSpreads) {
  Backoff backoff{{.base = 100ms, .cap = 10s}};
  std::mt19937_64 random(7);
  std::chrono::milliseconds lowest = 1h, highest = 0ms;
  for (int i = 0; i < 1000; ++i) {
    auto d = backoff.NextDelay(3, random);
    ASSERT_LE(d, 800ms);
    ASSERT_GE(d, 0ms);
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  EXPECT_LT(lowest, 100ms);  // full jitter reaches near zero
  EXPECT_GT(highest, 700ms);
}

TEST(Backoff, RetryAfterIsAFloor) {
  Backoff backoff{{.base = 100ms, .cap = 1s}};
  std::mt19937_64 random(1);
  EXPECT_EQ(backoff.NextDelay(0, random, 3s), 3s);
}

TEST(Backoff, DrawsFromAnInjectedRandomSource) {
  Backoff backoff{{.base = 100ms, .cap = 1s}};
  fakes::FakeRandom highest(1.0);
  fakes::FakeRandom lowest(0.0);
  EXPECT_EQ(backoff.NextDelay(2, highest), 400ms);
  EXPECT_EQ(backoff.NextDelay(2, lowest), 0ms);
  EXPECT_EQ(backoff.NextDelay(2, lowest, 3s), 3s);
  EXPECT_EQ(highest.draws(), 1);
}

}  // namespace
}  // namespace resilience
