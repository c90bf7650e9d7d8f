#include "tools/provider_sim/rate_gate.hpp"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.hpp"

namespace provider_sim {
namespace {

using namespace std::chrono_literals;

TEST(RateGate, AdmitsTheBurstThenCountsViolations) {
  fakes::FakeClock clock;
  RateGate gate{{.rate_per_second = 10, .burst = 10, .slack = 0us}, clock};
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(gate.Admit()) << i;
  EXPECT_FALSE(gate.Admit());
  EXPECT_FALSE(gate.Admit());
  EXPECT_EQ(gate.violations(), 2u);
}

TEST(RateGate, RefusedRequestsTakeNoToken) {
  fakes::FakeClock clock;
  RateGate gate{{.rate_per_second = 1, .burst = 1, .slack = 0us}, clock};
  EXPECT_TRUE(gate.Admit());
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(gate.Admit());
  clock.Advance(1s);
  EXPECT_TRUE(gate.Admit());  // hammering did not push the reopening back
}

TEST(RateGate, AClientExactlyAtTheRateIsNeverAViolation) {
  fakes::FakeClock clock;
  RateGate gate{{.rate_per_second = 10, .burst = 10, .slack = 10ms}, clock};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(gate.Admit());
  for (int i = 0; i < 1000; ++i) {  // 100 s at exactly 10/s, each request 1 ms early half the time
    clock.Advance(i % 2 == 0 ? 99ms : 101ms);
    ASSERT_TRUE(gate.Admit()) << i;
  }
  EXPECT_EQ(gate.violations(), 0u);
}

TEST(RateGate, SlackDoesNotLetAFasterClientThrough) {
  fakes::FakeClock clock;
  RateGate gate{{.rate_per_second = 10, .burst = 10, .slack = 10ms}, clock};
  int admitted = 0;
  for (int i = 0; i < 3000; ++i) {  // 30 s asking every 10 ms: 100/s against a 10/s limit
    if (gate.Admit()) ++admitted;
    clock.Advance(10ms);
  }
  EXPECT_LE(admitted, 10 * 30 + 10 + 1);
  EXPECT_GE(admitted, 10 * 30);
  EXPECT_EQ(gate.violations(), static_cast<std::uint64_t>(3000 - admitted));
}

TEST(RateGate, UnseenTimeExcusesOnlyWhatCouldHaveRefilledInIt) {
  fakes::FakeClock clock;
  RateGate gate{{.rate_per_second = 100, .burst = 10, .slack = 0us}, clock};
  // A conforming client sent 10 requests per 100 ms, but the simulator was stalled for 200 ms
  // and reads 30 at once: 10 from the burst, 20 that the bucket would have refilled.
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(gate.Admit(200ms)) << i;
  EXPECT_FALSE(gate.Admit(200ms)) << "a 31st is early even allowing for the stall";
  EXPECT_EQ(gate.violations(), 1u);
  EXPECT_EQ(gate.excused(), 20u);
  // The debt is repaid: without a stall, the next request is admitted only after it is.
  clock.Advance(200ms);
  EXPECT_FALSE(gate.Admit());
  clock.Advance(10ms);
  EXPECT_TRUE(gate.Admit());
  EXPECT_EQ(gate.excused(), 20u);
}

TEST(RateGate, RetryAfterIsWholeSecondsUntilATokenAndAtLeastOne) {
  fakes::FakeClock clock;
  RateGate gate{{.rate_per_second = 1.0 / 60, .burst = 1, .slack = 0us}, clock};  // 1/min
  EXPECT_TRUE(gate.Admit());
  EXPECT_FALSE(gate.Admit());
  EXPECT_EQ(gate.RetryAfterSeconds(), 60);
  clock.Advance(59500ms);
  EXPECT_EQ(gate.RetryAfterSeconds(), 1);
}

TEST(RateGate, ZeroRateIsUnlimited) {
  fakes::FakeClock clock;
  RateGate gate{{.rate_per_second = 0, .burst = 1}, clock};
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(gate.Admit());
  EXPECT_EQ(gate.violations(), 0u);
}

TEST(RateGate, ReconfigureCapsTokensToTheNewBurst) {
  fakes::FakeClock clock;
  RateGate gate{{.rate_per_second = 1, .burst = 10, .slack = 0us}, clock};
  gate.Reconfigure({.rate_per_second = 1, .burst = 2, .slack = 0us});
  EXPECT_TRUE(gate.Admit());
  EXPECT_TRUE(gate.Admit());
  EXPECT_FALSE(gate.Admit());
}

TEST(MinuteWindow, CountsTheLastSixtySeconds) {
  fakes::FakeClock clock;
  MinuteWindow window{clock};
  for (int i = 0; i < 5; ++i) window.Record();
  clock.Advance(30s);
  window.Record();
  EXPECT_EQ(window.Used(), 6u);
  clock.Advance(31s);  // the first five are now more than a minute old
  EXPECT_EQ(window.Used(), 1u);
  clock.Advance(10min);
  EXPECT_EQ(window.Used(), 0u);
}

}  // namespace
}  // namespace provider_sim
