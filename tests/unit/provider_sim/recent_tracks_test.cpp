// user.getRecentTracks in the simulator: deterministic histories, paging, the window, the
// now-playing entry, unknown users, and scrobbles added while an import pages.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>

#include "tests/fakes/fake_clock.hpp"
#include "tools/provider_sim/simulator.hpp"

namespace provider_sim {
namespace {

using fakes::FakeClock;

constexpr std::int64_t kEnd = 1'700'000'000;

class RecentTracksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimSettings settings = DefaultSettings();
    settings.unlimited = true;
    settings.lastfm_users = {{"Alice", 450}, {"bob", 3}};
    settings.lastfm_history_end = kEnd;
    sim_ = std::make_unique<Simulator>(settings, clock_);
  }

  rapidjson::Document Get(const std::string& query) {
    Request request;
    request.method = "GET";
    request.target = ParseTarget("/lastfm/2.0/?method=user.getRecentTracks&api_key=k&format=json&" + query);
    Outcome outcome = sim_->Handle(request);
    EXPECT_EQ(outcome.response.status, 200);
    rapidjson::Document doc;
    doc.Parse(outcome.response.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << outcome.response.body;
    return doc;
  }

  Outcome Post(const std::string& path, const std::string& body) {
    Request request;
    request.method = "POST";
    request.target = ParseTarget(path);
    request.body = body;
    return sim_->Handle(request);
  }

  static std::vector<std::int64_t> Times(const rapidjson::Document& doc) {
    std::vector<std::int64_t> out;
    for (const auto& track : doc["recenttracks"]["track"].GetArray()) {
      if (track.HasMember("date")) out.push_back(std::stoll(track["date"]["uts"].GetString()));
    }
    return out;
  }

  FakeClock clock_;
  std::unique_ptr<Simulator> sim_;
};

TEST_F(RecentTracksTest, PagesNewestFirstWithAttrAsStrings) {
  auto doc = Get("user=alice&limit=200&page=1");
  const auto& attr = doc["recenttracks"]["@attr"];
  EXPECT_STREQ(attr["user"].GetString(), "alice");
  EXPECT_STREQ(attr["totalPages"].GetString(), "3");
  EXPECT_STREQ(attr["page"].GetString(), "1");
  EXPECT_STREQ(attr["perPage"].GetString(), "200");
  EXPECT_STREQ(attr["total"].GetString(), "450");
  auto times = Times(doc);
  ASSERT_EQ(times.size(), 200u);
  EXPECT_EQ(times.front(), kEnd);
  for (std::size_t i = 1; i < times.size(); ++i) EXPECT_LT(times[i], times[i - 1]);
  EXPECT_GT(times.back(), kEnd - 61LL * 24 * 3600);
  const auto& first = doc["recenttracks"]["track"][1];
  EXPECT_TRUE(first["artist"].HasMember("#text"));
  EXPECT_TRUE(first["album"].HasMember("#text"));
  EXPECT_TRUE(first["date"].HasMember("#text"));
  EXPECT_STREQ(first["streamable"].GetString(), "0");
  EXPECT_EQ(Times(Get("user=alice&limit=200&page=3")).size(), 50u);
  EXPECT_EQ(Times(Get("user=alice")).size(), 50u);  // default limit
}

TEST_F(RecentTracksTest, NowPlayingComesFirstOnPageOneOfTheNewestWindowOnly) {
  auto doc = Get("user=alice&limit=10&page=1");
  const auto& first = doc["recenttracks"]["track"][0];
  ASSERT_TRUE(first.HasMember("@attr"));
  EXPECT_STREQ(first["@attr"]["nowplaying"].GetString(), "true");
  EXPECT_FALSE(first.HasMember("date"));
  EXPECT_EQ(doc["recenttracks"]["track"].Size(), 11u);
  EXPECT_FALSE(Get("user=alice&limit=10&page=2")["recenttracks"]["track"][0].HasMember("@attr"));
  // A window that ends before the newest scrobble is not "now".
  EXPECT_FALSE(Get("user=alice&limit=10&page=1&to=" + std::to_string(kEnd))["recenttracks"]["track"][0].HasMember("@attr"));
}

TEST_F(RecentTracksTest, WindowIsFromInclusiveToExclusive) {
  auto all = Times(Get("user=alice&limit=200&page=1"));
  const std::int64_t from = all[20], to = all[5];
  auto window = Times(Get("user=alice&limit=200&from=" + std::to_string(from) + "&to=" + std::to_string(to)));
  ASSERT_EQ(window.size(), 15u);
  EXPECT_EQ(window.front(), all[6]);
  EXPECT_EQ(window.back(), all[20]);
}

TEST_F(RecentTracksTest, HistoriesAreDeterministicWithRepeatsAndSomeMbids) {
  std::set<std::string> titles;
  int with_mbid = 0, plays = 0;
  for (int page = 1; page <= 3; ++page) {
    auto doc = Get("user=alice&limit=200&page=" + std::to_string(page));
    for (const auto& track : doc["recenttracks"]["track"].GetArray()) {
      if (!track.HasMember("date")) continue;
      ++plays;
      titles.insert(std::string(track["artist"]["#text"].GetString()) + "\x1f" + track["name"].GetString());
      if (track["mbid"].GetStringLength() > 0) ++with_mbid;
    }
  }
  EXPECT_EQ(plays, 450);
  EXPECT_LT(titles.size(), 450u);  // some repeated plays
  EXPECT_GT(titles.size(), 300u);
  EXPECT_GT(with_mbid, 20);
  EXPECT_LT(with_mbid, 200);
  // Same seed, same history (user names are case-insensitive).
  FakeClock clock;
  SimSettings settings = sim_->settings();
  Simulator again(settings, clock);
  Request request;
  request.method = "GET";
  request.target = ParseTarget("/lastfm/2.0/?method=user.getRecentTracks&api_key=k&user=ALICE&page=2&limit=200");
  Request mine = request;
  EXPECT_EQ(again.Handle(request).response.body.substr(100), sim_->Handle(mine).response.body.substr(100));
}

TEST_F(RecentTracksTest, UnknownUserIsError6In200) {
  Request request;
  request.method = "GET";
  request.target = ParseTarget("/lastfm/2.0/?method=user.getRecentTracks&api_key=k&user=nobody");
  Outcome outcome = sim_->Handle(request);
  EXPECT_EQ(outcome.response.status, 200);
  EXPECT_NE(outcome.response.body.find(R"("error":6,"message":"User not found")"), std::string::npos);
}

TEST_F(RecentTracksTest, AppendedScrobblesDoNotShiftAFixedWindow) {
  const std::string window = "user=alice&limit=200&page=2&to=" + std::to_string(kEnd + 1);
  auto before = Times(Get(window));
  Outcome added = Post("/_sim/lastfm/scrobbles", R"({"user":"Alice","count":7,"at":1700000100})");
  ASSERT_EQ(added.response.status, 200) << added.response.body;
  EXPECT_EQ(Times(Get(window)), before);
  auto newest = Times(Get("user=alice&limit=200&page=1"));
  EXPECT_EQ(newest.front(), 1700000106);
  EXPECT_EQ(Times(Get("user=alice&limit=200&from=" + std::to_string(kEnd + 1))).size(), 7u);
  EXPECT_EQ(Post("/_sim/lastfm/scrobbles", R"({"user":"nobody","count":1})").response.status, 400);
}

}  // namespace
}  // namespace provider_sim
