// The gateway's order of steps without services: a scripted transport, an in-memory Redis,
// and fake time driving the rate-limit and retry waits. Cache -> coalescing -> bulkhead ->
// fleet rate limit -> breaker -> send -> retry; and Close answering every pending call once.
#include "common/gateway/gateway.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <map>
#include <string>
#include <vector>

#include "tests/fakes/gateway_fakes.hpp"

namespace gateway {
namespace {

using namespace std::chrono_literals;
using Answer = core::Result<http::Response>;

constexpr const char* kBase = "https://api.test";

class GatewayTest : public ::testing::Test {
 protected:
  // The gateway answers what is still pending when it goes: before the answers' map goes.
  void TearDown() override { gateway_.reset(); }

  // No rate limit in the way, 100 ms then 200 ms between retries (the fake random draws the
  // backoff's ceiling), a retry budget that never refuses.
  static GatewaySettings Settings() {
    return {.provider = "test",
            .rate_limit = {.key = "test", .rate_per_second = 1000, .burst = 1000, .local_share = 1.0},
            .breaker = {.failure_threshold = 5, .open_duration = 60s, .successes_to_close = 1},
            .backoff = {.base = 100ms, .cap = 1000ms},
            .retry_budget = {.ratio = 1.0, .min_retries_per_window = 100},
            .max_concurrency = 64,
            .max_attempts = 3,
            .max_retry_wait = 3000ms};
  }
  Gateway& Make(GatewaySettings settings = Settings()) {
    gateway_ = std::make_unique<Gateway>(fakes_.Seams(), std::move(settings), fakes_.metrics, logging::Logger("test"));
    return *gateway_;
  }
  void Call(const std::string& name, const std::string& path, CallOptions options = {}) {
    gateway_->Call({.url = kBase + path}, std::move(options), [this, name](Answer answer) {
      answers_[name].push_back(std::move(answer));
      if (closed_) ++answers_after_close_;
    });
  }
  void Close() {
    gateway_->Close();
    closed_ = true;
  }
  // Answers Redis commands and runs due waits until nothing more happens; HTTP stays held.
  void Pump() { ASSERT_TRUE(fakes_.Pump()) << "the gateway never settled"; }
  // Pump, and answer every request sent, until nothing more happens.
  void Settle() { ASSERT_TRUE(fakes_.Settle()) << "the gateway never settled"; }
  void AdvanceAndSettle(std::chrono::milliseconds d) {
    fakes_.clock.Advance(d);
    Settle();
  }
  const std::vector<Answer>& AnswersOf(const std::string& name) { return answers_[name]; }
  std::size_t AnswerCount() const {
    std::size_t n = 0;
    for (const auto& [name, answers] : answers_) n += answers.size();
    return n;
  }
  double Counter(prometheus::Counter& counter) const { return counter.Value(); }

