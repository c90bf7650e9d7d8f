#pragma once

#include <uv.h>

// libuv timers owned by a runtime object (the worker, the builder worker): made on the
// loop, closed and freed by the loop. Internal to common/runtime (.cpp files only).
namespace runtime {

inline uv_timer_t* NewTimer(uv_loop_t& loop, void* owner) {
  auto* timer = new uv_timer_t;
  uv_timer_init(&loop, timer);
  timer->data = owner;
  return timer;
}

inline bool IsActive(uv_timer_t* timer) {
  return timer != nullptr && uv_is_active(reinterpret_cast<uv_handle_t*>(timer)) != 0;
}

// Closes the handle (the loop frees it once closed) and clears the pointer.
template <typename Handle>
void CloseAndFree(Handle*& handle) {
  if (handle == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
  handle = nullptr;
}

}  // namespace runtime
