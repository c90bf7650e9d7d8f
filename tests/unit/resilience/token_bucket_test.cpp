#include "common/resilience/token_bucket.hpp"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.hpp"

namespace resilience {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, AllowsTheBurstThenWaitsForRefill) {
  fakes::FakeClock clock;
  TokenBucket bucket{{.rate_per_second = 10, .burst = 5}, clock};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryAcquire()) << i;
  EXPECT_FALSE(bucket.TryAcquire());
  EXPECT_EQ(bucket.TimeUntilAvailable(), 100ms);
  clock.Advance(100ms);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
}

TEST(TokenBucket, NeverExceedsTheRateOverTime) {
  fakes::FakeClock clock;
  TokenBucket bucket{{.rate_per_second = 10, .burst = 10}, clock};
  int granted = 0;
  for (int step = 0; step < 30'000; ++step) {  // 30 s in 1 ms steps, asking every ms
    if (bucket.TryAcquire()) ++granted;
    clock.Advance(1ms);
  }
  EXPECT_LE(granted, 10 * 30 + 10);
  EXPECT_GE(granted, 10 * 30);
}

TEST(TokenBucket, RefillStopsAtTheBurst) {
  fakes::FakeClock clock;
  TokenBucket bucket{{.rate_per_second = 1, .burst = 2}, clock};
  clock.Advance(1h);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
}

TEST(TokenBucket, SetRateSlowsRefill) {
  fakes::FakeClock clock;
  TokenBucket bucket{{.rate_per_second = 10, .burst = 1}, clock};
  EXPECT_TRUE(bucket.TryAcquire());
  bucket.SetRate(1);
  EXPECT_EQ(bucket.TimeUntilAvailable(), 1s);
}

}  // namespace
}  // namespace resilience
