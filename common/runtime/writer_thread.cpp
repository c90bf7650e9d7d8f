#include "common/runtime/writer_thread.hpp"

namespace runtime {

WriterThread::WriterThread(uv_loop_s& loop) : async_(std::make_unique<uv::Async>(loop, [this] { DrainCompleted(); })) {
  thread_ = std::thread([this] { Run(); });
}

WriterThread::~WriterThread() { Stop(); }

void WriterThread::Post(Task task) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void WriterThread::Stop() {
  if (async_ == nullptr) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queued_.clear();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  async_.reset();
}

void WriterThread::Run() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      if (stopping_) return;
      task = std::move(queued_.front());
      queued_.pop_front();
    }
    task.work();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      completed_.push_back(std::move(task.done));
    }
    async_->Send();
  }
}

void WriterThread::DrainCompleted() {
  std::deque<std::function<void()>> ready;
  {
    std::lock_guard lock(mutex_);
    ready.swap(completed_);
  }
  for (auto& done : ready) {
    if (done) done();
  }
}

}  // namespace runtime
