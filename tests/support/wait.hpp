#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace test_support {

// Polls `predicate` (every 20 ms, and once more at the deadline) until it returns true or
// `timeout` passes. On timeout it records a test failure naming `what` and returns false,
// so callers write ASSERT_TRUE(WaitUntil(...)). An exception from the predicate counts as
// "not yet" (a service may be restarting); the last one is quoted in the failure.
bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout, const std::string& what);

// Same, with `describe` appended to the failure message (for example the current counts).
bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout, const std::string& what,
               const std::function<std::string()>& describe);

}  // namespace test_support
