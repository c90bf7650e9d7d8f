#include "common/gateway/uv_scheduler.hpp"

#include <uv.h>

#include <algorithm>
#include <cstdint>

namespace gateway {
namespace {

// What a pending timer runs; owned by the timer's data until it fires or is cancelled.
struct TimerTask {
  std::map<resilience::Scheduler::TaskId, uv_timer_t*>* registry;
  resilience::Scheduler::TaskId id;
  std::function<void()> fn;
};

void CloseTimer(uv_timer_t* timer) {
  uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

}  // namespace

UvScheduler::~UvScheduler() {
  auto timers = std::move(timers_);
  timers_.clear();
  for (auto& [id, timer] : timers) {
    uv_timer_stop(timer);
    delete static_cast<TimerTask*>(timer->data);
    CloseTimer(timer);
  }
}

resilience::Scheduler::TaskId UvScheduler::After(std::chrono::milliseconds delay, std::function<void()> task) {
  TaskId id = next_id_++;
  auto* timer = new uv_timer_t;
  uv_timer_init(&loop_, timer);
  timer->data = new TimerTask{&timers_, id, std::move(task)};
  timers_.emplace(id, timer);
  uv_timer_start(timer, [](uv_timer_t* t) {
    auto* pending = static_cast<TimerTask*>(t->data);
    t->data = nullptr;
    pending->registry->erase(pending->id);
    CloseTimer(t);
    auto callback = std::move(pending->fn);
    delete pending;
    callback();
  }, static_cast<std::uint64_t>(std::max<long long>(0, delay.count())), 0);
  return id;
}

void UvScheduler::Cancel(TaskId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  uv_timer_t* timer = it->second;
  timers_.erase(it);
  uv_timer_stop(timer);
  delete static_cast<TimerTask*>(timer->data);
  timer->data = nullptr;
  CloseTimer(timer);
}

}  // namespace gateway
