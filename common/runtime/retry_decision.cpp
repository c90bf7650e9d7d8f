#include "common/runtime/retry_decision.hpp"

#include <algorithm>

namespace runtime {

RetryDecision DecideRetry(int previous_attempts, int max_attempts,
                          std::optional<std::chrono::milliseconds> retry_after,
                          const std::vector<DelayTier>& tiers, bool attempted) {
  RetryDecision decision;
  decision.attempt = std::max(previous_attempts, 0) + (attempted ? 1 : 0);
  if (tiers.empty() || (attempted && decision.attempt >= max_attempts)) {
    decision.kind = RetryDecision::Kind::kDeadLetter;
    return decision;
  }
  std::size_t index = std::min(static_cast<std::size_t>(std::max(decision.attempt - 1, 0)), tiers.size() - 1);
  if (retry_after) {
    while (index + 1 < tiers.size() && tiers[index].delay < *retry_after) ++index;
  }
  decision.kind = RetryDecision::Kind::kRetry;
  decision.tier = &tiers[index];
  return decision;
}

}  // namespace runtime
