#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/runtime/provider.hpp"
#include "tests/fakes/gateway_fakes.hpp"

// A provider's flow on a gateway of fakes (GatewayFakes): the gateway every provider flow test
// builds, and one job run through the flow to its one answer.
namespace fakes {

// Limits no test reaches, a breaker that stays closed and one attempt per call: the gateway
// never stands in the flow's way, and each answer a test scripts is used once.
inline gateway::GatewaySettings FlowGatewaySettings(const std::string& provider) {
  using namespace std::chrono_literals;
  return {.provider = provider,
          .rate_limit = {.key = provider, .rate_per_second = 1000, .burst = 1000, .local_share = 1.0},
          .breaker = {.failure_threshold = 100, .open_duration = 60s, .successes_to_close = 1},
          .backoff = {.base = 100ms, .cap = 1000ms},
          .retry_budget = {.ratio = 1.0, .min_retries_per_window = 100},
          .max_attempts = 1};
}

// A gateway on `fakes` with FlowGatewaySettings(provider). `fakes` must outlive it, and it
// must outlive the provider built on it.
inline std::unique_ptr<gateway::Gateway> MakeFlowGateway(GatewayFakes& fakes, const std::string& provider) {
  return std::make_unique<gateway::Gateway>(fakes.Seams(), FlowGatewaySettings(provider), fakes.metrics,
                                            logging::Logger("test"));
}

// Starts a job with `start(done)` (done: a runtime::EnrichDone), answers everything until the
// fakes settle, and returns the one result `done` got; a failure is added when the gateway
// does not settle or `done` did not run exactly once.
template <class Start>
core::Result<runtime::Enrichment> EnrichOnce(GatewayFakes& fakes, Start&& start) {
  std::vector<core::Result<runtime::Enrichment>> got;
  std::forward<Start>(start)([&got](core::Result<runtime::Enrichment> r) { got.push_back(std::move(r)); });
  EXPECT_TRUE(fakes.Settle()) << "the gateway never settled";
  EXPECT_EQ(got.size(), 1u) << "done must run exactly once";
  if (got.empty()) return core::Error::InvalidInput("no answer");
  return std::move(got.front());
}

}  // namespace fakes
