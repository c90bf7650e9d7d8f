#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <memory>
#include <thread>

#include "common/uv/handles.hpp"

namespace runtime {

// One thread for blocking work (libpqxx): the loop posts tasks, the thread runs them in
// order, and each task's completion runs back on the loop thread (via uv_async). The
// thread owns whatever the tasks keep in thread-local state (the database connection).
// Post and Stop are loop-thread only. Stop waits for the running task, drops queued ones.
class WriterThread {
 public:
  // `work` runs on the writer thread; `done` then runs on the loop thread.
  struct Task {
    std::function<void()> work;
    std::function<void()> done;
  };

  explicit WriterThread(uv_loop_s& loop);
  ~WriterThread();
  WriterThread(const WriterThread&) = delete;
  WriterThread& operator=(const WriterThread&) = delete;

  void Post(Task task);
  void Stop();

 private:
  void Run();
  void DrainCompleted();

  std::unique_ptr<uv::Async> async_;  // null once stopped
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queued_;
  std::deque<std::function<void()>> completed_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace runtime