  fakes::GatewayFakes fakes_;
  std::unique_ptr<Gateway> gateway_;
  std::map<std::string, std::vector<Answer>> answers_;
  bool closed_ = false;
  int answers_after_close_ = 0;
};

TEST_F(GatewayTest, CacheHitAnswersWithoutSending) {
  Make();
  fakes_.redis.Put("tunefleet:cache:test:track-1", "200\n{\"cached\":true}");
  Call("a", "/track/1", {.endpoint = "track", .cache_key = "track-1", .cache_ttl = 60s});
  Settle();
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  ASSERT_TRUE(AnswersOf("a")[0]);
  EXPECT_EQ(AnswersOf("a")[0]->body, "{\"cached\":true}");
  EXPECT_TRUE(fakes_.transport.requests().empty());
  EXPECT_EQ(fakes_.redis.Sent("EVAL"), 0u) << "a cached answer takes no rate-limit slot";
  EXPECT_EQ(Counter(fakes_.metrics.CacheHits()), 1);
}

TEST_F(GatewayTest, CacheMissSendsAndStoresTheAnswerWithItsTtl) {
  Make();
  fakes_.transport.Script("/track/2", {fakes::FakeTransport::Status(200, "fresh")});
  Call("a", "/track/2", {.endpoint = "track", .cache_key = "track-2", .cache_ttl = 60s});
  Settle();
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  ASSERT_TRUE(AnswersOf("a")[0]);
  EXPECT_EQ(fakes_.transport.Count("/track/2"), 1);
  EXPECT_EQ(fakes_.redis.Value("tunefleet:cache:test:track-2"), "200\nfresh");
  EXPECT_EQ(fakes_.redis.Ttl("tunefleet:cache:test:track-2"), 60s);
  Call("b", "/track/2", {.endpoint = "track", .cache_key = "track-2", .cache_ttl = 60s});
  Settle();
  ASSERT_EQ(AnswersOf("b").size(), 1u);
  EXPECT_EQ(fakes_.transport.Count("/track/2"), 1) << "the second call was answered from the cache";
}

TEST_F(GatewayTest, RedisDownIsACacheMissAndALocalRateLimit) {
  Make();
  fakes_.redis.SetDown(true);
  Call("a", "/track/3", {.endpoint = "track", .cache_key = "track-3", .cache_ttl = 60s});
  Settle();
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  EXPECT_TRUE(AnswersOf("a")[0]);
  EXPECT_EQ(fakes_.transport.Count("/track/3"), 1);
  EXPECT_EQ(Counter(fakes_.metrics.CacheMisses()), 1);
  EXPECT_TRUE(gateway_->rate_limit_degraded());
}

TEST_F(GatewayTest, IdenticalCallsInFlightShareOneSend) {
  Make();
  for (int i = 0; i < 5; ++i) Call("same" + std::to_string(i), "/same");
  Pump();
  EXPECT_EQ(fakes_.transport.held(), 1u);
  EXPECT_EQ(AnswerCount(), 0u);
  Settle();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(AnswersOf("same" + std::to_string(i)).size(), 1u) << i;
    EXPECT_TRUE(AnswersOf("same" + std::to_string(i))[0]) << i;
  }
  EXPECT_EQ(fakes_.transport.Count("/same"), 1);
  EXPECT_EQ(Counter(fakes_.metrics.Coalesced()), 4);
}

TEST_F(GatewayTest, WaitsForTheFleetRateLimitBeforeSending) {
  auto settings = Settings();
  settings.rate_limit = {.key = "test", .rate_per_second = 10, .burst = 1, .local_share = 1.0};
  Make(settings);
  Call("a", "/a");
  Call("b", "/b");
  Settle();
  EXPECT_EQ(fakes_.transport.Count("/a"), 1);
  EXPECT_EQ(fakes_.transport.Count("/b"), 0) << "one slot per 100 ms";
  EXPECT_EQ(Counter(fakes_.metrics.RateLimitWaits()), 1);
  AdvanceAndSettle(99ms);
  EXPECT_EQ(fakes_.transport.Count("/b"), 0);
  AdvanceAndSettle(1ms);
  EXPECT_EQ(fakes_.transport.Count("/b"), 1);
  ASSERT_EQ(AnswersOf("b").size(), 1u);
  EXPECT_TRUE(AnswersOf("b")[0]);
}

TEST_F(GatewayTest, BulkheadQueuesCallsBeyondMaxConcurrency) {
  auto settings = Settings();
  settings.max_concurrency = 2;
  Make(settings);
  Call("a", "/a");
  Call("b", "/b");
  Call("c", "/c");
  Pump();
  EXPECT_EQ(fakes_.transport.held(), 2u);
  EXPECT_EQ(fakes_.transport.Count("/c"), 0);
  ASSERT_TRUE(fakes_.transport.ReleaseOne("/a"));
  Pump();
  EXPECT_EQ(AnswersOf("a").size(), 1u);
  EXPECT_EQ(fakes_.transport.Count("/c"), 1) << "a's slot went to the queued call";
  EXPECT_EQ(fakes_.transport.held(), 2u);
  Settle();
  EXPECT_EQ(AnswerCount(), 3u);
}

// A call waiting for a bulkhead slot has not asked the rate limit yet: the slot the limit
// grants is spent at once, never held while connections are busy and sent later in a bunch
// (that pushed the chaos run 20 requests over a simulated quota).
TEST_F(GatewayTest, ARateSlotIsTakenOnlyWhenTheCallCanBeSentAtOnce) {
  auto settings = Settings();
  settings.max_concurrency = 1;
  Make(settings);
  auto asks = [&] {
    int n = 0;
    for (const auto& argv : fakes_.redis.log()) n += !argv.empty() && argv[0] == "EVAL" ? 1 : 0;
    return n;
  };
  Call("a", "/a");
  Pump();
  ASSERT_EQ(fakes_.transport.held(), 1u);
  Call("b", "/b");
  Call("c", "/c");
  Pump();
  EXPECT_EQ(asks(), 1) << "only a asked the rate limit; b and c wait for the bulkhead first";
  ASSERT_TRUE(fakes_.transport.ReleaseOne("/a"));
  Pump();
  EXPECT_EQ(asks(), 2);
  EXPECT_EQ(fakes_.transport.Count("/b"), 1) << "b asked and was sent in the same turn";
  Settle();
  EXPECT_EQ(asks(), 3);
  EXPECT_EQ(AnswerCount(), 3u);
}

TEST_F(GatewayTest, OpenBreakerRefusesWithoutSending) {
  auto settings = Settings();
  settings.breaker = {.failure_threshold = 1, .open_duration = 60s, .successes_to_close = 1};
  settings.max_attempts = 1;
  Make(settings);
  fakes_.transport.Script("/down", {fakes::FakeTransport::Status(503)});
  Call("a", "/down?n=1", {.endpoint = "down"});
  Settle();
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  EXPECT_EQ(gateway_->breaker_state(), resilience::CircuitBreaker::State::kOpen);
  Call("b", "/down?n=2", {.endpoint = "down"});
  Settle();
  ASSERT_EQ(AnswersOf("b").size(), 1u);
  ASSERT_FALSE(AnswersOf("b")[0]);
  const core::Error& error = AnswersOf("b")[0].error();
  EXPECT_EQ(error.kind, core::ErrorKind::kTransient);
  EXPECT_FALSE(error.attempted) << error.message;
  EXPECT_EQ(error.retry_after, 60s);
  EXPECT_EQ(fakes_.transport.Count("/down"), 1);
  EXPECT_EQ(Counter(fakes_.metrics.ApiCalls("down", "breaker_open")), 1);
}

TEST_F(GatewayTest, RetriesTransientFailuresAfterBackoff) {
  Make();
  fakes_.transport.Script("/flaky", {fakes::FakeTransport::Status(503), fakes::FakeTransport::Status(500),
                               fakes::FakeTransport::Status(200, "ok")});
  Call("a", "/flaky");
  Settle();
  EXPECT_EQ(fakes_.transport.Count("/flaky"), 1);
  AdvanceAndSettle(99ms);
  EXPECT_EQ(fakes_.transport.Count("/flaky"), 1);
  AdvanceAndSettle(1ms);
  EXPECT_EQ(fakes_.transport.Count("/flaky"), 2) << "first retry after the backoff's 100 ms";
  AdvanceAndSettle(199ms);
  EXPECT_EQ(fakes_.transport.Count("/flaky"), 2);
  EXPECT_TRUE(AnswersOf("a").empty());
  AdvanceAndSettle(1ms);
  EXPECT_EQ(fakes_.transport.Count("/flaky"), 3) << "second retry after 200 ms";
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  ASSERT_TRUE(AnswersOf("a")[0]);
  EXPECT_EQ(AnswersOf("a")[0]->body, "ok");
  EXPECT_EQ(Counter(fakes_.metrics.Retries()), 2);
}

TEST_F(GatewayTest, RetryWaitsAtLeastRetryAfter) {
  Make();
  fakes_.transport.Script("/limited", {fakes::FakeTransport::Status(429, "{}", {{"retry-after", "2"}}),
                                 fakes::FakeTransport::Status(200)});
  Call("a", "/limited");
  Settle();
  AdvanceAndSettle(1999ms);
  EXPECT_EQ(fakes_.transport.Count("/limited"), 1) << "the backoff alone would have retried after 100 ms";
  AdvanceAndSettle(1ms);
  EXPECT_EQ(fakes_.transport.Count("/limited"), 2);
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  EXPECT_TRUE(AnswersOf("a")[0]);
}

TEST_F(GatewayTest, RetryAfterBeyondMaxRetryWaitIsHandedBack) {
  Make();
  fakes_.transport.Script("/slow-down", {fakes::FakeTransport::Status(429, "{}", {{"retry-after", "10"}})});
  Call("a", "/slow-down");
  Settle();
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  ASSERT_FALSE(AnswersOf("a")[0]);
  EXPECT_EQ(AnswersOf("a")[0].error().kind, core::ErrorKind::kTransient);
  EXPECT_EQ(AnswersOf("a")[0].error().retry_after, 10s);
  EXPECT_EQ(fakes_.scheduler.pending(), 0u) << "no in-process wait";
  EXPECT_EQ(fakes_.transport.Count("/slow-down"), 1);
}

TEST_F(GatewayTest, GivesUpAfterMaxAttempts) {
  Make();
  fakes_.transport.Script("/down", {fakes::FakeTransport::Status(503)});
  Call("a", "/down");
  Settle();
  for (int i = 0; i < 10; ++i) AdvanceAndSettle(1000ms);
  EXPECT_EQ(fakes_.transport.Count("/down"), 3);
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  ASSERT_FALSE(AnswersOf("a")[0]);
  EXPECT_EQ(AnswersOf("a")[0].error().kind, core::ErrorKind::kTransient);
  EXPECT_TRUE(AnswersOf("a")[0].error().attempted);
  EXPECT_EQ(Counter(fakes_.metrics.Retries()), 2);
}

TEST_F(GatewayTest, RetryBudgetRefusesRetriesBeyondIt) {
  auto settings = Settings();
  settings.retry_budget = {.ratio = 0, .min_retries_per_window = 1, .window = 10s};
  Make(settings);
  fakes_.transport.Script("/down", {fakes::FakeTransport::Status(503)});
  Call("a", "/down");
  Settle();
  for (int i = 0; i < 10; ++i) AdvanceAndSettle(100ms);
  EXPECT_EQ(fakes_.transport.Count("/down"), 2) << "one retry in the budget, max_attempts would allow two";
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  EXPECT_FALSE(AnswersOf("a")[0]);
  EXPECT_EQ(Counter(fakes_.metrics.RetriesRefusedByBudget()), 1);
}

// A slow-drip server makes every attempt last its whole timeout; the call deadline bounds the
// call however many attempts max_attempts allows.
TEST_F(GatewayTest, CallDeadlineCutsAttemptsToTheTimeLeftAndStopsRetrying) {
  auto settings = Settings();
  settings.max_attempts = 10;
  settings.call_deadline = 1000ms;
  settings.attempt_timeout = 600ms;
  Make(settings);
  fakes_.transport.Script("/drip", {core::Error::Transient("GET https://api.test/drip: Operation timed out")});
  Call("a", "/drip");
  Pump();
  ASSERT_EQ(fakes_.transport.requests().size(), 1u);
  EXPECT_EQ(fakes_.transport.requests()[0].total_timeout, 0ms) << "a whole attempt fits: the client's own timeout";
  fakes_.clock.Advance(600ms);
  ASSERT_TRUE(fakes_.transport.ReleaseOne());
  Pump();
  fakes_.clock.Advance(100ms);  // the first backoff
  Pump();
  ASSERT_EQ(fakes_.transport.requests().size(), 2u);
  EXPECT_EQ(fakes_.transport.requests()[1].total_timeout, 300ms) << "cut to what is left of the deadline";
  fakes_.clock.Advance(300ms);
  ASSERT_TRUE(fakes_.transport.ReleaseOne());
  Pump();
  for (int i = 0; i < 10; ++i) AdvanceAndSettle(1000ms);
  EXPECT_EQ(fakes_.transport.Count("/drip"), 2) << "max_attempts alone allows 10";
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  ASSERT_FALSE(AnswersOf("a")[0]);
  EXPECT_EQ(AnswersOf("a")[0].error().kind, core::ErrorKind::kTransient);
  EXPECT_NE(AnswersOf("a")[0].error().message.find("call deadline of 1000 ms"), std::string::npos)
      << AnswersOf("a")[0].error().message;
}

TEST_F(GatewayTest, CallDeadlineSpentWaitingInTheBulkheadEndsTheCallWithoutSending) {
  auto settings = Settings();
  settings.max_attempts = 10;
  settings.call_deadline = 1000ms;
  settings.attempt_timeout = 600ms;
  settings.max_concurrency = 1;
  Make(settings);
  fakes_.transport.Script("/drip", {core::Error::Transient("timed out")});
  Call("a", "/drip");
  Call("b", "/other");  // waits in the bulkhead behind a's attempts
  Pump();
  fakes_.clock.Advance(600ms);
  ASSERT_TRUE(fakes_.transport.ReleaseOne("/drip"));
  Pump();  // b goes out; a's retry will wait for b's slot
  fakes_.clock.Advance(100ms);
  Pump();
  EXPECT_EQ(fakes_.transport.Count("/drip"), 1);
  fakes_.clock.Advance(400ms);  // b answers after a's deadline
  ASSERT_TRUE(fakes_.transport.ReleaseOne("/other"));
  Pump();
  EXPECT_EQ(fakes_.transport.Count("/drip"), 1) << "no attempt starts after the deadline";
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  ASSERT_FALSE(AnswersOf("a")[0]);
  EXPECT_NE(AnswersOf("a")[0].error().message.find("call deadline"), std::string::npos);
  ASSERT_EQ(AnswersOf("b").size(), 1u);
}

TEST_F(GatewayTest, BreakerHeldOpenByAnOperatorFailsCallsFastWithoutSending) {
  Make();
  gateway_->HoldBreakerOpen();
  EXPECT_TRUE(gateway_->breaker_held_open());
  EXPECT_EQ(gateway_->breaker_state(), resilience::CircuitBreaker::State::kOpen);
  Call("a", "/held");
  Settle();
  fakes_.clock.Advance(1h);  // far past the breaker's open duration: still held
  Call("b", "/held");
  Settle();
  for (const char* name : {"a", "b"}) {
    ASSERT_EQ(AnswersOf(name).size(), 1u) << name;
    ASSERT_FALSE(AnswersOf(name)[0]) << name;
    const core::Error& error = AnswersOf(name)[0].error();
    EXPECT_EQ(error.kind, core::ErrorKind::kTransient) << name;
    EXPECT_FALSE(error.attempted) << name << ": " << error.message;
    EXPECT_GT(error.retry_after, 0ms) << name;
  }
  EXPECT_EQ(fakes_.transport.Count("/held"), 0);
}

TEST_F(GatewayTest, CloseBreakerLetsCallsThroughAgain) {
  Make();
  gateway_->HoldBreakerOpen();
  gateway_->CloseBreaker();
  EXPECT_FALSE(gateway_->breaker_held_open());
  EXPECT_EQ(gateway_->breaker_state(), resilience::CircuitBreaker::State::kClosed);
  fakes_.transport.Script("/open", {fakes::FakeTransport::Status(200, "ok")});
  Call("a", "/open");
  Settle();
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  ASSERT_TRUE(AnswersOf("a")[0]);
  EXPECT_EQ(fakes_.transport.Count("/open"), 1);
}

TEST_F(GatewayTest, ResetBreakerClosesItAndForgetsTheRecentHealth) {
  auto settings = Settings();
  settings.breaker = {.failure_threshold = 1, .open_duration = 60s, .successes_to_close = 1};
  settings.max_attempts = 1;
  Make(settings);
  fakes_.transport.Script("/down", {fakes::FakeTransport::Status(503), fakes::FakeTransport::Status(200, "ok")});
  Call("a", "/down");
  Settle();
  ASSERT_EQ(gateway_->breaker_state(), resilience::CircuitBreaker::State::kOpen);
  ASSERT_LT(gateway_->success_rate(), 1.0);

  gateway_->ResetBreaker();
  EXPECT_EQ(gateway_->breaker_state(), resilience::CircuitBreaker::State::kClosed);
  EXPECT_DOUBLE_EQ(gateway_->success_rate(), 1.0);
  Call("b", "/down");
  Settle();
  ASSERT_EQ(AnswersOf("b").size(), 1u);
  ASSERT_TRUE(AnswersOf("b")[0]) << AnswersOf("b")[0].error().message;
  EXPECT_EQ(fakes_.transport.Count("/down"), 2);
}

TEST_F(GatewayTest, OverrideRateSetsTheRateInForceAndItsGaugeUntilWithdrawn) {
  Make();
  ASSERT_DOUBLE_EQ(gateway_->rate_in_force(), 1000);
  gateway_->OverrideRate(2.5);
  EXPECT_DOUBLE_EQ(gateway_->rate_in_force(), 2.5);
  EXPECT_DOUBLE_EQ(fakes_.metrics.RateLimit().Value(), 2.5);
  EXPECT_DOUBLE_EQ(gateway_->configured_rate(), 1000);

  gateway_->OverrideRate(std::nullopt);
  EXPECT_DOUBLE_EQ(gateway_->rate_in_force(), 1000);
  EXPECT_DOUBLE_EQ(fakes_.metrics.RateLimit().Value(), 1000);
}

TEST_F(GatewayTest, AdaptiveHalvingWorksFromTheOverriddenRate) {
  auto settings = Settings();
  settings.remaining_header = "x-remaining";
  settings.remaining_low_watermark = 5;
  Make(settings);
  fakes_.transport.Script("/few", {fakes::FakeTransport::Status(200, "{}", {{"x-remaining", "1"}})});
  fakes_.transport.Script("/many", {fakes::FakeTransport::Status(200, "{}", {{"x-remaining", "100"}})});
  Call("a", "/few");
  Settle();
  ASSERT_DOUBLE_EQ(gateway_->rate_in_force(), 500) << "the provider's low remaining count halves the rate";

  gateway_->OverrideRate(40);
  EXPECT_DOUBLE_EQ(gateway_->rate_in_force(), 20);
  EXPECT_DOUBLE_EQ(fakes_.metrics.RateLimit().Value(), 20);
  Call("b", "/many");
  Settle();
  EXPECT_DOUBLE_EQ(gateway_->rate_in_force(), 40) << "back to the override, not the configured rate";
  gateway_->OverrideRate(std::nullopt);
  EXPECT_DOUBLE_EQ(gateway_->rate_in_force(), 1000);
}

TEST_F(GatewayTest, MeasuresLatencyOnTheInjectedClock) {
  Make();
  Call("a", "/a");
  Pump();
  fakes_.clock.Advance(250ms);
  Settle();
  ASSERT_EQ(AnswersOf("a").size(), 1u);
  EXPECT_DOUBLE_EQ(gateway_->response_time_seconds(), 0.25);
}

// Leaves one call at each step a call can wait in, then closes the gateway.
// Rate limit: one per second, burst 3: c, a and h take the burst, e waits a second. Four
// bulkhead slots: a and h are sending, e waits for its rate slot, g asks for one; b queues.
class GatewayCloseTest : public GatewayTest {
 protected:
  void StageAndClose() {
    auto settings = Settings();
    settings.rate_limit = {.key = "test", .rate_per_second = 1, .burst = 3, .local_share = 1.0};
    settings.max_concurrency = 4;
    Make(settings);
    fakes_.transport.Script("/retry", {fakes::FakeTransport::Status(503), fakes::FakeTransport::Status(200)});
    Call("c-retry-wait", "/retry");
    Settle();
    ASSERT_EQ(fakes_.scheduler.pending(), 1u);
    Call("a-sending", "/slow");
    Call("h-sending", "/slow-too");
    Pump();
    ASSERT_EQ(fakes_.transport.held(), 2u);
    Call("d-coalesced", "/slow");
    Call("e-rate-wait", "/later");
    Pump();
    ASSERT_EQ(fakes_.scheduler.pending(), 2u) << "c's retry and e's rate-limit wait";
    Call("f-cache-lookup", "/cached", {.cache_key = "k", .cache_ttl = 60s});
    Call("g-rate-ask", "/ask");
    Call("b-bulkhead", "/queued");
    ASSERT_EQ(fakes_.redis.queued(), 2u) << "f's lookup and g's ask; b waits for a slot";
    ASSERT_EQ(AnswerCount(), 0u);
    requests_before_close_ = fakes_.transport.requests().size();
    redis_commands_before_close_ = fakes_.redis.log().size();
    Close();
  }
  std::size_t requests_before_close_ = 0;
  std::size_t redis_commands_before_close_ = 0;
};

TEST_F(GatewayCloseTest, CloseAnswersEveryPendingCallOnceAsTransient) {
  StageAndClose();
  for (const char* name : {"a-sending", "b-bulkhead", "c-retry-wait", "d-coalesced", "e-rate-wait",
                           "f-cache-lookup", "g-rate-ask", "h-sending"}) {
    ASSERT_EQ(AnswersOf(name).size(), 1u) << name;
    ASSERT_FALSE(AnswersOf(name)[0]) << name;
    EXPECT_EQ(AnswersOf(name)[0].error().kind, core::ErrorKind::kTransient) << name;
    EXPECT_FALSE(AnswersOf(name)[0].error().attempted) << name;
  }
  EXPECT_EQ(AnswerCount(), 8u);
  EXPECT_EQ(fakes_.scheduler.pending(), 0u) << "Close cancels the waits";
}

TEST_F(GatewayCloseTest, NothingRunsAfterClose) {
  StageAndClose();
  ASSERT_EQ(AnswerCount(), 8u);
  // Everything the gateway waited for now arrives; a rate-limit ask would now be granted.
  fakes_.clock.Advance(10s);
  Settle();
  AdvanceAndSettle(10s);
  EXPECT_EQ(answers_after_close_, 0);
  EXPECT_EQ(fakes_.transport.requests().size(), requests_before_close_) << "nothing sent after Close";
  EXPECT_EQ(fakes_.redis.log().size(), redis_commands_before_close_) << "nothing asked of Redis after Close";
  Call("late", "/late");
  Settle();
  ASSERT_EQ(AnswersOf("late").size(), 1u);
  ASSERT_FALSE(AnswersOf("late")[0]);
  EXPECT_FALSE(AnswersOf("late")[0].error().attempted);
  EXPECT_EQ(fakes_.transport.requests().size(), requests_before_close_);
}

}  // namespace
}  // namespace gateway
