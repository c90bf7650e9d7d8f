#include "common/runtime/retry_decision.hpp"

#include <gtest/gtest.h>

namespace runtime {
namespace {

using namespace std::chrono_literals;

std::string TierOf(const RetryDecision& d) { return d.tier == nullptr ? "<none>" : d.tier->name; }

TEST(DecideRetry, FirstFailureWaitsInTheFirstTier) {
  auto d = DecideRetry(0, 6, std::nullopt, DefaultDelayTiers());
  EXPECT_EQ(d.kind, RetryDecision::Kind::kRetry);
  EXPECT_EQ(d.attempt, 1);
  EXPECT_EQ(TierOf(d), "1s");
}

TEST(DecideRetry, EachFailureMovesToTheNextTier) {
  std::vector<std::string> tiers;
  for (int previous = 0; previous < 5; ++previous) {
    auto d = DecideRetry(previous, 100, std::nullopt, DefaultDelayTiers());
    ASSERT_EQ(d.kind, RetryDecision::Kind::kRetry);
    EXPECT_EQ(d.attempt, previous + 1);
    tiers.push_back(TierOf(d));
  }
  EXPECT_EQ(tiers, (std::vector<std::string>{"1s", "5s", "30s", "2m", "10m"}));
}

TEST(DecideRetry, AttemptsBeyondTheLastTierStayInTheLastTier) {
  auto d = DecideRetry(20, 100, std::nullopt, DefaultDelayTiers());
  EXPECT_EQ(d.kind, RetryDecision::Kind::kRetry);
  EXPECT_EQ(TierOf(d), "10m");
}

// An open breaker or a rate-limit wait never asked the provider: waiting is all it needs,
// however often it happens (the chaos run once dead-lettered a job after five breaker-open
// refusals in a row).
TEST(DecideRetry, AFailureThatWasNotAnAttemptKeepsTheCountAndNeverDeadLetters) {
  auto first = DecideRetry(0, 6, std::nullopt, DefaultDelayTiers(), /*attempted=*/false);
  EXPECT_EQ(first.kind, RetryDecision::Kind::kRetry);
  EXPECT_EQ(first.attempt, 0);
  EXPECT_EQ(TierOf(first), "1s");
  auto at_the_limit = DecideRetry(5, 6, std::nullopt, DefaultDelayTiers(), false);
  EXPECT_EQ(at_the_limit.kind, RetryDecision::Kind::kRetry);
  EXPECT_EQ(at_the_limit.attempt, 5);
  EXPECT_EQ(TierOf(at_the_limit), "10m");  // the tier of its last attempt
  EXPECT_EQ(TierOf(DecideRetry(1, 6, 20s, DefaultDelayTiers(), false)), "30s");  // the breaker's wait
  // The same failure as an attempt dead-letters at the limit.
  EXPECT_EQ(DecideRetry(5, 6, std::nullopt, DefaultDelayTiers(), true).kind, RetryDecision::Kind::kDeadLetter);
}

TEST(DecideRetry, RetryAfterPicksTheFirstTierAtLeastThatLong) {
  EXPECT_EQ(TierOf(DecideRetry(0, 6, 3s, DefaultDelayTiers())), "5s");
  EXPECT_EQ(TierOf(DecideRetry(0, 6, 5s, DefaultDelayTiers())), "5s");
  EXPECT_EQ(TierOf(DecideRetry(0, 6, 31s, DefaultDelayTiers())), "2m");
}

TEST(DecideRetry, RetryAfterNeverShortensTheTier) {
  EXPECT_EQ(TierOf(DecideRetry(2, 6, 1s, DefaultDelayTiers())), "30s");
}

TEST(DecideRetry, RetryAfterLongerThanEveryTierUsesTheLastTier) {
  EXPECT_EQ(TierOf(DecideRetry(0, 6, 1h, DefaultDelayTiers())), "10m");
}

TEST(DecideRetry, DeadLettersWhenTheAttemptReachesTheLimit) {
  auto last_retry = DecideRetry(1, 3, std::nullopt, DefaultDelayTiers());
  EXPECT_EQ(last_retry.kind, RetryDecision::Kind::kRetry);
  EXPECT_EQ(last_retry.attempt, 2);
  auto d = DecideRetry(2, 3, std::nullopt, DefaultDelayTiers());
  EXPECT_EQ(d.kind, RetryDecision::Kind::kDeadLetter);
  EXPECT_EQ(d.attempt, 3);
  EXPECT_EQ(d.tier, nullptr);
}

TEST(DecideRetry, MaxAttemptsOfOneDeadLettersTheFirstFailure) {
  auto d = DecideRetry(0, 1, std::nullopt, DefaultDelayTiers());
  EXPECT_EQ(d.kind, RetryDecision::Kind::kDeadLetter);
  EXPECT_EQ(d.attempt, 1);
}

TEST(DecideRetry, NegativeHeaderCountsAsFirstAttempt) {
  auto d = DecideRetry(-4, 6, std::nullopt, DefaultDelayTiers());
  EXPECT_EQ(d.attempt, 1);
  EXPECT_EQ(TierOf(d), "1s");
}

TEST(DecideRetry, NoTiersMeansDeadLetter) {
  auto d = DecideRetry(0, 6, std::nullopt, {});
  EXPECT_EQ(d.kind, RetryDecision::Kind::kDeadLetter);
}

}  // namespace
}  // namespace runtime
