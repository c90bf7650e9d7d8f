#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/amqp/message.hpp"
#include "common/core/result.hpp"

// Bookkeeping of a publish run: which messages the broker has not confirmed yet, and pacing.
// Pure: the caller publishes and reports the broker's answers.
namespace publish {

// The messages published but not yet confirmed, in publish order, at most `capacity` of them:
// the only per-message memory a run keeps. A message leaves the window once it and every
// older message are confirmed; a refused one (basic.nack, or its connection lost) goes back
// to kUnsent to be published again. Sequence numbers count every message ever pushed. Slots
// (and their strings' buffers) are reused. Not thread safe.
class ConfirmWindow {
 public:
  enum class State : std::uint8_t { kUnsent, kInFlight, kConfirmed };
  struct Slot {
    amqp::OutgoingMessage message;
    std::uint64_t line = 0;     // the input line the message comes from
    bool last_of_line = false;  // its line's last message (one per provider)
    State state = State::kUnsent;
  };

  explicit ConfirmWindow(std::size_t capacity);

  std::size_t capacity() const { return slots_.size(); }
  std::size_t size() const { return static_cast<std::size_t>(tail_ - head_); }
  std::size_t room() const { return capacity() - size(); }
  bool empty() const { return head_ == tail_; }
  std::size_t unsent() const { return unsent_; }

  // Appends an unsent message for `line` (room() must be > 0); fill in slot(seq).message.
  std::uint64_t Push(std::uint64_t line, bool last_of_line);
  Slot& slot(std::uint64_t seq) { return slots_[seq % slots_.size()]; }
  const Slot& slot(std::uint64_t seq) const { return slots_[seq % slots_.size()]; }

  void MarkSent(std::uint64_t seq);
  // The broker's answer for `seq`: ok confirms it; otherwise it is unsent again. Answers for
  // messages not in flight are ignored.
  void OnConfirm(std::uint64_t seq, bool ok);
  // Sequence numbers of the unsent messages, oldest first.
  std::vector<std::uint64_t> Unsent() const;

  std::uint64_t confirmed_messages() const { return confirmed_messages_; }
  std::uint64_t confirmed_lines() const { return confirmed_lines_; }
  // The line of the oldest unconfirmed message: every earlier line is fully confirmed.
  std::optional<std::uint64_t> OldestUnconfirmedLine() const;

 private:
  std::vector<Slot> slots_;
  std::uint64_t head_ = 0;  // oldest message still in the window
  std::uint64_t tail_ = 0;  // next sequence number
  std::size_t unsent_ = 0;
  std::uint64_t confirmed_messages_ = 0;
  std::uint64_t confirmed_lines_ = 0;
};

// Token bucket for --rate: `per_second` messages per second on average, bursts of at most a
// twentieth of a second's worth (at least one). Time comes from the caller.
class Pacer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  Pacer(double per_second, TimePoint start);
  // Zero when a message may go now (and takes its token), else how long to wait first.
  std::chrono::nanoseconds Take(TimePoint now);

 private:
  double per_second_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

// "500/s" or "500" (messages per second, > 0; fractions allowed); an error naming --rate.
core::Result<double> ParseRate(std::string_view text);

}  // namespace publish
