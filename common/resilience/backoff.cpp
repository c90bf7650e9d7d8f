#include "common/resilience/backoff.hpp"

#include <algorithm>

namespace resilience {

std::chrono::milliseconds Backoff::Ceiling(int attempt) const {
  // Shift in 64 bits and stop doubling once past the cap: no overflow for large attempts.
  std::int64_t ceiling = settings_.base.count();
  for (int i = 0; i < attempt && ceiling < settings_.cap.count(); ++i) ceiling *= 2;
  return std::chrono::milliseconds{std::min(ceiling, static_cast<std::int64_t>(settings_.cap.count()))};
}

std::chrono::milliseconds Backoff::NextDelay(int attempt, std::mt19937_64& random,
                                             std::optional<std::chrono::milliseconds> retry_after) const {
  std::uniform_int_distribution<std::int64_t> jitter(0, Ceiling(attempt).count());
  std::chrono::milliseconds delay{jitter(random)};
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

std::chrono::milliseconds Backoff::NextDelay(int attempt, Random& random,
                                             std::optional<std::chrono::milliseconds> retry_after) const {
  std::chrono::milliseconds delay{random.UniformInt(0, Ceiling(attempt).count())};
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

}  // namespace resilience
