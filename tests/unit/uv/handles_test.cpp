// The libuv handle owners on a real loop (no services): every owner's handle is closed and
// freed (the sanitizer presets find a leak), including owners destroyed inside their own
// callback, and the loop closes with nothing left open.
#include "common/uv/handles.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <thread>

namespace uv {
namespace {

using namespace std::chrono_literals;

class HandlesTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }
  uv_loop_t loop_;
};

TEST_F(HandlesTest, ATimerFiresOnceAndStopsKeepingTheLoopAlive) {
  Timer timer(loop_);
  int fired = 0;
  timer.Start(1ms, [&] { ++fired; });
  EXPECT_TRUE(timer.active());
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(timer.active());
}

TEST_F(HandlesTest, ARepeatingTimerCanBeStoppedFromItsCallback) {
  Timer timer(loop_);
  int fired = 0;
  timer.Start(1ms, [&] {
    if (++fired == 3) timer.Stop();
  }, 1ms);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(fired, 3);
}

TEST_F(HandlesTest, AnOwnerDestroyedInsideItsOwnCallbackIsFreedByTheLoop) {
  auto timer = std::make_unique<Timer>(loop_);
  int fired = 0;
  timer->Start(1ms, [&] {
    ++fired;
    timer.reset();  // the callback's state lives with the handle until the loop closes it
  }, 1ms);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(timer, nullptr);
}

TEST_F(HandlesTest, ATimerRestartedFromItsCallbackRunsTheNewCallback) {
  Timer timer(loop_);
  std::string order;
  timer.Start(1ms, [&] {
    order += "first,";
    timer.Start(1ms, [&] { order += "second"; });
  });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(order, "first,second");
}

TEST_F(HandlesTest, AClosedTimerIgnoresStart) {
  Timer timer(loop_);
  timer.Close();
  timer.Start(1ms, [] { ADD_FAILURE() << "a closed timer fired"; });
  EXPECT_FALSE(timer.active());
}

TEST_F(HandlesTest, AsyncSentFromAnotherThreadRunsOnTheLoop) {
  auto async = std::make_unique<Async>(loop_, nullptr);
  std::thread::id ran_on;
  async = std::make_unique<Async>(loop_, [&] {
    ran_on = std::this_thread::get_id();
    async.reset();  // lets the loop end
  });
  std::thread sender([&] { async->Send(); });
  uv_run(&loop_, UV_RUN_DEFAULT);
  sender.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST_F(HandlesTest, ASignalRunsItsCallbackOnTheLoop) {
  Signal signal(loop_);
  int received = 0;
  signal.Start(SIGUSR1, [&](int signum) {
    received = signum;
    signal.Close();
  });
  std::raise(SIGUSR1);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(received, SIGUSR1);
}

TEST_F(HandlesTest, APollSeesASocketBecomeReadable) {
  int fds[2];
  ASSERT_EQ(uv_socketpair(SOCK_STREAM, 0, fds, 0, 0), 0);
  Poll poll(loop_, fds[0]);
  int ready = 0;
  poll.Start(Poll::kReadable, [&](int status, int events) {
    EXPECT_EQ(status, 0);
    ready = events;
    poll.Close();
  });
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_NE(ready & Poll::kReadable, 0);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(HandlesTest, ATcpOwnerReportsItsCloseAndKeepsItsContext) {
  auto tcp = std::make_unique<Tcp>(loop_);
  int context = 7;
  tcp->set_context(&context);
  EXPECT_EQ(Tcp::ContextOf(tcp->get()), &context);
  bool closed = false;
  tcp->Close([&] { closed = true; });
  EXPECT_EQ(tcp->get(), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace uv
