#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace resilience {

// Runs a task later, on the loop. Policies return delays; whoever acts on them (the gateway's
// retry and rate-limit waits) schedules through this, so tests drive the waits with fake time
// (tests/fakes/fake_scheduler.hpp). Production: gateway::UvScheduler. Loop thread only.
class Scheduler {
 public:
  using TaskId = std::uint64_t;
  virtual ~Scheduler() = default;
  // `task` runs once, after `delay` (0 or negative: on a later loop turn, never inside After).
  virtual TaskId After(std::chrono::milliseconds delay, std::function<void()> task) = 0;
  // The task will not run; its function is destroyed now. Unknown or finished ids are ignored.
  virtual void Cancel(TaskId id) = 0;
};

}  // namespace resilience
