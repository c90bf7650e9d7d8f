#include "common/resilience/retry_budget.hpp"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.hpp"

namespace resilience {
namespace {

using namespace std::chrono_literals;

TEST(RetryBudget, AllowsTheMinimumWithNoTraffic) {
  fakes::FakeClock clock;
  RetryBudget budget{{.ratio = 0.2, .min_retries_per_window = 3, .window = 10s}, clock};
  EXPECT_TRUE(budget.TryRetry());
  EXPECT_TRUE(budget.TryRetry());
  EXPECT_TRUE(budget.TryRetry());
  EXPECT_FALSE(budget.TryRetry());
}

TEST(RetryBudget, CapsRetriesAtAShareOfRequests) {
  fakes::FakeClock clock;
  RetryBudget budget{{.ratio = 0.2, .min_retries_per_window = 0, .window = 10s}, clock};
  for (int i = 0; i < 100; ++i) budget.OnRequest();
  int allowed = 0;
  while (budget.TryRetry()) ++allowed;
  EXPECT_EQ(allowed, 20);
}

TEST(RetryBudget, OldTrafficLeavesTheWindow) {
  fakes::FakeClock clock;
  RetryBudget budget{{.ratio = 0.5, .min_retries_per_window = 0, .window = 10s}, clock};
  for (int i = 0; i < 10; ++i) budget.OnRequest();
  clock.Advance(11s);
  EXPECT_FALSE(budget.TryRetry());
  budget.OnRequest();
  budget.OnRequest();
  EXPECT_TRUE(budget.TryRetry());
}

}  // namespace
}  // namespace resilience
