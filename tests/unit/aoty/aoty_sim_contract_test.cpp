// The contract between provider-sim's AOTY pages (tools/provider_sim/aoty_api.cpp) and the
// provider's parser: what the simulator serves, the parser reads, so the integration tests
// exercise the same shapes as tests/data/aoty/.
#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.hpp"
#include "tools/provider_sim/simulator.hpp"
#include "workers/aoty/aoty_parse.hpp"

namespace {

provider_sim::Outcome Get(provider_sim::Simulator& sim, const std::string& target) {
  provider_sim::Request request;
  request.method = "GET";
  request.target = provider_sim::ParseTarget(target);
  request.user_agent = "tunefleet-test/1.0";
  return sim.Handle(request);
}

TEST(AotySimContract, TheSimulatorsPagesParseAndTheRightResultIsPicked) {
  fakes::FakeClock clock;
  provider_sim::SimSettings settings = provider_sim::DefaultSettings();
  settings.unlimited = true;
  settings.not_found_share = 0;
  provider_sim::Simulator sim(settings, clock);
  int with_critic = 0;
  int with_user = 0;
  constexpr int kAlbums = 40;
  for (int i = 0; i < kAlbums; ++i) {
    std::string artist = "The Band " + std::to_string(i);
    std::string title = "Record & Co. " + std::to_string(i);
    auto search = Get(sim, "/aoty" + aoty::SearchUrl("", artist, title));
    ASSERT_EQ(search.response.status, 200) << search.response.body;
    EXPECT_EQ(search.response.content_type, "text/html; charset=utf-8");
    auto candidates = aoty::ParseSearch(search.response.body);
    ASSERT_TRUE(candidates) << candidates.error().message;
    ASSERT_EQ(candidates->size(), 3u);
    auto pick = aoty::PickCandidate(*candidates, artist, title);
    ASSERT_TRUE(pick.has_value()) << search.response.body;
    EXPECT_EQ(pick->path, (*candidates)[1].path) << "the match is the second result, not the first";
    auto page = Get(sim, "/aoty" + pick->path);
    ASSERT_EQ(page.response.status, 200) << page.response.body;
    auto parsed = aoty::ParseAlbumPage(page.response.body);
    ASSERT_TRUE(parsed) << parsed.error().message << "\n" << page.response.body;
    EXPECT_EQ(aoty::MatchKey(parsed->title), aoty::MatchKey(title));
    if (parsed->critic_score) ++with_critic;
    if (parsed->user_score) ++with_user;
    EXPECT_TRUE(parsed->user_count.has_value());
  }
  EXPECT_GT(with_critic, kAlbums / 2);
  EXPECT_LT(with_critic, kAlbums);
  EXPECT_GT(with_user, kAlbums / 2);
}

TEST(AotySimContract, UnknownAlbumsHaveNoResultsAndOverTheLimitIsA429WithRetryAfter) {
  fakes::FakeClock clock;
  provider_sim::SimSettings settings = provider_sim::DefaultSettings();
  settings.not_found_share = 1;
  provider_sim::Simulator sim(settings, clock);
  auto search = Get(sim, "/aoty" + aoty::SearchUrl("", "Nobody", "Nothing"));
  ASSERT_EQ(search.response.status, 200);
  auto candidates = aoty::ParseSearch(search.response.body);
  ASSERT_TRUE(candidates) << candidates.error().message;
  EXPECT_TRUE(candidates->empty());
  auto limited = Get(sim, "/aoty" + aoty::SearchUrl("", "Nobody", "Nothing else"));
  EXPECT_EQ(limited.response.status, 429) << "default 0.5 req/s, burst 1: the second request at once is over";
  bool retry_after = false;
  for (const auto& [name, value] : limited.response.headers) retry_after = retry_after || name == "Retry-After";
  EXPECT_TRUE(retry_after);
}

}  // namespace
