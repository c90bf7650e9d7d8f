#include "common/metrics/health.hpp"

#include <gtest/gtest.h>

namespace metrics {
namespace {

TEST(HealthState, NotReadyUntilSomethingIsRegistered) {
  HealthState health;
  EXPECT_FALSE(health.Ready());
}

TEST(HealthState, ReadyOnlyWhenEveryServiceIsHealthy) {
  HealthState health;
  health.SetHealthy("rabbitmq", true);
  health.SetHealthy("postgres", false);
  EXPECT_FALSE(health.Ready());
  health.SetHealthy("postgres", true);
  EXPECT_TRUE(health.Ready());
}

TEST(HealthState, RendersServicesWithDetails) {
  HealthState health;
  health.Set("spotify", {true, {{"circuit_breaker_state", "\"closed\""}, {"success_rate", "0.97"}}});
  EXPECT_EQ(health.RenderJson(),
            R"({"status":"healthy","services":{"spotify":{"status":"healthy","circuit_breaker_state":"closed","success_rate":0.97}}})");
}

}  // namespace
}  // namespace metrics
