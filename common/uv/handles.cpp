#include "common/uv/handles.hpp"

#include <uv.h>

#include <algorithm>
#include <cstdint>
#include <utility>

static_assert(uv::Poll::kReadable == UV_READABLE && uv::Poll::kWritable == UV_WRITABLE);

namespace uv {
namespace detail {

// The handle and its callbacks in one allocation, freed by the loop's close callback: a
// callback that destroys its owner keeps running on memory that is still there.
struct HandleState {
  union {
    uv_handle_t handle;
    uv_timer_t timer;
    uv_signal_t signal;
    uv_async_t async;
    uv_poll_t poll;
    uv_tcp_t tcp;
  };
  std::function<void()> on_timer_or_async{};
  std::function<void(int)> on_signal{};
  std::function<void(int, int)> on_poll{};
  std::function<void()> on_closed{};
  void* context = nullptr;

  HandleState() : handle{} {}
  static HandleState* Of(void* handle) { return static_cast<HandleState*>(reinterpret_cast<uv_handle_t*>(handle)->data); }

  // Closes once; the loop deletes the state after the close callback.
  static void Close(HandleState*& state, std::function<void()> on_closed = {}) {
    if (state == nullptr) return;
    state->on_closed = std::move(on_closed);
    uv_close(&state->handle, [](uv_handle_t* h) {
      auto* closing = static_cast<HandleState*>(h->data);
      auto done = std::move(closing->on_closed);
      delete closing;
      if (done) done();
    });
    state = nullptr;
  }
};

namespace {

HandleState* NewState() { return new HandleState; }

// Calls the callback in `slot` without copying it, and puts it back unless the call replaced
// it (a timer restarted from its own callback with another one).
template <typename Fn, typename... Args>
void Invoke(Fn& slot, Args... args) {
  if (!slot) return;
  Fn fn = std::move(slot);
  fn(args...);
  if (!slot) slot = std::move(fn);
}

}  // namespace
}  // namespace detail

using detail::HandleState;

// --- Timer -------------------------------------------------------------------------------

Timer::Timer(uv_loop_s& loop) : state_(detail::NewState()) {
  uv_timer_init(&loop, &state_->timer);
  state_->handle.data = state_;
}

Timer::~Timer() { Close(); }

void Timer::Start(std::chrono::milliseconds delay, std::function<void()> fn, std::chrono::milliseconds repeat) {
  if (state_ == nullptr) return;
  state_->on_timer_or_async = std::move(fn);
  uv_timer_start(
      &state_->timer,
      [](uv_timer_t* t) {
        detail::Invoke(HandleState::Of(t)->on_timer_or_async);
      },
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, delay.count())),
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, repeat.count())));
}

void Timer::Stop() {
  if (state_ != nullptr) uv_timer_stop(&state_->timer);
}

bool Timer::active() const { return state_ != nullptr && uv_is_active(&state_->handle) != 0; }

void Timer::Unref() {
  if (state_ != nullptr) uv_unref(&state_->handle);
}

void Timer::Close() {
  Stop();
  HandleState::Close(state_);
}

// --- Signal ------------------------------------------------------------------------------

Signal::Signal(uv_loop_s& loop) : state_(detail::NewState()) {
  uv_signal_init(&loop, &state_->signal);
  state_->handle.data = state_;
}

Signal::~Signal() { Close(); }

void Signal::Start(int signum, std::function<void(int)> fn) {
  if (state_ == nullptr) return;
  state_->on_signal = std::move(fn);
  uv_signal_start(
      &state_->signal,
      [](uv_signal_t* s, int number) {
        detail::Invoke(HandleState::Of(s)->on_signal, number);
      },
      signum);
}

void Signal::Stop() {
  if (state_ != nullptr) uv_signal_stop(&state_->signal);
}

void Signal::Close() {
  Stop();
  HandleState::Close(state_);
}

// --- Async -------------------------------------------------------------------------------

Async::Async(uv_loop_s& loop, std::function<void()> fn) : state_(detail::NewState()) {
  state_->on_timer_or_async = std::move(fn);
  uv_async_init(&loop, &state_->async, [](uv_async_t* a) {
    detail::Invoke(HandleState::Of(a)->on_timer_or_async);
  });
  state_->handle.data = state_;
}

Async::~Async() { Close(); }

void Async::Send() {
  if (state_ != nullptr) uv_async_send(&state_->async);
}

void Async::Close() { HandleState::Close(state_); }

// --- Poll --------------------------------------------------------------------------------

Poll::Poll(uv_loop_s& loop, int socket_fd) : state_(detail::NewState()) {
  uv_poll_init_socket(&loop, &state_->poll, socket_fd);
  state_->handle.data = state_;
}

Poll::~Poll() { Close(); }

void Poll::Start(int events, std::function<void(int, int)> fn) {
  if (state_ == nullptr) return;
  state_->on_poll = std::move(fn);
  uv_poll_start(&state_->poll, events, [](uv_poll_t* p, int status, int ready) {
    detail::Invoke(HandleState::Of(p)->on_poll, status, ready);
  });
}

void Poll::Stop() {
  if (state_ != nullptr) uv_poll_stop(&state_->poll);
}

void Poll::Close() {
  Stop();
  HandleState::Close(state_);
}

// --- Tcp ---------------------------------------------------------------------------------

Tcp::Tcp(uv_loop_s& loop) : state_(detail::NewState()) {
  uv_tcp_init(&loop, &state_->tcp);
  state_->handle.data = state_;
}

Tcp::~Tcp() { Close(); }

uv_tcp_s* Tcp::get() const { return state_ != nullptr ? &state_->tcp : nullptr; }

void Tcp::set_context(void* context) {
  if (state_ != nullptr) state_->context = context;
}

void* Tcp::ContextOf(const void* uv_handle) {
  return static_cast<HandleState*>(static_cast<const uv_handle_t*>(uv_handle)->data)->context;
}

void Tcp::Close(std::function<void()> on_closed) { HandleState::Close(state_, std::move(on_closed)); }

}  // namespace uv
