#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <utility>

#include "common/resilience/scheduler.hpp"
#include "tests/fakes/fake_clock.hpp"

namespace fakes {

// A scheduler on a FakeClock: tasks run only from RunDue, once the clock has reached them,
// earliest first (ties in the order they were scheduled). Loop (test) thread only.
class FakeScheduler final : public resilience::Scheduler {
 public:
  explicit FakeScheduler(const FakeClock& clock) : clock_(clock) {}

  // resilience::Scheduler
  TaskId After(std::chrono::milliseconds delay, std::function<void()> task) override {
    TaskId id = next_id_++;
    tasks_.emplace(id, Task{clock_.Now() + std::max(delay, std::chrono::milliseconds{0}), std::move(task)});
    return id;
  }
  void Cancel(TaskId id) override { tasks_.erase(id); }

  // Runs every task due by now, including ones that due tasks schedule for now; returns how many.
  std::size_t RunDue() {
    std::size_t ran = 0;
    for (;;) {
      auto next = tasks_.end();
      for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
        if (it->second.due <= clock_.Now() && (next == tasks_.end() || it->second.due < next->second.due)) next = it;
      }
      if (next == tasks_.end()) return ran;
      auto fn = std::move(next->second.fn);
      tasks_.erase(next);
      fn();
      ++ran;
    }
  }
  std::size_t pending() const { return tasks_.size(); }

 private:
  struct Task {
    FakeClock::TimePoint due;
    std::function<void()> fn;
  };
  const FakeClock& clock_;
  TaskId next_id_ = 1;
  std::map<TaskId, Task> tasks_;
};

}  // namespace fakes
