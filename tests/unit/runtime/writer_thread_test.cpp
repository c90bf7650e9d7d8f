// WriterThread on a real loop and a real thread (no services): tasks run in order on the
// writer thread, their completions on the loop thread, and destruction joins the thread and leaves nothing open. The tsan
// preset runs these to check the hand-over between the two threads (docs/TESTING.md).
#include "common/runtime/writer_thread.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace runtime {
namespace {

class WriterThreadTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }
  // Runs the loop until `done` holds: the async handle keeps the loop alive, so poll with
  // UV_RUN_NOWAIT and a generous deadline rather than a fixed sleep.
  template <typename Predicate>
  bool RunUntil(Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_NOWAIT);
      std::this_thread::yield();
    }
    return true;
  }
  uv_loop_t loop_;
};

TEST_F(WriterThreadTest, RunsTasksInOrderOffTheLoopAndCompletesThemOnTheLoop) {
  const auto loop_thread = std::this_thread::get_id();
  constexpr int kTasks = 200;
  std::vector<int> worked;    // written by the writer thread only
  std::vector<int> finished;  // written by the loop thread only
  std::atomic<int> off_loop{0};
  bool completions_on_loop = true;
  {
    WriterThread writer(loop_);
    for (int i = 0; i < kTasks; ++i) {
      writer.Post({.work = [&, i] {
                     if (std::this_thread::get_id() != loop_thread) off_loop.fetch_add(1);
                     worked.push_back(i);
                   },
                   .done = [&, i] {
                     completions_on_loop = completions_on_loop && std::this_thread::get_id() == loop_thread;
                     finished.push_back(i);
                   }});
    }
    ASSERT_TRUE(RunUntil([&] { return finished.size() == static_cast<std::size_t>(kTasks); }))
        << finished.size() << " of " << kTasks << " completions ran";
    writer.Stop();
  }
  EXPECT_EQ(off_loop.load(), kTasks);
  EXPECT_TRUE(completions_on_loop);
  std::vector<int> expected;
  for (int i = 0; i < kTasks; ++i) expected.push_back(i);
  EXPECT_EQ(worked, expected);
  EXPECT_EQ(finished, expected);
}

TEST_F(WriterThreadTest, DestroyingWithoutStopJoinsTheThread) {
  std::atomic<int> ran{0};
  {
    WriterThread writer(loop_);
    writer.Post({.work = [&] { ran.fetch_add(1); }, .done = [] {}});
    ASSERT_TRUE(RunUntil([&] { return ran.load() == 1; }));
  }
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace runtime
