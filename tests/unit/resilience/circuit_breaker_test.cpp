#include "common/resilience/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.hpp"

namespace resilience {
namespace {

using namespace std::chrono_literals;
using State = CircuitBreaker::State;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  fakes::FakeClock clock_;
  CircuitBreaker breaker_{{.failure_threshold = 3, .open_duration = 30s, .successes_to_close = 2}, clock_};

  void Fail(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(breaker_.AllowRequest());
      breaker_.OnFailure();
    }
  }
};

TEST_F(CircuitBreakerTest, StaysClosedBelowTheThreshold) {
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.AllowRequest());
}

TEST_F(CircuitBreakerTest, OpensAfterThreeConsecutiveFailures) {
  Fail(3);
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_EQ(breaker_.transitions(), 1u);
}

TEST_F(CircuitBreakerTest, ASuccessResetsTheFailureCount) {
  Fail(2);
  ASSERT_TRUE(breaker_.AllowRequest());
  breaker_.OnSuccess();
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
}

TEST_F(CircuitBreakerTest, RejectsWhileOpenAndSaysForHowLong) {
  Fail(3);
  clock_.Advance(10s);
  EXPECT_FALSE(breaker_.AllowRequest());
  EXPECT_EQ(breaker_.RetryAfter(), 20s);
}

TEST_F(CircuitBreakerTest, HalfOpensAfterCooldownAndAllowsOneTrial) {
  Fail(3);
  clock_.Advance(30s);
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
  EXPECT_TRUE(breaker_.AllowRequest());
  EXPECT_FALSE(breaker_.AllowRequest());  // one trial at a time
}

TEST_F(CircuitBreakerTest, ClosesAfterTheRequiredTrialSuccesses) {
  Fail(3);
  clock_.Advance(30s);
  ASSERT_TRUE(breaker_.AllowRequest());
  breaker_.OnSuccess();
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
  ASSERT_TRUE(breaker_.AllowRequest());
  breaker_.OnSuccess();
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.AllowRequest());
}

TEST_F(CircuitBreakerTest, ATrialFailureReopensForAnotherFullDuration) {
  Fail(3);
  clock_.Advance(30s);
  ASSERT_TRUE(breaker_.AllowRequest());
  breaker_.OnFailure();
  EXPECT_EQ(breaker_.state(), State::kOpen);
  clock_.Advance(29s);
  EXPECT_FALSE(breaker_.AllowRequest());
  clock_.Advance(1s);
  EXPECT_TRUE(breaker_.AllowRequest());
}

TEST_F(CircuitBreakerTest, CancelledTrialFreesItsSlot) {
  Fail(3);
  clock_.Advance(30s);
  ASSERT_TRUE(breaker_.AllowRequest());
  breaker_.OnCancelled();
  EXPECT_TRUE(breaker_.AllowRequest());
}

TEST_F(CircuitBreakerTest, HoldOpenKeepsItOpenPastItsOpenDurationWithNoTrial) {
  breaker_.HoldOpen();
  EXPECT_TRUE(breaker_.held_open());
  EXPECT_EQ(breaker_.state(), State::kOpen);
  clock_.Advance(31s);
  EXPECT_EQ(breaker_.state(), State::kOpen) << "half-opened while held open";
  EXPECT_FALSE(breaker_.AllowRequest());
  clock_.Advance(24h);
  EXPECT_FALSE(breaker_.AllowRequest());
  EXPECT_GT(breaker_.RetryAfter(), 0ms);
}

TEST_F(CircuitBreakerTest, HoldOpenOfAnOpenBreakerStopsItsCooldown) {
  Fail(3);
  clock_.Advance(10s);
  breaker_.HoldOpen();
  clock_.Advance(30s);
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_FALSE(breaker_.AllowRequest());
  EXPECT_GT(breaker_.RetryAfter(), 0ms) << "a caller would retry at once";
}

TEST_F(CircuitBreakerTest, HoldOpenOfAHalfOpenBreakerIgnoresItsTrialsSuccess) {
  Fail(3);
  clock_.Advance(30s);
  ASSERT_TRUE(breaker_.AllowRequest());  // the trial
  breaker_.HoldOpen();
  EXPECT_EQ(breaker_.state(), State::kOpen);
  breaker_.OnSuccess();
  breaker_.OnSuccess();
  clock_.Advance(1h);
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_FALSE(breaker_.AllowRequest());
}

TEST_F(CircuitBreakerTest, CloseClosesAnOpenBreakerNow) {
  Fail(3);
  breaker_.Close();
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.AllowRequest());
  EXPECT_EQ(breaker_.RetryAfter(), 0ms);
}

TEST_F(CircuitBreakerTest, CloseClosesAHalfOpenBreakerNow) {
  Fail(3);
  clock_.Advance(30s);
  ASSERT_TRUE(breaker_.AllowRequest());  // the trial
  breaker_.Close();
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.AllowRequest());
  EXPECT_TRUE(breaker_.AllowRequest()) << "still limited to one trial";
}

TEST_F(CircuitBreakerTest, CloseReleasesAHold) {
  breaker_.HoldOpen();
  breaker_.Close();
  EXPECT_FALSE(breaker_.held_open());
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.AllowRequest());
  Fail(3);  // opens again as usual, and half-opens after its duration: no hold left
  ASSERT_EQ(breaker_.state(), State::kOpen);
  clock_.Advance(30s);
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
}

TEST_F(CircuitBreakerTest, CloseForgetsTheFailuresSoFar) {
  Fail(2);
  breaker_.Close();
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed) << "counted failures from before Close";
}

TEST_F(CircuitBreakerTest, CloseOfAnOpenBreakerForgetsItsFailures) {
  Fail(3);
  breaker_.Close();
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  Fail(1);
  EXPECT_EQ(breaker_.state(), State::kOpen);
}

TEST(CircuitBreaker, SlowCallsCountAsFailures) {
  fakes::FakeClock clock;
  CircuitBreaker breaker{{.failure_threshold = 2, .open_duration = 5s, .successes_to_close = 1, .slow_call = 2s},
                         clock};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(breaker.AllowRequest());
    breaker.OnSuccess(3s);
  }
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
}

TEST(CircuitBreaker, StateNames) {
  EXPECT_EQ(ToString(CircuitBreaker::State::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace resilience
