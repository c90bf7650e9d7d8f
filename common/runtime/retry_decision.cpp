#include "common/runtime/retry_decision.hpp"

#include <algorithm>

namespace runtime {

RetryDecision DecideRetry(int previous_attempts, int max_attempts,
                          std::optional<std::chrono::milliseconds> retry_after,
                          const std::vector<DelayTier>& tiers) {
  RetryDecision decision;
  decision.attempt = std::max(previous_attempts, 0) + 1;
  if (decision.attempt >= max_attempts || tiers.empty()) {
    decision.kind = RetryDecision::Kind::kDeadLetter;
    return decision;
  }
  std::size_t index = std::min(static_cast<std::size_t>(decision.attempt - 1), tiers.size() - 1);
  if (retry_after) {
    while (index + 1 < tiers.size() && tiers[index].delay < *retry_after) ++index;
  }
  decision.kind = RetryDecision::Kind::kRetry;
  decision.tier = &tiers[index];
  return decision;
}

}  // namespace runtime
