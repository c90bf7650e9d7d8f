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
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/metrics_probe.hpp"
#include "tests/support/text.hpp"

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

// A redis-server of the test's own on 127.0.0.1, started with `extra` arguments (e.g.
// --requirepass), killed by the destructor.
class RedisServer {
 public:
  // On a port the kernel hands out. Between picking it and redis binding it, an outgoing
  // connection of another test may take it: redis then exits at once and we try another port.
  explicit RedisServer(std::vector<std::string> extra = {}) {
    for (int attempt = 0; attempt < 5 && !Accepts(); ++attempt) {
      port_ = FreePort();
      std::vector<std::string> args{"redis-server", "--port",  std::to_string(port_), "--bind", "127.0.0.1",
                                    "--save",       "",        "--appendonly",        "no"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
        pid_ = 0;
        return;
      }
      auto until = std::chrono::steady_clock::now() + 30s;
      while (!Accepts() && std::chrono::steady_clock::now() < until) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = 0;
          break;
        }
        usleep(10000);
      }
      if (pid_ > 0 && !Accepts()) {  // still not listening after 30 s: give up on this one
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = 0;
      }
    }
  }
  ~RedisServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& userinfo, int db) const {
    return "redis://" + userinfo + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
  }
  bool Accepts() const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
  }

 private:
  int port_ = 0;
  pid_t pid_ = 0;
};

