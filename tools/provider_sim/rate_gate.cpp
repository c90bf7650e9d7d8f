#include "tools/provider_sim/rate_gate.hpp"

#include <algorithm>
#include <cmath>

namespace provider_sim {

RateGate::RateGate(RateGateSettings settings, const resilience::Clock& clock)
    : settings_(settings), clock_(clock), tokens_(settings.burst), last_(clock.Now()) {}

void RateGate::Refill() const {
  auto now = clock_.Now();
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(settings_.burst, tokens_ + elapsed * settings_.rate_per_second);
  last_ = now;
}

double RateGate::tokens() const {
  Refill();
  return tokens_;
}

bool RateGate::Admit(std::chrono::microseconds unseen) {
  if (unlimited()) return true;
  Refill();
  auto tokens_in = [this](std::chrono::microseconds d) {
    return settings_.rate_per_second * std::chrono::duration<double>(d).count();
  };
  double floor = 1.0 - tokens_in(settings_.slack);
  if (tokens_ >= floor - tokens_in(unseen)) {
    if (tokens_ < floor) ++excused_;
    tokens_ -= 1.0;
    return true;
  }
  ++violations_;
  return false;
}

int RateGate::RetryAfterSeconds() const {
  if (unlimited()) return 0;
  Refill();
  double missing = std::max(0.0, 1.0 - tokens_);
  return std::max(1, static_cast<int>(std::ceil(missing / settings_.rate_per_second)));
}

void RateGate::Reconfigure(RateGateSettings settings) {
  Refill();
  settings_ = settings;
  tokens_ = std::min(tokens_, settings_.burst);
}

MinuteWindow::MinuteWindow(const resilience::Clock& clock) : clock_(clock), origin_(clock.Now()) {}

void MinuteWindow::Advance() const {
  auto second = std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - origin_).count();
  if (second <= current_second_) return;
  // Clear the slots of the seconds that passed without a request.
  std::int64_t steps = std::min<std::int64_t>(second - current_second_, 60);
  for (std::int64_t i = 1; i <= steps; ++i) {
    slots_[static_cast<std::size_t>((current_second_ + i) % 60)] = 0;
  }
  current_second_ = second;
}

void MinuteWindow::Record() {
  Advance();
  ++slots_[static_cast<std::size_t>(current_second_ % 60)];
}

void MinuteWindow::Clear() {
  slots_.fill(0);
  origin_ = clock_.Now();
  current_second_ = 0;
}

std::uint32_t MinuteWindow::Used() const {
  Advance();
  std::uint32_t used = 0;
  for (auto count : slots_) used += count;
  return used;
}

}  // namespace provider_sim
