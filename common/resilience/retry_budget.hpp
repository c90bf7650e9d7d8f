#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "common/resilience/clock.hpp"

namespace resilience {

struct RetryBudgetSettings {
  double ratio = 0.2;                       // retries may add at most this share of requests
  int min_retries_per_window = 10;          // always allowed, so a quiet provider can still retry
  std::chrono::seconds window{10};
};

// Caps retries at a share of recent traffic over a sliding window (ten buckets), so that
// retries cannot turn an outage into a storm. Pure logic over an injected clock.
class RetryBudget {
 public:
  RetryBudget(RetryBudgetSettings settings, const Clock& clock);

  void OnRequest();
  // Spends one retry if the budget allows it.
  bool TryRetry();

 private:
  static constexpr int kBuckets = 10;
  struct Bucket {
    std::int64_t slot = -1;
    std::int64_t requests = 0;
    std::int64_t retries = 0;
  };
  Bucket& Current();
  void Totals(std::int64_t& requests, std::int64_t& retries);

  RetryBudgetSettings settings_;
  const Clock& clock_;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace resilience
