#include "common/resilience/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace resilience {

TokenBucket::TokenBucket(TokenBucketSettings settings, const Clock& clock)
    : settings_(settings), clock_(clock), tokens_(settings.burst), last_(clock.Now()) {}

void TokenBucket::Drain() {
  tokens_ = 0;
  last_ = clock_.Now();
}

void TokenBucket::Refill() const {
  auto now = clock_.Now();
  double elapsed = std::chrono::duration<double>(now - last_).count();
  if (elapsed > 0) {
    tokens_ = std::min(settings_.burst, tokens_ + elapsed * settings_.rate_per_second);
    last_ = now;
  }
}

bool TokenBucket::TryAcquire() {
  Refill();
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::milliseconds TokenBucket::TimeUntilAvailable() const {
  Refill();
  if (tokens_ >= 1.0) return std::chrono::milliseconds{0};
  if (settings_.rate_per_second <= 0) return std::chrono::milliseconds::max();
  double seconds = (1.0 - tokens_) / settings_.rate_per_second;
  return std::chrono::milliseconds{static_cast<long long>(std::ceil(seconds * 1000.0))};
}

void TokenBucket::SetRate(double rate_per_second) {
  Refill();
  settings_.rate_per_second = std::max(0.0, rate_per_second);
}

double TokenBucket::available() const {
  Refill();
  return std::floor(tokens_);
}

}  // namespace resilience
