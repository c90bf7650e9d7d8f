#pragma once

#include <chrono>
#include <string>

namespace cli {

// A command's progress on stderr: on a terminal one line rewritten in place every 200 ms,
// otherwise a plain "<prefix><line>" line every 5 s (for logs). The caller asks Due() and, when
// it is, builds its line and Show()s it. Clear() removes the in-place line before anything
// else is printed.
class StatusLine {
 public:
  using Clock = std::chrono::steady_clock;

  StatusLine(const char* prefix, Clock::time_point start);

  bool tty() const { return tty_; }
  // True when a new line is due at `now` (and the next one is then scheduled).
  bool Due(Clock::time_point now);
  void Show(const std::string& line);
  void Clear();

 private:
  const char* prefix_;
  bool tty_;
  bool shown_ = false;
  Clock::time_point next_;
};

}  // namespace cli
