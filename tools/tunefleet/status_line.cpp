#include "tools/tunefleet/status_line.hpp"

#include <unistd.h>

#include <cstdio>

namespace cli {

StatusLine::StatusLine(const char* prefix, Clock::time_point start)
    : prefix_(prefix), tty_(isatty(STDERR_FILENO) == 1) {
  next_ = start;
  Due(start);  // the first line after one interval
}

bool StatusLine::Due(Clock::time_point now) {
  using namespace std::chrono_literals;
  if (now < next_) return false;
  next_ = now + (tty_ ? Clock::duration(200ms) : Clock::duration(5s));
  return true;
}

void StatusLine::Show(const std::string& line) {
  if (tty_) {
    std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
    shown_ = true;
  } else {
    std::fprintf(stderr, "%s%s\n", prefix_, line.c_str());
  }
  std::fflush(stderr);
}

void StatusLine::Clear() {
  if (!shown_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace cli
