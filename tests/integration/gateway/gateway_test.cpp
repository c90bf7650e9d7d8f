// The gateway against a real HTTP server (civetweb, loopback) and the private stack's Redis.
#include "common/gateway/gateway.hpp"

#include <civetweb.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/http/http_client.hpp"
#include "common/redis/redis_client.hpp"

namespace gateway {
namespace {

using namespace std::chrono_literals;

// A scripted upstream: answers each path with the next status of its script (the last repeats).
struct Upstream {
  std::mutex mutex;
  std::map<std::string, std::vector<int>> scripts;
  std::map<std::string, int> calls;
  std::vector<std::chrono::steady_clock::time_point> times;
  std::chrono::milliseconds delay{0};

  int Next(const std::string& path) {
    std::lock_guard lock(mutex);
    int n = calls[path]++;
    times.push_back(std::chrono::steady_clock::now());
    auto& script = scripts[path];
    if (script.empty()) return 200;
    return script[std::min<std::size_t>(static_cast<std::size_t>(n), script.size() - 1)];
  }
  int Calls(const std::string& path) {
    std::lock_guard lock(mutex);
    return calls[path];
  }
};

int Handle(mg_connection* conn, void* data) {
  auto* upstream = static_cast<Upstream*>(data);
  std::string path = mg_get_request_info(conn)->local_uri;
  int status = upstream->Next(path);
  if (upstream->delay.count() > 0) std::this_thread::sleep_for(upstream->delay);
  std::string body = "{\"path\":\"" + path + "\",\"status\":" + std::to_string(status) + "}";
  const char* extra = status == 429 ? "Retry-After: 1\r\n" : "";
  // civetweb closes every connection after its answer (keep-alive is off by default); saying so
  // keeps the client from reusing a connection the server is closing, a race that failed one
  // call in transport (not with its scripted status) under load.
  mg_printf(conn,
            "HTTP/1.1 %d X\r\nConnection: close\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n",
            status, extra, body.size());
  mg_write(conn, body.data(), body.size());
  return status;
}

std::string RedisUrl() {
  const char* url = std::getenv("TUNEFLEET_REDIS_URL");
  return url != nullptr ? url : "redis://127.0.0.1:36379/0";
}

// Set with a rediss:// TUNEFLEET_REDIS_URL (TUNEFLEET_STACK_TLS=1 scripts/stack env).
std::string RedisCaFile() {
  const char* file = std::getenv("TUNEFLEET_REDIS_CA_FILE");
  return file != nullptr ? file : "";
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mg_init_library(0);
    const char* options[] = {"listening_ports", "127.0.0.1:0", "num_threads", "32", nullptr};
    mg_callbacks callbacks{};
    server_ = mg_start(&callbacks, nullptr, options);
    ASSERT_NE(server_, nullptr);
    mg_set_request_handler(server_, "/", Handle, &upstream_);
    mg_server_port ports[1];
    ASSERT_EQ(mg_get_server_ports(server_, 1, ports), 1);
    base_ = "http://127.0.0.1:" + std::to_string(ports[0].port);
    uv_loop_init(&loop_);
    std::random_device random;
    provider_ = "test" + std::to_string(random());
  }
  void TearDown() override {
    gateway_.reset();
    if (http_) http_->Close();
    if (redis_) redis_->Close();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    mg_stop(server_);
  }
  Gateway& Make(GatewaySettings settings = {}) {
    settings.provider = provider_;
    if (settings.rate_limit.key.empty()) settings.rate_limit = {provider_, 1000, 1000, 1.0};
    http_ = std::make_unique<http::HttpClient>(loop_, http::HttpClientSettings{});
    redis_ = std::make_unique<redis::RedisClient>(
        loop_, redis::RedisClientSettings{.url = RedisUrl(), .tls_ca_file = RedisCaFile()}, logging::Logger("test"));
    auto until = std::chrono::steady_clock::now() + 5s;
    while (!redis_->connected() && std::chrono::steady_clock::now() < until) uv_run(&loop_, UV_RUN_ONCE);
    EXPECT_TRUE(redis_->connected()) << "redis at " << RedisUrl() << " (scripts/stack up)";
    metrics_ = std::make_unique<metrics::GatewayMetrics>(registry_, provider_);
    gateway_ = std::make_unique<Gateway>(loop_, *http_, *redis_, clock_, settings, *metrics_, logging::Logger("test"));
    return *gateway_;
  }
  // Runs the loop until `count` answers arrived (bounded).
  void RunUntil(const int& answered, int count) {
    auto until = std::chrono::steady_clock::now() + 20s;
    while (answered < count && std::chrono::steady_clock::now() < until) uv_run(&loop_, UV_RUN_ONCE);
    ASSERT_EQ(answered, count);
  }

