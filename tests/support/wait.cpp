#include "tests/support/wait.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace test_support {

bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout, const std::string& what) {
  return WaitUntil(predicate, timeout, what, {});
}

bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout, const std::string& what,
               const std::function<std::string()>& describe) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto deadline = start + timeout;
  std::string last_error;
  for (;;) {
    bool last_try = Clock::now() >= deadline;
    try {
      if (predicate()) return true;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    if (last_try) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(20), deadline - Clock::now()));
  }
  std::string state;
  if (describe) {
    try {
      state = describe();
    } catch (const std::exception& e) {
      state = std::string("(describe threw: ") + e.what() + ")";
    }
  }
  ADD_FAILURE() << "timed out after " << timeout.count() << " ms waiting for: " << what
                << (state.empty() ? "" : "; state: " + state)
                << (last_error.empty() ? "" : "; last error: " + last_error);
  return false;
}

}  // namespace test_support
