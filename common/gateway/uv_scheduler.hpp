#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "common/resilience/scheduler.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace gateway {

// resilience::Scheduler on a libuv loop: one one-shot uv::Timer per pending task, closed when
// it fires or is cancelled. The destructor cancels what is still pending; the loop must run
// afterwards so the timers are freed. Loop thread only; not copyable.
class UvScheduler final : public resilience::Scheduler {
 public:
  explicit UvScheduler(uv_loop_s& loop) : loop_(loop) {}
  ~UvScheduler() override = default;
  UvScheduler(const UvScheduler&) = delete;
  UvScheduler& operator=(const UvScheduler&) = delete;

  // resilience::Scheduler
  TaskId After(std::chrono::milliseconds delay, std::function<void()> task) override;
  void Cancel(TaskId id) override;

 private:
  uv_loop_s& loop_;
  TaskId next_id_ = 1;
  std::map<TaskId, std::unique_ptr<uv::Timer>> timers_;
};

}  // namespace gateway