// What the client logs while it lives (the process-wide logger writes to a temporary file).
class LogCapture {
 public:
  LogCapture() : file_(std::tmpfile()) { logging::Configure(logging::Level::kDebug, file_); }
  ~LogCapture() {
    logging::Configure(logging::Level::kInfo, stderr);
    std::fclose(file_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string Text() const {
    std::fflush(file_);
    std::string out;
    std::rewind(file_);
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
    std::fseek(file_, 0, SEEK_END);
    return out;
  }
  std::size_t ErrorLines() const {
    return test_support::CountOccurrences(Text(), "\"level\":\"error\"");
  }

 private:
  std::FILE* file_;
};

// One command, run to its answer (or "no answer" after the deadline).
std::optional<core::Result<Reply>> RunCommand(uv_loop_t& loop, RedisClient& client, std::vector<std::string> argv,
                                              std::chrono::milliseconds limit = 5s) {
  std::optional<core::Result<Reply>> out;
  client.Command(argv, [&out](core::Result<Reply> r) { out = std::move(r); });
  RunUntil(loop, [&] { return out.has_value(); }, limit);
  return out;
}

// Closes the client and runs the loop until every handle is freed.
void Finish(uv_loop_t& loop, RedisClient& client) {
  client.Close();
  uv_run(&loop, UV_RUN_DEFAULT);
}

// Runs the loop until `done` or the deadline.

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

TEST(RedisClient, AnswersPipelinedCommandsInOrder) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  RedisServer server;
  {
    RedisClient client(loop, {.url = server.Url("", 0), .command_timeout = 5s}, logging::Logger("test"));
    constexpr int kCommands = 2000;
    std::vector<std::int64_t> answers;
    for (int i = 0; i < kCommands; ++i) {
      client.Command({"INCR", "counter"},
                     [&answers](core::Result<Reply> r) { answers.push_back(r ? r->integer : -1); });
    }
    // A value larger than a socket read and than hiredis' reader buffer.
    std::string big(3 * 1024 * 1024, 'x');
    for (std::size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
    ASSERT_TRUE(RunCommand(loop, client, {"SET", "big", big}).value());
    auto got = RunCommand(loop, client, {"GET", "big"});
    ASSERT_TRUE(got.has_value() && got->has_value());
    EXPECT_TRUE((*got)->text == big);
    ASSERT_EQ(answers.size(), static_cast<std::size_t>(kCommands));
    for (int i = 0; i < kCommands; ++i) ASSERT_EQ(answers[static_cast<std::size_t>(i)], i + 1);
    auto error = RunCommand(loop, client, {"INCR", "big"});
    ASSERT_TRUE(error.has_value());
    ASSERT_FALSE(error->has_value());
    EXPECT_EQ(error->error().kind, core::ErrorKind::kInvalidInput);
    Finish(loop, client);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(RedisClient, AnswerWaitingInTheSocketIsNotTimedOutAfterABusyLoop) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  RedisServer server;
  {
    RedisClient client(loop, {.url = server.Url("", 0), .command_timeout = 200ms}, logging::Logger("test"));
    ASSERT_TRUE(RunUntil(loop, [&] { return client.connected(); }, 10s));
    std::optional<core::Result<Reply>> answer;
    client.Command({"PING"}, [&answer](core::Result<Reply> r) { answer = std::move(r); });
    uv_run(&loop, UV_RUN_NOWAIT);  // sends it
    // The worker's loop is busy (a big batch) well past the timeout; the answer arrives meanwhile.
    usleep(600 * 1000);
    // The next iteration runs the command's timer before it polls the socket.
    uv_run(&loop, UV_RUN_NOWAIT);
    RunUntil(loop, [&] { return answer.has_value(); }, 2s);
    ASSERT_TRUE(answer.has_value());
    ASSERT_TRUE(answer->has_value()) << answer->error().message;
    EXPECT_EQ((*answer)->text, "PONG");
    Finish(loop, client);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(RedisClient, CloseAndDestroyWithCommandsInFlightAnswerEachOnce) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  RedisServer server;
  int answered = 0;
  int failed = 0;
  {
    auto client = std::make_unique<RedisClient>(loop, RedisClientSettings{.url = server.Url("", 0)},
                                                logging::Logger("test"));
    // Queued during the first connect, then sent and unanswered, then destroyed.
    for (int i = 0; i < 50; ++i) {
      client->Command({"PING"}, [&](core::Result<Reply> r) { ++answered; failed += r ? 0 : 1; });
    }
    ASSERT_TRUE(RunUntil(loop, [&] { return client->connected(); }, 10s));
    for (int i = 0; i < 50; ++i) {
      client->Command({"BLPOP", "nothing", "0"}, [&](core::Result<Reply> r) { ++answered; failed += r ? 0 : 1; });
    }
    RunUntil(loop, [&] { return answered >= 50; }, 5s);
    client.reset();
    EXPECT_EQ(answered, 100);
    EXPECT_EQ(failed, 50);  // the BLPOPs
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(answered, 100);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(RedisClient, PasswordFromTheUrlAuthenticatesAndTheDatabaseIsSelected) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  RedisServer server({"--requirepass", "s3cret-pw"});
  {
    LogCapture log;
    RedisClient in_db_5(loop, {.url = server.Url(":s3cret-pw@", 5), .command_timeout = 2s}, logging::Logger("test"));
    RedisClient in_db_0(loop, {.url = server.Url(":s3cret-pw@", 0), .command_timeout = 2s}, logging::Logger("test"));
    // Issued during the first connect: AUTH and SELECT go first.
    auto set = RunCommand(loop, in_db_5, {"SET", "auth-key", "in-5"});
    ASSERT_TRUE(set.has_value());
    ASSERT_TRUE(set->has_value()) << set->error().message;
    auto from_5 = RunCommand(loop, in_db_5, {"GET", "auth-key"});
    ASSERT_TRUE(from_5.has_value() && from_5->has_value());
    EXPECT_EQ((*from_5)->text, "in-5");
    auto from_0 = RunCommand(loop, in_db_0, {"GET", "auth-key"});
    ASSERT_TRUE(from_0.has_value() && from_0->has_value()) << (from_0 ? from_0->error().message : "no answer");
    EXPECT_EQ((*from_0)->type, Reply::Type::kNil);
    auto size_5 = RunCommand(loop, in_db_5, {"DBSIZE"});
    ASSERT_TRUE(size_5.has_value() && size_5->has_value());
    EXPECT_EQ((*size_5)->integer, 1);
    EXPECT_EQ(log.ErrorLines(), 0u) << log.Text();
    EXPECT_EQ(log.Text().find("s3cret-pw"), std::string::npos) << log.Text();
    in_db_0.Close();
    Finish(loop, in_db_5);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(RedisClient, AclUserAndPasswordFromTheUrlAuthenticate) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  RedisServer server({"--user", "worker", "on", ">worker-pw", "~*", "+@all"});
  {
    RedisClient client(loop, {.url = server.Url("worker:worker-pw@", 0), .command_timeout = 2s},
                       logging::Logger("test"));
    auto who = RunCommand(loop, client, {"ACL", "WHOAMI"});
    ASSERT_TRUE(who.has_value());
    ASSERT_TRUE(who->has_value()) << who->error().message;
    EXPECT_EQ((*who)->text, "worker");
    Finish(loop, client);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(RedisClient, WrongPasswordIsOneErrorLineNamingTheSettingWithoutThePassword) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  RedisServer server({"--requirepass", "right-pw"});
  {
    LogCapture log;
    std::vector<core::Error> reported;
    RedisClient client(loop, {.url = server.Url(":wrong-pw-42@", 0), .command_timeout = 1s,
                              .reconnect_interval = 50ms},
                       logging::Logger("test"));
    client.OnConfigError([&reported](const core::Error& e) { reported.push_back(e); });
    auto answer = RunCommand(loop, client, {"PING"});
    ASSERT_TRUE(answer.has_value());
    EXPECT_FALSE(answer->has_value()) << "a command answered with the wrong password";
    ASSERT_TRUE(RunUntil(loop, [&] { return reported.size() >= 3; }, 10s)) << "it stopped retrying";
    EXPECT_FALSE(client.connected());
    ASSERT_TRUE(client.config_error().has_value());
    const std::string& why = client.config_error()->message;
    EXPECT_NE(why.find("refused AUTH"), std::string::npos) << why;
    EXPECT_NE(why.find("WRONGPASS"), std::string::npos) << why;
    EXPECT_NE(why.find("TUNEFLEET_REDIS_URL"), std::string::npos) << why;
    EXPECT_NE(why.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << why;
    std::string text = log.Text();
    EXPECT_EQ(log.ErrorLines(), 1u) << "one line, not one per attempt: " << text;
    EXPECT_EQ(why.find("wrong-pw-42"), std::string::npos) << why;
    EXPECT_EQ(text.find("wrong-pw-42"), std::string::npos) << text;
    EXPECT_EQ(text.find("right-pw"), std::string::npos) << text;
    Finish(loop, client);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(RedisClient, NoPasswordForAProtectedRedisIsOneErrorLine) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  RedisServer server({"--requirepass", "right-pw"});
  {
    LogCapture log;
    RedisClient client(loop, {.url = server.Url("", 0), .command_timeout = 2s, .reconnect_interval = 50ms},
                       logging::Logger("test"));
    auto answer = RunCommand(loop, client, {"GET", "k"});
    ASSERT_TRUE(answer.has_value());
    ASSERT_FALSE(answer->has_value());
    ASSERT_TRUE(client.config_error().has_value());
    EXPECT_NE(client.config_error()->message.find("NOAUTH"), std::string::npos) << client.config_error()->message;
    EXPECT_NE(client.config_error()->message.find("TUNEFLEET_REDIS_URL"), std::string::npos);
    EXPECT_EQ(log.ErrorLines(), 1u) << log.Text();
    Finish(loop, client);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(RedisClient, ReconnectsAfterRedisRestartsAndFailsFastMeanwhile) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  auto server = std::make_unique<RedisServer>(std::vector<std::string>{"--requirepass", "pw"});
  int port = server->port();
  {
    RedisClient client(loop, {.url = server->Url(":pw@", 2), .command_timeout = 1s, .reconnect_interval = 100ms},
                       logging::Logger("test"));
    ASSERT_TRUE(RunUntil(loop, [&] { return client.connected(); }, 10s));
    server.reset();
    ASSERT_TRUE(RunUntil(loop, [&] { return !client.connected(); }, 10s));
    auto meanwhile = RunCommand(loop, client, {"PING"}, 100ms);
    ASSERT_TRUE(meanwhile.has_value()) << "did not fail at once while disconnected";
    EXPECT_FALSE(meanwhile->has_value());
    // The same port again (the test's RedisServer picks a free one: start one by hand).
    std::string port_text = std::to_string(port);
    const char* argv[] = {"redis-server", "--port", port_text.c_str(), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--requirepass", "pw", nullptr};
    pid_t again = 0;
    ASSERT_EQ(posix_spawnp(&again, "redis-server", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
    EXPECT_TRUE(RunUntil(loop, [&] { return client.connected(); }, 10s));
    auto db = RunCommand(loop, client, {"CLIENT", "INFO"});
    ASSERT_TRUE(db.has_value() && db->has_value());
    EXPECT_NE((*db)->text.find(" db=2 "), std::string::npos) << (*db)->text;
    kill(again, SIGTERM);
    waitpid(again, nullptr, 0);
    Finish(loop, client);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace redis
