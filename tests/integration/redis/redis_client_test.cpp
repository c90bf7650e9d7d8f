// RedisClient against real redis-server processes on loopback.
#include "common/redis/redis_client.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <string>

#include "tests/support/metrics_probe.hpp"

extern char** environ;

namespace redis {
namespace {

using namespace std::chrono_literals;

using test_support::FreePort;

// Runs the loop until `done` or the deadline.
bool RunUntil(uv_loop_t& loop, const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < until) {
    uv_run(&loop, UV_RUN_NOWAIT);
    usleep(5000);
  }
  return done();
}

TEST(RedisClient, FindsRedisThatStartsAfterIt) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int port = FreePort();
  pid_t server = 0;
  {
    RedisClient client(loop, {.url = "redis://127.0.0.1:" + std::to_string(port) + "/0",
                              .command_timeout = 250ms, .reconnect_interval = 200ms},
                       logging::Logger("test"));
    EXPECT_FALSE(RunUntil(loop, [&] { return client.connected(); }, 1500ms));
    bool failed_fast = false;
    client.Command({"PING"}, [&](core::Result<Reply> r) { failed_fast = !r; });
    RunUntil(loop, [&] { return failed_fast; }, 1000ms);
    EXPECT_TRUE(failed_fast);

    std::string port_text = std::to_string(port);
    const char* argv[] = {"redis-server", "--port", port_text.c_str(), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", nullptr};
    ASSERT_EQ(posix_spawnp(&server, "redis-server", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
    EXPECT_TRUE(RunUntil(loop, [&] { return client.connected(); }, 10s)) << "did not reconnect";
    std::string pong;
    client.Command({"PING"}, [&](core::Result<Reply> r) { pong = r ? r->text : r.error().message; });
    RunUntil(loop, [&] { return !pong.empty(); }, 2s);
    EXPECT_EQ(pong, "PONG");
    client.Close();
  }
  if (server > 0) {
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace redis
