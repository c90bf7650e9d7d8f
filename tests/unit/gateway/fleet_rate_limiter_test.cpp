// The fleet rate limit's degraded mode, with a fake Redis that answers when told and a fake
// clock: one failure is asked again at once (a probe) while every other call waits; once the
// probe failed too, calls use the local bucket alone and only one probe per interval asks
// Redis, so fleet and local slots are never handed out side by side.
#include "common/gateway/fleet_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "tests/fakes/fake_clock.hpp"

namespace gateway {
namespace {

using namespace std::chrono_literals;

// Holds every command until the test answers it.
class FakeRedis final : public redis::Commands {
 public:
  void Command(const std::vector<std::string>& argv, redis::ReplyCallback callback) override {
    ASSERT_FALSE(argv.empty());
    EXPECT_EQ(argv[0], "EVAL");
    last_argv_ = argv;
    pending_.push_back(std::move(callback));
  }
  // EVAL script numkeys key interval burst probe: the burst the script was given.
  double last_burst() const { return last_argv_.size() > 5 ? std::stod(last_argv_[5]) : -1; }
  std::size_t pending() const { return pending_.size(); }
  std::size_t sent() const { return sent_ + pending_.size(); }
  // Answers the oldest command: a GCRA grant (wait 0) leaving `tokens` in the bucket, or a
  // refusal with a wait.
  void Grant(std::int64_t wait_us = 0, std::int64_t tokens = 0) {
    redis::Reply reply;
    reply.type = redis::Reply::Type::kArray;
    reply.elements.resize(3);
    for (auto& element : reply.elements) element.type = redis::Reply::Type::kInteger;
    reply.elements[0].integer = wait_us == 0 ? 1 : 0;
    reply.elements[1].integer = wait_us;
    reply.elements[2].integer = tokens;
    Answer(reply);
  }
  void TimeOut() { Answer(core::Error::Transient("redis did not answer in time")); }
  void Answer(core::Result<redis::Reply> result) {
    ASSERT_FALSE(pending_.empty());
    auto callback = std::move(pending_.front());
    pending_.pop_front();
    ++sent_;
    callback(std::move(result));
  }

 private:
  std::deque<redis::ReplyCallback> pending_;
  std::vector<std::string> last_argv_;
  std::size_t sent_ = 0;
};

class FleetRateLimiterTest : public ::testing::Test {
 protected:
  // rate 40/s, burst 8, local share 0.25: the local bucket gives 10/s with a burst of 2.
  FleetRateLimitSettings settings_{.key = "test", .rate_per_second = 40, .burst = 8, .local_share = 0.25,
                                   .probe_interval = 1000ms};
  FakeRedis redis_;
  fakes::FakeClock clock_;
  FleetRateLimiter limiter_{redis_, clock_, settings_, logging::Logger("test")};
  std::vector<std::chrono::milliseconds> decisions_;