  Upstream upstream_;
  mg_context* server_ = nullptr;
  std::string base_;
  uv_loop_t loop_;
  std::string provider_;
  resilience::SteadyClock clock_;
  prometheus::Registry registry_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<metrics::GatewayMetrics> metrics_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(GatewayTest, CoalescesOneHundredIdenticalCallsIntoOne) {
  upstream_.delay = 100ms;
  auto& gateway = Make();
  int answered = 0;
  int ok = 0;
  for (int i = 0; i < 100; ++i) {
    gateway.Call({.url = base_ + "/same"}, {.endpoint = "same"}, [&](core::Result<http::Response> r) {
      ++answered;
      if (r && r->status == 200) ++ok;
    });
  }
  RunUntil(answered, 100);
  EXPECT_EQ(ok, 100);
  EXPECT_EQ(upstream_.Calls("/same"), 1);
  EXPECT_EQ(metrics_->Coalesced().Value(), 99);
}

TEST_F(GatewayTest, RetriesTransientFailuresThenSucceeds) {
  upstream_.scripts["/flaky"] = {503, 500, 200};
  auto& gateway = Make({.backoff = {.base = 10ms, .cap = 50ms}, .max_attempts = 3});
  int answered = 0;
  core::Result<http::Response> got = core::Error::Transient("none");
  gateway.Call({.url = base_ + "/flaky"}, {.endpoint = "flaky"}, [&](core::Result<http::Response> r) {
    ++answered;
    got = std::move(r);
  });
  RunUntil(answered, 1);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(upstream_.Calls("/flaky"), 3);
  EXPECT_EQ(metrics_->Retries().Value(), 2);
}

TEST_F(GatewayTest, HonoursRetryAfter) {
  upstream_.scripts["/limited"] = {429, 200};
  auto& gateway = Make({.backoff = {.base = 1ms, .cap = 5ms}, .max_attempts = 2});
  int answered = 0;
  gateway.Call({.url = base_ + "/limited"}, {.endpoint = "limited"}, [&](core::Result<http::Response>) { ++answered; });
  RunUntil(answered, 1);
  ASSERT_EQ(upstream_.times.size(), 2u);
  EXPECT_GE(upstream_.times[1] - upstream_.times[0], 990ms);
}

TEST_F(GatewayTest, LongRetryAfterGoesBackToTheQueueInsteadOfSleeping) {
  upstream_.scripts["/slow-down"] = {429};
  auto& gateway = Make({.max_attempts = 3, .max_retry_wait = 500ms});
  int answered = 0;
  core::Result<http::Response> got = http::Response{};
  gateway.Call({.url = base_ + "/slow-down"}, {.endpoint = "x"}, [&](core::Result<http::Response> r) {
    ++answered;
    got = std::move(r);
  });
  RunUntil(answered, 1);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::kTransient);
  ASSERT_TRUE(got.error().retry_after.has_value());
  EXPECT_GE(*got.error().retry_after, 1000ms);
  EXPECT_EQ(upstream_.Calls("/slow-down"), 1);
}

TEST_F(GatewayTest, OpensTheBreakerAndStopsCallingTheProvider) {
  upstream_.scripts["/down"] = {503};
  auto& gateway = Make({.breaker = {.failure_threshold = 3, .open_duration = 60s, .successes_to_close = 1},
                        .max_attempts = 1});
  int answered = 0;
  std::vector<std::string> errors;
  for (int i = 0; i < 6; ++i) {
    gateway.Call({.url = base_ + "/down?n=" + std::to_string(i)}, {.endpoint = "down"},
                 [&](core::Result<http::Response> r) {
                   ++answered;
                   errors.push_back(r ? "ok" : r.error().message);
                 });
    RunUntil(answered, i + 1);
  }
  EXPECT_EQ(upstream_.Calls("/down"), 3) << testing::PrintToString(errors);
  EXPECT_EQ(gateway.breaker_state(), resilience::CircuitBreaker::State::kOpen);
  EXPECT_NE(errors.back().find("circuit breaker is open"), std::string::npos) << errors.back();
  EXPECT_EQ(metrics_->BreakerState().Value(), 2);
}

TEST_F(GatewayTest, CachesAnswersInRedis) {
  auto& gateway = Make();
  int answered = 0;
  for (int i = 0; i < 2; ++i) {
    gateway.Call({.url = base_ + "/cached"}, {.endpoint = "c", .cache_key = "k1", .cache_ttl = 60s},
                 [&](core::Result<http::Response> r) {
                   ++answered;
                   EXPECT_TRUE(r && r->body.find("/cached") != std::string::npos);
                 });
    RunUntil(answered, i + 1);
    // The SET is asynchronous: wait until Redis has the entry before the second call.
    bool stored = false;
    auto until = std::chrono::steady_clock::now() + 10s;
    while (i == 0 && !stored && std::chrono::steady_clock::now() < until) {
      bool replied = false;
      redis_->Command({"EXISTS", "tunefleet:cache:" + provider_ + ":k1"}, [&](core::Result<redis::Reply> reply) {
        replied = true;
        stored = reply && reply->integer == 1;
      });
      while (!replied) uv_run(&loop_, UV_RUN_ONCE);
    }
    if (i == 0) {
      ASSERT_TRUE(stored) << "the answer never reached the cache";
    }
  }
  EXPECT_EQ(upstream_.Calls("/cached"), 1);
  EXPECT_EQ(metrics_->CacheHits().Value(), 1);
}

TEST_F(GatewayTest, TypesPermanentAndNotFoundAnswers) {
  upstream_.scripts["/missing"] = {404};
  upstream_.scripts["/bad"] = {400};
  auto& gateway = Make();
  int answered = 0;
  std::vector<core::ErrorKind> kinds;
  for (const char* path : {"/missing", "/bad"}) {
    gateway.Call({.url = base_ + path}, {.endpoint = "e"}, [&](core::Result<http::Response> r) {
      ++answered;
      if (!r) kinds.push_back(r.error().kind);
    });
  }
  RunUntil(answered, 2);
  ASSERT_EQ(kinds.size(), 2u);
  EXPECT_EQ(upstream_.Calls("/missing"), 1);  // not retried
  EXPECT_EQ(upstream_.Calls("/bad"), 1);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), core::ErrorKind::kNotFound), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), core::ErrorKind::kInvalidInput), kinds.end());
}

TEST(ParseRetryAfter, ReadsSecondsAndRejectsGarbage) {
  EXPECT_EQ(ParseRetryAfter("120"), std::chrono::milliseconds{120000});
  EXPECT_EQ(ParseRetryAfter("0.5"), std::chrono::milliseconds{500});
  EXPECT_FALSE(ParseRetryAfter("soon").has_value());
  EXPECT_FALSE(ParseRetryAfter("").has_value());
}

}  // namespace
}  // namespace gateway
