#pragma once

#include <prometheus/registry.h>

#include "common/gateway/gateway.hpp"
#include "common/metrics/gateway_metrics.hpp"
#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_random.hpp"
#include "tests/fakes/fake_redis.hpp"
#include "tests/fakes/fake_scheduler.hpp"
#include "tests/fakes/fake_transport.hpp"

namespace fakes {

// Everything a gateway::Gateway needs, faked (a scripted transport, an in-memory Redis, fake
// time for the rate-limit and retry waits), and the two loops that drive it. Declare it before
// the gateway, which must go first. Loop thread only.
struct GatewayFakes {
  FakeClock clock;
  FakeScheduler scheduler{clock};
  FakeRandom random;
  FakeTransport transport;
  FakeRedis redis{clock};
  prometheus::Registry registry;
  metrics::GatewayMetrics metrics{registry, "test"};

  gateway::Gateway::Seams Seams() { return {transport, redis, clock, scheduler, random}; }

  // Answers Redis commands and runs due waits until nothing more happens; HTTP stays held.
  // False when it is still moving after `rounds` (the test has a loop).
  [[nodiscard]] bool Pump(int rounds = 1000) {
    for (int i = 0; i < rounds; ++i) {
      if (redis.Deliver() + scheduler.RunDue() == 0) return true;
    }
    return false;
  }
  // Pump, and answer every request sent (and what that starts), until nothing more happens.
  [[nodiscard]] bool Settle(int rounds = 1000) {
    for (int i = 0; i < rounds; ++i) {
      if (!Pump(rounds)) return false;
      if (transport.ReleaseAll() == 0) return true;
    }
    return false;
  }
};

}  // namespace fakes
