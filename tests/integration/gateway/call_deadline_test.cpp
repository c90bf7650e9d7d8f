// Gateway::Call's deadline over real HTTP: provider-sim drips every answer one byte per second,
// so each attempt lasts its whole timeout; the call still ends at its deadline, whatever
// max_attempts allows. Uses the private stack's Redis for the rate limiter.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <uv.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>

#include "common/gateway/gateway.hpp"
#include "common/http/http_client.hpp"
#include "common/redis/redis_client.hpp"
#include "tests/integration/provider_sim/sim_process.hpp"

namespace gateway {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::string RedisUrl() {
  const char* url = std::getenv("TUNEFLEET_REDIS_URL");
  return url != nullptr ? url : "redis://127.0.0.1:36379/0";
}

TEST(GatewayCallDeadline, ADripServerCannotStretchACallPastItsDeadlineWithRetries) {
  provider_sim_test::SimProcess sim({"--unlimited", "--lastfm-error-rate", "1", "--lastfm-error-kinds", "drip"});
  ASSERT_GT(sim.port(), 0) << "provider-sim did not start:\n" << sim.Stderr();
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::string provider = "deadline" + std::to_string(std::random_device{}());
  constexpr auto kAttempt = 1000ms;
  constexpr auto kDeadline = 3000ms;
  constexpr int kMaxAttempts = 20;  // without the deadline: at least 20 s
  {
    http::HttpClient client(loop, {.connect_timeout = kAttempt, .total_timeout = kAttempt});
    redis::RedisClient redis(loop, {.url = RedisUrl()}, logging::Logger("test"));
    auto until = SteadyClock::now() + 5s;
    while (!redis.connected() && SteadyClock::now() < until) uv_run(&loop, UV_RUN_ONCE);
    EXPECT_TRUE(redis.connected()) << "redis at " << RedisUrl() << " (scripts/stack up)";
    resilience::SteadyClock clock;
    prometheus::Registry registry;
    metrics::GatewayMetrics metrics(registry, provider);
    Gateway gateway(loop, client, redis, clock,
                    {.provider = provider,
                     .rate_limit = {provider, 1000, 1000, 1.0},
                     .breaker = {.failure_threshold = 100},  // the deadline, not the breaker, ends it
                     .backoff = {.base = 100ms, .cap = 200ms},
                     .retry_budget = {.ratio = 1.0, .min_retries_per_window = 100},
                     .max_attempts = kMaxAttempts,
                     .call_deadline = kDeadline,
                     .attempt_timeout = kAttempt},
                    metrics, logging::Logger("test"));

    std::optional<core::Result<http::Response>> got;
    auto started = SteadyClock::now();
    SteadyClock::time_point answered;
    gateway.Call({.url = sim.Url("/lastfm/2.0/?method=track.getInfo&artist=A&track=B&api_key=k&format=json")},
                 {.endpoint = "track.getInfo"}, [&](core::Result<http::Response> r) {
                   answered = SteadyClock::now();
                   got = std::move(r);
                 });
    auto guard = SteadyClock::now() + 60s;
    while (!got && SteadyClock::now() < guard) uv_run(&loop, UV_RUN_ONCE);
    ASSERT_TRUE(got.has_value()) << "no answer within 60 s";
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(answered - started);
    ASSERT_FALSE(*got) << "a dripped body was read whole";
    EXPECT_EQ(got->error().kind, core::ErrorKind::kTransient);
    EXPECT_NE(got->error().message.find("call deadline"), std::string::npos) << got->error().message;
    // Measured from the call: the deadline plus a generous margin for a loaded machine, far
    // below the 20 attempts of at least 1 s each that max_attempts alone would allow.
    EXPECT_LT(elapsed, kDeadline + 7000ms) << got->error().message;
    auto requests = provider_sim_test::ProviderStats(sim, "lastfm").requests;
    EXPECT_GE(requests, 2) << "the call was retried within its deadline";
    EXPECT_LE(requests, 4);
    gateway.Close();
    client.Close();
    redis.Close();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace gateway
