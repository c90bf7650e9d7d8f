// UvScheduler on a real loop: zero-delay tasks only, so no test waits for time to pass.
#include "common/gateway/uv_scheduler.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <memory>
#include <vector>

namespace gateway {
namespace {

using namespace std::chrono_literals;

class UvSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }
  void TearDown() override {
    scheduler_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  uv_loop_t loop_;
  std::unique_ptr<UvScheduler> scheduler_ = std::make_unique<UvScheduler>(loop_);
  std::vector<int> ran_;
};

TEST_F(UvSchedulerTest, RunsTasksOnTheLoopNotInsideAfter) {
  scheduler_->After(0ms, [this] { ran_.push_back(1); });
  scheduler_->After(-5ms, [this] { ran_.push_back(2); });
  EXPECT_TRUE(ran_.empty());
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(ran_, (std::vector<int>{1, 2}));
}

TEST_F(UvSchedulerTest, CancelledTasksNeverRun) {
  auto id = scheduler_->After(0ms, [this] { ran_.push_back(1); });
  scheduler_->After(0ms, [this] { ran_.push_back(2); });
  scheduler_->Cancel(id);
  scheduler_->Cancel(id);  // twice, and unknown ids, are ignored
  scheduler_->Cancel(12345);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(ran_, (std::vector<int>{2}));
}

TEST_F(UvSchedulerTest, DestructionCancelsPendingTasksAndFreesTheirTimers) {
  scheduler_->After(0ms, [this] { ran_.push_back(1); });
  scheduler_->After(1h, [this] { ran_.push_back(2); });
  scheduler_.reset();
  uv_run(&loop_, UV_RUN_DEFAULT);  // returns at once: no timer is left running
  EXPECT_TRUE(ran_.empty());
}

}  // namespace
}  // namespace gateway
