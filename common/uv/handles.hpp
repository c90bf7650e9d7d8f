#pragma once

#include <chrono>
#include <functional>

struct uv_loop_s;
struct uv_poll_s;
struct uv_tcp_s;

// Owners of libuv handles, one small type per handle kind; nothing else in the tree writes
// `new uv_*_t`. Each owner allocates its handle on construction and closes it on destruction
// (or Close()); the loop frees it once closed, so the loop must run once more after the owner
// is gone. The callback lives with the handle, not the owner: an owner may be destroyed from
// inside its own callback. Loop thread only, except Async::Send. Not copyable, not movable
// (libuv keeps a pointer back to the handle's state).
namespace uv {

namespace detail {
struct HandleState;
}  // namespace detail

class Timer {
 public:
  explicit Timer(uv_loop_s& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `fn` after `delay`, then every `repeat` if non-zero. Restarting replaces the callback.
  void Start(std::chrono::milliseconds delay, std::function<void()> fn,
             std::chrono::milliseconds repeat = std::chrono::milliseconds{0});
  void Stop();
  bool active() const;
  // A timer that should not keep the loop alive on its own (uv_unref).
  void Unref();
  void Close();

 private:
  detail::HandleState* state_;
};

class Signal {
 public:
  explicit Signal(uv_loop_s& loop);
  ~Signal();
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  void Start(int signum, std::function<void(int signum)> fn);
  void Stop();
  void Close();

 private:
  detail::HandleState* state_;
};

// Wakes the loop from another thread: Send() is thread safe; `fn` runs on the loop (several
// Sends before it runs may be folded into one call).
class Async {
 public:
  Async(uv_loop_s& loop, std::function<void()> fn);
  ~Async();
  Async(const Async&) = delete;
  Async& operator=(const Async&) = delete;

  void Send();
  void Close();

 private:
  detail::HandleState* state_;
};

// Watches a socket for readiness. Events are a mask of kReadable and kWritable; `fn` gets a
// libuv status (0 or a negative error) and the ready events.
class Poll {
 public:
  static constexpr int kReadable = 1;  // UV_READABLE
  static constexpr int kWritable = 2;  // UV_WRITABLE

  Poll(uv_loop_s& loop, int socket_fd);
  ~Poll();
  Poll(const Poll&) = delete;
  Poll& operator=(const Poll&) = delete;

  void Start(int events, std::function<void(int status, int events)> fn);
  void Stop();
  void Close();

 private:
  detail::HandleState* state_;
};

// A TCP handle for code that drives streams itself (uv_listen, uv_read_start, uv_write on
// get()); the owner only makes and closes it. `on_closed` runs once the loop has closed it.
class Tcp {
 public:
  explicit Tcp(uv_loop_s& loop);
  ~Tcp();
  Tcp(const Tcp&) = delete;
  Tcp& operator=(const Tcp&) = delete;

  uv_tcp_s* get() const;
  // The handle's `data` belongs to the owner; code that needs its own object back in libuv's
  // stream callbacks stores it here and reads it with ContextOf(stream).
  void set_context(void* context);
  static void* ContextOf(const void* uv_handle);
  void Close(std::function<void()> on_closed = {});

 private:
  detail::HandleState* state_;
};

}  // namespace uv
