// runtime's reading of provider specs: pure functions over data, with made-up providers.
#include "common/runtime/provider_spec.hpp"

#include <gtest/gtest.h>

#include <map>

#include "common/runtime/provider_settings.hpp"

namespace runtime {
namespace {

using namespace std::chrono_literals;

config::Env EnvOf(std::map<std::string, std::string> values) {
  return config::Env([values = std::move(values)](const std::string& key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

ProviderSpec Named(const std::string& name, std::optional<int> rank, bool in_all = true) {
  ProviderSpec spec;
  spec.name = name;
  spec.merge_rank = rank;
  spec.in_all = in_all;
  return spec;
}

TEST(ProviderSpec, FleetNamesListEveryProviderAndLeaveTheTestOnesOutOfAll) {
  auto names = FleetNames({Named("zeta", 2), Named("probe", std::nullopt, false), Named("alpha", 1)});
  EXPECT_EQ(names.known, (std::vector<std::string>{"zeta", "probe", "alpha"}));
  EXPECT_EQ(names.all, (std::vector<std::string>{"zeta", "alpha"}));
}

TEST(ProviderSpec, MergePriorityOrdersByRankAndLeavesUnrankedOut) {
  EXPECT_EQ(MergePriority({Named("zeta", 3), Named("probe", std::nullopt), Named("alpha", 1), Named("mid", 2)}),
            (std::vector<std::string>{"alpha", "mid", "zeta"}));
  EXPECT_TRUE(MergePriority({Named("probe", std::nullopt)}).empty());
}

TEST(ProviderSpec, CacheTtlsComeFromTheSpecAndTheProvidersVariables) {
  ProviderSpec spec = Named("acme", 1);
  spec.policy.base_url = "https://api.acme.invalid";
  spec.cache_ttls = {{"LOOKUP_TTL", 24h}, {"SEARCH_TTL", 1h}};
  auto settings = LoadProviderSettings(EnvOf({{"TUNEFLEET_ACME_SEARCH_TTL", "90s"}}), spec);
  EXPECT_EQ(settings.CacheTtl("LOOKUP_TTL"), 24h);
  EXPECT_EQ(settings.CacheTtl("SEARCH_TTL"), 90s);
  EXPECT_EQ(settings.cache_ttls.size(), 2u);
  EXPECT_THROW((void)settings.CacheTtl("TAGS_TTL"), std::out_of_range);
}

TEST(ProviderSpec, ACacheTtlUnderASecondIsRefusedNamingTheVariable) {
  ProviderSpec spec = Named("acme", 1);
  spec.policy.base_url = "https://api.acme.invalid";
  spec.cache_ttls = {{"SEARCH_TTL", 1h}};
  try {
    (void)LoadProviderSettings(EnvOf({{"TUNEFLEET_ACME_SEARCH_TTL", "500ms"}}), spec);
    FAIL() << "accepted a TTL under a second";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("TUNEFLEET_ACME_SEARCH_TTL"), std::string::npos) << e.what();
  }
}

TEST(ProviderSpec, ResponseSizeCapDefaultsToEightMebibytesAndIsRaisedByItsVariable) {
  ProviderSpec spec = Named("acme", 1);
  spec.policy.base_url = "https://api.acme.invalid";
  EXPECT_EQ(LoadProviderSettings(EnvOf({}), spec).policy.max_response_bytes, 8 << 20);
  auto raised = LoadProviderSettings(EnvOf({{"TUNEFLEET_ACME_MAX_RESPONSE_BYTES", "33554432"}}), spec);
  EXPECT_EQ(raised.policy.max_response_bytes, 32 << 20);
  try {
    (void)LoadProviderSettings(EnvOf({{"TUNEFLEET_ACME_MAX_RESPONSE_BYTES", "100"}}), spec);
    FAIL() << "accepted a cap no error page fits under";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("TUNEFLEET_ACME_MAX_RESPONSE_BYTES"), std::string::npos) << e.what();
  }
}

TEST(ProviderSpec, CallDeadlineDefaultsToThreeTimeoutsAndMustHoldOneAttempt) {
  ProviderSpec spec = Named("acme", 1);
  spec.policy.base_url = "https://api.acme.invalid";
  auto settings = LoadProviderSettings(EnvOf({{"TUNEFLEET_ACME_TIMEOUT", "4s"}}), spec);
  EXPECT_EQ(settings.policy.call_deadline, 12s);
  EXPECT_EQ(settings.gateway.call_deadline, 12s);
  EXPECT_EQ(settings.gateway.attempt_timeout, 4s);
  try {
    (void)LoadProviderSettings(EnvOf({{"TUNEFLEET_ACME_TIMEOUT", "4s"}, {"TUNEFLEET_ACME_CALL_DEADLINE", "3s"}}), spec);
    FAIL() << "accepted a deadline shorter than one attempt";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("TUNEFLEET_ACME_CALL_DEADLINE"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace runtime
