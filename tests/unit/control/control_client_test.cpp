// `tunefleet workers`'s pure parts: which processes it still lists, and how it shows them.
#include "tools/tunefleet/control_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace ops {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

const TimePoint kT0 = TimePoint{} + 1000h;

control::Status Process(const std::string& kind, const std::string& name, std::int64_t pid,
                        std::int64_t heartbeat_ms = 1000) {
  control::Status status;
  status.who.kind = kind;
  status.who.name = name;
  status.who.host = "node-1";
  status.who.pid = pid;
  status.who.version = "1.2.3";
  status.heartbeat_ms = heartbeat_ms;
  status.log_level = "info";
  status.uptime_seconds = 30;
  if (kind == "provider") {
    status.breaker = "closed";
    status.rate_per_second = 10;
    status.configured_rate = 10;
  }
  return status;
}

// The line of `id` in `table`, or "" when there is none.
std::string LineOf(const std::string& table, const std::string& id) {
  std::size_t at = table.find(id + " ");
  if (at == std::string::npos) return {};
  return table.substr(at, table.find('\n', at) - at);
}

TEST(ForgetSilent, DropsAProcessUnheardForMoreThanTwoOfItsHeartbeatsAndKeepsOneHeardRecently) {
  SeenProcesses seen;
  Remember(seen, Process("provider", "spotify", 1, 1000), kT0);
  Remember(seen, Process("provider", "lastfm", 2, 1000), kT0 + 2500ms);
  auto gone = ForgetSilent(seen, kT0 + 3000ms);
  EXPECT_EQ(gone, (std::vector<std::string>{"spotify@node-1:1"}));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.begin()->first, "lastfm@node-1:2");
}

TEST(ForgetSilent, KeepsAProcessUnheardForExactlyTwoOfItsOwnHeartbeats) {
  SeenProcesses seen;
  Remember(seen, Process("provider", "spotify", 1, 1000), kT0);
  Remember(seen, Process("builder", "slowbeat", 2, 10000), kT0);
  EXPECT_TRUE(ForgetSilent(seen, kT0 + 2000ms).empty());
  EXPECT_EQ(ForgetSilent(seen, kT0 + 2001ms), (std::vector<std::string>{"spotify@node-1:1"}));
  EXPECT_EQ(seen.count("slowbeat@node-1:2"), 1u) << "judged by another process's heartbeat";
}

TEST(ForgetSilent, JudgesAProcessThatStatesNoHeartbeatByATenthOfASecond) {
  SeenProcesses seen;
  Remember(seen, Process("provider", "spotify", 1, 0), kT0);
  EXPECT_TRUE(ForgetSilent(seen, kT0 + 200ms).empty()) << "dropped at once";
  EXPECT_EQ(ForgetSilent(seen, kT0 + 201ms), (std::vector<std::string>{"spotify@node-1:1"}));
}

TEST(ForgetSilent, AHeartbeatHeardAgainKeepsTheProcess) {
  SeenProcesses seen;
  Remember(seen, Process("provider", "spotify", 1, 1000), kT0);
  Remember(seen, Process("provider", "spotify", 1, 1000), kT0 + 1500ms);
  EXPECT_TRUE(ForgetSilent(seen, kT0 + 3000ms).empty());
  EXPECT_EQ(seen.size(), 1u);
}

TEST(FormatWorkers, PrintsAHeaderOneSortedLinePerProcessAndACount) {
  SeenProcesses seen;
  Remember(seen, Process("provider", "spotify", 10), kT0);
  Remember(seen, Process("provider", "spotify", 9), kT0);
  Remember(seen, Process("builder", "recommendation", 3), kT0);
  Remember(seen, Process("provider", "lastfm", 4), kT0);
  auto table = FormatWorkers(seen);
  EXPECT_EQ(table.rfind("PROCESS ", 0), 0u) << table;
  for (const char* column : {"KIND", "VERSION", "UPTIME", "IN FLIGHT", "STATE", "BREAKER", "RATE", "LOG"}) {
    EXPECT_NE(table.substr(0, table.find('\n')).find(column), std::string::npos) << column;
  }
  // Builders before providers, then by name, then by pid as a number.
  auto builder = table.find("recommendation@node-1:3");
  auto lastfm = table.find("lastfm@node-1:4");
  auto spotify9 = table.find("spotify@node-1:9");
  auto spotify10 = table.find("spotify@node-1:10");
  ASSERT_NE(spotify10, std::string::npos) << table;
  EXPECT_LT(builder, lastfm) << table;
  EXPECT_LT(lastfm, spotify9) << table;
  EXPECT_LT(spotify9, spotify10) << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 6) << table;
  EXPECT_NE(table.find("\n4 processes\n"), std::string::npos) << table;
}

TEST(FormatWorkers, ShowsPausedHeldOpenAndAnOverriddenRate) {
  SeenProcesses seen;
  auto overridden = Process("provider", "spotify", 1);
  overridden.paused = true;
  overridden.breaker = "open";
  overridden.breaker_held_open = true;
  overridden.rate_per_second = 2.5;
  overridden.configured_rate = 10;
  Remember(seen, overridden, kT0);
  Remember(seen, Process("provider", "lastfm", 2), kT0);
  Remember(seen, Process("builder", "recommendation", 3), kT0);
  auto table = FormatWorkers(seen);

  auto spotify = LineOf(table, "spotify@node-1:1");
  EXPECT_NE(spotify.find(" paused "), std::string::npos) << spotify;
  EXPECT_NE(spotify.find(" held open "), std::string::npos) << spotify;
  EXPECT_NE(spotify.find(" 2.5/s (configured 10) "), std::string::npos) << spotify;

  auto lastfm = LineOf(table, "lastfm@node-1:2");
  EXPECT_NE(lastfm.find(" running "), std::string::npos) << lastfm;
  EXPECT_NE(lastfm.find(" closed "), std::string::npos) << lastfm;
  EXPECT_NE(lastfm.find(" 10/s "), std::string::npos) << lastfm;
  EXPECT_EQ(lastfm.find("configured"), std::string::npos) << lastfm;

  auto builder = LineOf(table, "recommendation@node-1:3");
  EXPECT_NE(builder.find(" builder "), std::string::npos) << builder;
  EXPECT_NE(builder.find(" running - "), std::string::npos) << builder;
  EXPECT_EQ(builder.find("/s"), std::string::npos) << builder;
}

TEST(FormatWorkers, SaysOneProcessInTheSingular) {
  SeenProcesses seen;
  Remember(seen, Process("provider", "spotify", 1), kT0);
  EXPECT_NE(FormatWorkers(seen).find("\n1 process\n"), std::string::npos) << FormatWorkers(seen);
  EXPECT_NE(FormatWorkers({}).find("\n0 processes\n"), std::string::npos) << FormatWorkers({});
}

TEST(WorkersJson, ListsEveryStatusSortedLikeTheTable) {
  SeenProcesses seen;
  auto spotify = Process("provider", "spotify", 1);
  auto builder = Process("builder", "recommendation", 2);
  Remember(seen, spotify, kT0);
  Remember(seen, builder, kT0);
  EXPECT_EQ(WorkersJson(seen),
            "{\"processes\":[" + control::ToJson(builder) + "," + control::ToJson(spotify) + "]}");
  EXPECT_EQ(WorkersJson({}), "{\"processes\":[]}");
}

}  // namespace
}  // namespace ops
