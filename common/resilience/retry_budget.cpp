#include "common/resilience/retry_budget.hpp"

namespace resilience {

RetryBudget::RetryBudget(RetryBudgetSettings settings, const Clock& clock) : settings_(settings), clock_(clock) {}

RetryBudget::Bucket& RetryBudget::Current() {
  auto width = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.window) / kBuckets;
  std::int64_t slot = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch()) / width;
  Bucket& bucket = buckets_[static_cast<std::size_t>(slot % kBuckets)];
  if (bucket.slot != slot) bucket = Bucket{slot, 0, 0};
  return bucket;
}

void RetryBudget::Totals(std::int64_t& requests, std::int64_t& retries) {
  std::int64_t now_slot = Current().slot;
  requests = 0;
  retries = 0;
  for (const auto& bucket : buckets_) {
    if (bucket.slot > now_slot - kBuckets) {
      requests += bucket.requests;
      retries += bucket.retries;
    }
  }
}

void RetryBudget::OnRequest() { ++Current().requests; }

bool RetryBudget::TryRetry() {
  std::int64_t requests = 0;
  std::int64_t retries = 0;
  Totals(requests, retries);
  double allowed = settings_.ratio * static_cast<double>(requests) + settings_.min_retries_per_window;
  if (static_cast<double>(retries) + 1 > allowed) return false;
  ++Current().retries;
  return true;
}

}  // namespace resilience
