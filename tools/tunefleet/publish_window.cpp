#include "tools/tunefleet/publish_window.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace publish {

ConfirmWindow::ConfirmWindow(std::size_t capacity) : slots_(capacity) { assert(capacity > 0); }

std::uint64_t ConfirmWindow::Push(std::uint64_t line, bool last_of_line) {
  assert(room() > 0);
  const std::uint64_t seq = tail_++;
  Slot& s = slot(seq);
  s.line = line;
  s.last_of_line = last_of_line;
  s.state = State::kUnsent;
  ++unsent_;
  return seq;
}

void ConfirmWindow::MarkSent(std::uint64_t seq) {
  assert(seq >= head_ && seq < tail_);
  Slot& s = slot(seq);
  assert(s.state == State::kUnsent);
  s.state = State::kInFlight;
  --unsent_;
}

void ConfirmWindow::OnConfirm(std::uint64_t seq, bool ok) {
  if (seq < head_ || seq >= tail_) return;
  Slot& s = slot(seq);
  if (s.state != State::kInFlight) return;
  if (!ok) {
    s.state = State::kUnsent;
    ++unsent_;
    return;
  }
  s.state = State::kConfirmed;
  ++confirmed_messages_;
  // Confirms arrive in order almost always, so this pops what was just confirmed.
  while (head_ < tail_ && slot(head_).state == State::kConfirmed) {
    if (slot(head_).last_of_line) ++confirmed_lines_;
    ++head_;
  }
}

std::vector<std::uint64_t> ConfirmWindow::Unsent() const {
  std::vector<std::uint64_t> out;
  out.reserve(unsent_);
  for (std::uint64_t seq = head_; seq < tail_ && out.size() < unsent_; ++seq) {
    if (slot(seq).state == State::kUnsent) out.push_back(seq);
  }
  return out;
}

std::optional<std::uint64_t> ConfirmWindow::OldestUnconfirmedLine() const {
  if (empty()) return std::nullopt;
  return slot(head_).line;
}

Pacer::Pacer(double per_second, TimePoint start)
    : per_second_(per_second), burst_(std::max(1.0, per_second / 20)), tokens_(1.0), last_(start) {
  assert(per_second > 0);
}

std::chrono::nanoseconds Pacer::Take(TimePoint now) {
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
    last_ = now;
  }
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::chrono::nanoseconds{0};
  }
  const double wait = (1.0 - tokens_) / per_second_;
  return std::chrono::nanoseconds{static_cast<std::int64_t>(std::ceil(wait * 1e9))};
}

core::Result<double> ParseRate(std::string_view text) {
  std::string_view number = text;
  if (number.ends_with("/s")) number.remove_suffix(2);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || !(value > 0) ||
      !std::isfinite(value)) {
    return core::Error::InvalidInput("--rate \"" + std::string(text) +
                                     "\" is not a positive rate (expected N/s, e.g. 500/s)");
  }
  return value;
}

}  // namespace publish