  void Acquire() {
    limiter_.Acquire([this](std::chrono::milliseconds wait) { decisions_.push_back(wait); });
  }
  int Granted() const {
    int n = 0;
    for (auto d : decisions_) n += d == 0ms ? 1 : 0;
    return n;
  }
};

TEST_F(FleetRateLimiterTest, HealthyRedisDecidesEveryCall) {
  Acquire();
  Acquire();
  ASSERT_EQ(redis_.pending(), 2u);
  redis_.Grant();
  redis_.Grant(25'000);
  ASSERT_EQ(decisions_.size(), 2u);
  EXPECT_EQ(decisions_[0], 0ms);
  EXPECT_EQ(decisions_[1], 25ms);
  EXPECT_FALSE(limiter_.degraded());
}

TEST_F(FleetRateLimiterTest, TokensAvailableAreTheFleetBucketsThenTheLocalOnesWhenDegraded) {
  Acquire();
  redis_.Grant(0, 5);
  EXPECT_EQ(limiter_.tokens_available(), 5);
  Acquire();
  redis_.Grant(25'000);
  EXPECT_EQ(limiter_.tokens_available(), 0) << "a refusal: the bucket is empty";
  Acquire();
  redis_.TimeOut();
  redis_.TimeOut();  // the probe fails too: the local bucket, drained (the fleet was just sending)
  ASSERT_TRUE(limiter_.degraded());
  EXPECT_EQ(limiter_.tokens_available(), 0);
  clock_.Advance(1000ms);  // refills at 10/s up to its burst of 2
  EXPECT_EQ(limiter_.tokens_available(), 2);
}

TEST_F(FleetRateLimiterTest, WaitingCallsDoNotAllAskRedisAgain) {
  // A hundred jobs want a slot at once: four ask, the rest wait for those answers.
  for (int i = 0; i < 100; ++i) Acquire();
  EXPECT_EQ(redis_.pending(), 4u);
  redis_.Grant(30'000);  // refused: next slot in 30 ms
  EXPECT_EQ(decisions_.size(), 97u) << "the refused one and the 96 parked ones";
  for (auto d : decisions_) EXPECT_EQ(d, 30ms);
  redis_.Grant(30'000);
  redis_.Grant(30'000);
  redis_.Grant(30'000);
  EXPECT_EQ(decisions_.size(), 100u);
  EXPECT_EQ(redis_.sent(), 4u) << "four EVALs for a hundred waiting calls";
}

TEST_F(FleetRateLimiterTest, AGrantLetsTheNextParkedCallAsk) {
  for (int i = 0; i < 6; ++i) Acquire();
  ASSERT_EQ(redis_.pending(), 4u);
  redis_.Grant();  // a slot: there may be more, so a parked call asks now
  EXPECT_EQ(redis_.pending(), 4u);
  EXPECT_EQ(redis_.sent(), 5u);
  redis_.Grant();
  EXPECT_EQ(redis_.sent(), 6u);
  for (int i = 0; i < 4; ++i) redis_.Grant();
  EXPECT_EQ(Granted(), 6);
  EXPECT_EQ(redis_.pending(), 0u);
}

TEST_F(FleetRateLimiterTest, ParkedCallsUseTheLocalBucketWhenRedisFailsTwice) {
  for (int i = 0; i < 10; ++i) Acquire();
  redis_.TimeOut();
  EXPECT_FALSE(limiter_.degraded()) << "one failure is asked again before anything changes";
  EXPECT_EQ(redis_.pending(), 4u) << "three sent before the failure, and the probe";
  for (int i = 0; i < 3; ++i) redis_.TimeOut();  // sent before the failure: no news, they wait too
  EXPECT_TRUE(decisions_.empty());
  EXPECT_EQ(redis_.sent(), 5u);
  redis_.TimeOut();  // the probe
  EXPECT_TRUE(limiter_.degraded());
  EXPECT_EQ(decisions_.size(), 10u) << "every call, from the local bucket";
  EXPECT_EQ(Granted(), 2) << "its burst";
}

// Redis slow once while the other processes go on using the whole fleet rate through it: the
// failed call is asked again at once and every other call waits for that answer, so not one
// local slot is handed out on top of theirs. (FleetGateway.FourWorkers counted 1 request over
// the simulated quota in 2 of 6 runs under load when one timeout sent a process local.)
TEST_F(FleetRateLimiterTest, OneSlowAnswerHandsOutNoLocalSlot) {
  Acquire();
  redis_.Grant();
  for (int i = 0; i < 6; ++i) Acquire();  // four ask, two wait
  redis_.TimeOut();
  clock_.Advance(300ms);  // a local bucket would hold its whole burst again by now
  for (int i = 0; i < 5; ++i) Acquire();
  EXPECT_EQ(decisions_.size(), 1u) << "nobody was answered from the local bucket";
  EXPECT_EQ(redis_.sent(), 5u + 1u) << "the probe is the only new ask; the others wait for it";
  redis_.Grant();  // three answers to calls sent before the timeout: their slots hold
  redis_.Grant(20'000);
  redis_.Grant();
  EXPECT_EQ(decisions_.size(), 4u);
  redis_.Grant();  // the probe
  EXPECT_FALSE(limiter_.degraded());
  while (redis_.pending() > 0) redis_.Grant(50'000);
  ASSERT_EQ(decisions_.size(), 12u);
  EXPECT_EQ(Granted(), 4) << "each one a slot Redis gave";
  for (std::size_t i = 5; i < decisions_.size(); ++i) EXPECT_EQ(decisions_[i], 50ms) << "Redis' refusal";
}

// Redis fails while the fleet runs at its full rate: the provider's own bucket is empty, so
// the local bucket starts empty too instead of adding its burst (the chaos run went 7
// requests over a simulated MusicBrainz quota when Redis stopped).
TEST_F(FleetRateLimiterTest, WhenRedisFailsAfterServingTheLocalBucketStartsEmpty) {
  Acquire();
  redis_.Grant();
  Acquire();
  redis_.TimeOut();
  redis_.TimeOut();  // the probe
  ASSERT_TRUE(limiter_.degraded());
  ASSERT_EQ(decisions_.size(), 2u);
  EXPECT_EQ(decisions_[1], 100ms) << "no burst: the next local token in 1 / (40 * 0.25) s";
  clock_.Advance(100ms);
  Acquire();
  EXPECT_EQ(decisions_.back(), 0ms);
  Acquire();
  EXPECT_GT(decisions_.back(), 0ms);
}

TEST_F(FleetRateLimiterTest, AfterTwoFailuresCallsUseOnlyTheLocalBucketUntilTheProbe) {
  Acquire();
  redis_.TimeOut();
  redis_.TimeOut();  // the probe
  ASSERT_TRUE(limiter_.degraded());
  ASSERT_EQ(decisions_.size(), 1u);
  EXPECT_EQ(decisions_[0], 0ms) << "the local bucket starts with its burst";
  // Twenty more calls within the probe interval: none reaches Redis; the local bucket grants
  // the rest of its burst (2 in all) and then says when to ask again.
  for (int i = 0; i < 20; ++i) Acquire();
  EXPECT_EQ(redis_.sent(), 2u);
  EXPECT_EQ(Granted(), 2);
  EXPECT_GT(decisions_.back(), 0ms);
  // Half a second later the local bucket has refilled 5 tokens (capped at its burst of 2).
  clock_.Advance(500ms);
  for (int i = 0; i < 20; ++i) Acquire();
  EXPECT_EQ(redis_.sent(), 2u);
  EXPECT_EQ(Granted(), 4);
}

TEST_F(FleetRateLimiterTest, OneProbePerIntervalAndTheFirstAnsweredProbeEndsDegradedMode) {
  Acquire();
  redis_.TimeOut();
  redis_.TimeOut();  // the immediate probe
  ASSERT_TRUE(limiter_.degraded());
  clock_.Advance(1000ms);
  Acquire();  // the probe
  Acquire();  // waits behind it on the local bucket
  EXPECT_EQ(redis_.pending(), 1u);
  redis_.TimeOut();  // the probe failed too: still degraded, next probe a second later
  EXPECT_TRUE(limiter_.degraded());
  clock_.Advance(999ms);
  Acquire();
  EXPECT_EQ(redis_.pending(), 0u);
  clock_.Advance(1ms);
  Acquire();
  ASSERT_EQ(redis_.pending(), 1u);
  redis_.Grant();
  EXPECT_FALSE(limiter_.degraded());
  EXPECT_EQ(decisions_.back(), 0ms);
  Acquire();
  EXPECT_EQ(redis_.pending(), 1u) << "back on the fleet limit";
}

TEST_F(FleetRateLimiterTest, AnAnswerToACallSentBeforeTheFailureDoesNotEndDegradedMode) {
  Acquire();  // sent while healthy
  Acquire();  // sent while healthy
  Acquire();  // sent while healthy
  redis_.TimeOut();
  redis_.TimeOut();  // the second: sent before the failure, it waits for the probe
  redis_.Grant();    // the third call's answer arrives late: its slot is used...
  EXPECT_EQ(decisions_.back(), 0ms);
  redis_.TimeOut();  // the probe
  ASSERT_TRUE(limiter_.degraded());
  EXPECT_TRUE(limiter_.degraded()) << "...but it was no probe";
  Acquire();
  EXPECT_EQ(redis_.pending(), 0u);
}

TEST_F(FleetRateLimiterTest, AReplyOfTheWrongShapeDegradesLikeATimeout) {
  Acquire();
  redis::Reply status;
  status.type = redis::Reply::Type::kStatus;
  status.text = "OK";
  redis_.Answer(status);
  redis_.Answer(status);  // the probe
  EXPECT_TRUE(limiter_.degraded());
  ASSERT_EQ(decisions_.size(), 1u);
  EXPECT_EQ(decisions_[0], 0ms) << "answered from the local bucket";
}

// The burst_headroom: requests granted at pace may reach the provider closer together (a loop
// stalled under load answers several grants at once), so the fleet's bucket leaves rate x
// headroom of the burst to the provider; the sustained rate stays the whole quota.
TEST(FleetBurst, LeavesRateTimesTheHeadroomOfTheBurstToTheProviderAndAtLeastOne) {
  FleetRateLimitSettings s{.key = "k", .rate_per_second = 200, .burst = 30, .local_share = 0.5, .burst_headroom = 100ms};
  EXPECT_DOUBLE_EQ(FleetBurst(s), 10);
  s.burst_headroom = 0ms;
  EXPECT_DOUBLE_EQ(FleetBurst(s), 30);
  s = {.key = "k", .rate_per_second = 50, .burst = 10, .local_share = 1, .burst_headroom = 100ms};
  EXPECT_DOUBLE_EQ(FleetBurst(s), 5);
  s = {.key = "k", .rate_per_second = 1, .burst = 1, .local_share = 1, .burst_headroom = 100ms};
  EXPECT_DOUBLE_EQ(FleetBurst(s), 1) << "MusicBrainz's 1/s, burst 1 keeps its one request";
}

TEST(FleetRateLimiterHeadroom, RedisIsAskedWithTheBurstLessTheHeadroom) {
  FakeRedis redis;
  fakes::FakeClock clock;
  FleetRateLimiter limiter{redis, clock,
                           {.key = "k", .rate_per_second = 200, .burst = 30, .local_share = 0.5, .burst_headroom = 100ms},
                           logging::Logger("test")};
  limiter.Acquire([](std::chrono::milliseconds) {});
  EXPECT_DOUBLE_EQ(redis.last_burst(), 10);
  redis.Grant();
}

}  // namespace
}  // namespace gateway
