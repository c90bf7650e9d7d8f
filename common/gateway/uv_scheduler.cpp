#include "common/gateway/uv_scheduler.hpp"

#include <utility>

namespace gateway {

resilience::Scheduler::TaskId UvScheduler::After(std::chrono::milliseconds delay, std::function<void()> task) {
  TaskId id = next_id_++;
  auto& timer = timers_[id];
  timer = std::make_unique<uv::Timer>(loop_);
  timer->Start(delay, [this, id, task = std::move(task)]() mutable {
    auto callback = std::move(task);
    timers_.erase(id);  // closes the timer; this lambda lives until the loop frees it
    callback();
  });
  return id;
}

void UvScheduler::Cancel(TaskId id) { timers_.erase(id); }

}  // namespace gateway
