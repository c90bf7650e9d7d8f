// The control channel's messages: what ParseCommand refuses (and names), and that every
// message survives ToJson and its parser.
#include "common/control/protocol.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/control/spotify_process.hpp"

namespace control {
namespace {

using namespace std::chrono_literals;

// The refusal's message, or a failure when `json` was accepted.
std::string Refusal(const std::string& json) {
  auto command = ParseCommand(json);
  if (command) {
    ADD_FAILURE() << "accepted " << json;
    return {};
  }
  EXPECT_EQ(command.error().kind, core::ErrorKind::kInvalidInput) << json;
  return command.error().message;
}

Status ProviderStatus() {
  Status status;
  status.who = Spotify();
  status.uptime_seconds = 12.5;
  status.in_flight = 7;
  status.paused = true;
  status.log_level = "debug";
  status.heartbeat_ms = 5000;
  status.breaker = "open";
  status.breaker_held_open = true;
  status.rate_per_second = 2.5;
  status.configured_rate = 10;
  status.cache_hits = 30;
  status.cache_misses = 4;
  return status;
}

Status BuilderStatus() {
  Status status;
  status.who = Spotify();
  status.who.kind = "builder";
  status.who.name = "recommendation";
  status.uptime_seconds = 3;
  status.in_flight = 1;
  status.log_level = "info";
  status.heartbeat_ms = 1000;
  return status;
}

void ExpectSameStatus(const Status& got, const Status& want) {
  EXPECT_EQ(got.who.kind, want.who.kind);
  EXPECT_EQ(got.who.name, want.who.name);
  EXPECT_EQ(got.who.host, want.who.host);
  EXPECT_EQ(got.who.pid, want.who.pid);
  EXPECT_EQ(got.who.version, want.who.version);
  EXPECT_DOUBLE_EQ(got.uptime_seconds, want.uptime_seconds);
  EXPECT_EQ(got.in_flight, want.in_flight);
  EXPECT_EQ(got.paused, want.paused);
  EXPECT_EQ(got.log_level, want.log_level);
  EXPECT_EQ(got.heartbeat_ms, want.heartbeat_ms);
  EXPECT_EQ(got.breaker, want.breaker);
  EXPECT_EQ(got.breaker_held_open, want.breaker_held_open);
  EXPECT_EQ(got.rate_per_second, want.rate_per_second);
  EXPECT_EQ(got.configured_rate, want.configured_rate);
  EXPECT_EQ(got.cache_hits, want.cache_hits);
  EXPECT_EQ(got.cache_misses, want.cache_misses);
}

TEST(ParseCommand, RefusesAnUnknownCommandNamingIt) {
  EXPECT_NE(Refusal(R"({"command":"reboot"})").find("unknown command 'reboot'"), std::string::npos);
}

TEST(ParseCommand, RefusesABreakerStateOtherThanOpenCloseOrReset) {
  auto why = Refusal(R"({"command":"breaker","state":"half_open"})");
  EXPECT_NE(why.find("breaker state 'half_open'"), std::string::npos) << why;
  EXPECT_NE(Refusal(R"({"command":"breaker"})").find("breaker state"), std::string::npos);
}

TEST(ParseCommand, RefusesARateWithoutAValidRatePerSecond) {
  EXPECT_NE(Refusal(R"({"command":"rate","for_ms":60000})").find("rate_per_second"), std::string::npos);
  for (const char* rate : {"0", "0.001", "-1", "100001", "\"fast\""}) {
    auto why = Refusal(std::string(R"({"command":"rate","for_ms":60000,"rate_per_second":)") + rate + "}");
    EXPECT_NE(why.find("rate_per_second"), std::string::npos) << rate << ": " << why;
  }
}

TEST(ParseCommand, RefusesARateOrLogLevelWithoutADurationAboveZeroAndAtMost24Hours) {
  const std::string day_and_a_ms = std::to_string(std::chrono::milliseconds(kMaxOverride).count() + 1);
  for (const std::string& for_ms : {std::string("0"), std::string("-5"), day_and_a_ms, std::string("\"1h\"")}) {
    auto why = Refusal(R"({"command":"rate","rate_per_second":5,"for_ms":)" + for_ms + "}");
    EXPECT_NE(why.find("for_ms"), std::string::npos) << for_ms << ": " << why;
    why = Refusal(R"({"command":"log-level","level":"debug","for_ms":)" + for_ms + "}");
    EXPECT_NE(why.find("for_ms"), std::string::npos) << for_ms << ": " << why;
  }
  EXPECT_NE(Refusal(R"({"command":"rate","rate_per_second":5})").find("for_ms"), std::string::npos);
}

TEST(ParseCommand, AcceptsADurationOfExactly24Hours) {
  const auto day = std::chrono::milliseconds(kMaxOverride).count();
  auto command = ParseCommand(R"({"command":"rate","rate_per_second":5,"for_ms":)" + std::to_string(day) + "}");
  ASSERT_TRUE(command) << command.error().message;
  EXPECT_EQ(command->duration, kMaxOverride);
  EXPECT_DOUBLE_EQ(command->rate_per_second, 5);
}

TEST(ParseCommand, RefusesALogLevelThatIsNotDebugInfoWarnOrError) {
  auto why = Refusal(R"({"command":"log-level","level":"verbose","for_ms":1000})");
  EXPECT_NE(why.find("level"), std::string::npos) << why;
  EXPECT_NE(why.find("'verbose'"), std::string::npos) << why;
}

TEST(ParseCommand, RefusesAnythingThatIsNotAJsonObject) {
  for (const char* json : {"", "not json", "[]", "\"ping\"", "42", R"({"command":"ping")"}) {
    EXPECT_NE(Refusal(json).find("command is not a JSON object"), std::string::npos) << json;
  }
}

TEST(ParseCommand, RoundTripsEveryCommandThroughToJson) {
  std::vector<Command> commands;
  for (Action action : {Action::kPing, Action::kPause, Action::kResume, Action::kBreakerOpen, Action::kBreakerClose,
                        Action::kBreakerReset}) {
    Command command;
    command.action = action;
    commands.push_back(command);
  }
  Command rate;
  rate.action = Action::kRate;
  rate.rate_per_second = 2.5;
  rate.duration = 90s;
  commands.push_back(rate);
  Command level;
  level.action = Action::kLogLevel;
  level.log_level = "warn";
  level.duration = 10min;
  commands.push_back(level);

  for (const auto& command : commands) {
    auto json = ToJson(command);
    auto parsed = ParseCommand(json);
    ASSERT_TRUE(parsed) << json << ": " << parsed.error().message;
    EXPECT_EQ(parsed->action, command.action) << json;
    EXPECT_DOUBLE_EQ(parsed->rate_per_second, command.rate_per_second) << json;
    EXPECT_EQ(parsed->log_level, command.log_level) << json;
    EXPECT_EQ(parsed->duration, command.duration) << json;
  }
}

TEST(ParseStatus, RoundTripsAProviderStatus) {
  auto json = ToJson(ProviderStatus());
  auto parsed = ParseStatus(json);
  ASSERT_TRUE(parsed) << json << ": " << parsed.error().message;
  ExpectSameStatus(*parsed, ProviderStatus());
}

TEST(ParseStatus, RoundTripsABuilderStatusWithoutBreakerRateOrCache) {
  auto json = ToJson(BuilderStatus());
  EXPECT_EQ(json.find("breaker"), std::string::npos) << json;
  EXPECT_EQ(json.find("rate"), std::string::npos) << json;
  EXPECT_EQ(json.find("cache"), std::string::npos) << json;
  auto parsed = ParseStatus(json);
  ASSERT_TRUE(parsed) << json << ": " << parsed.error().message;
  ExpectSameStatus(*parsed, BuilderStatus());
}

TEST(ParseStatus, RefusesAStatusThatDoesNotSayWhoSentIt) {
  auto status = ParseStatus(R"({"kind":"provider","name":"spotify","host":"h"})");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, core::ErrorKind::kInvalidInput);
}

TEST(ParseReply, RoundTripsAReplyWithAStatus) {
  Reply reply;
  reply.process = Spotify().Id();
  reply.applied = true;
  reply.detail = "paused: no new deliveries; 3 in flight finish";
  reply.status = ProviderStatus();
  auto json = ToJson(reply);
  auto parsed = ParseReply(json);
  ASSERT_TRUE(parsed) << json << ": " << parsed.error().message;
  EXPECT_EQ(parsed->process, "spotify@node-1:42");
  EXPECT_TRUE(parsed->applied);
  EXPECT_EQ(parsed->detail, reply.detail);
  ASSERT_TRUE(parsed->status);
  ExpectSameStatus(*parsed->status, ProviderStatus());
}

TEST(ParseReply, RoundTripsARefusalWithoutAStatus) {
  Reply reply;
  reply.process = Spotify().Id();
  reply.applied = false;
  reply.detail = "rejected: unknown command 'x'";
  auto json = ToJson(reply);
  auto parsed = ParseReply(json);
  ASSERT_TRUE(parsed) << json << ": " << parsed.error().message;
  EXPECT_EQ(parsed->process, reply.process);
  EXPECT_FALSE(parsed->applied);
  EXPECT_EQ(parsed->detail, reply.detail);
  EXPECT_FALSE(parsed->status);
}

TEST(ControlKeys, NameTheProcessItsTargetAndEveryone) {
  const Identity who = Spotify();
  EXPECT_EQ(who.Id(), "spotify@node-1:42");
  EXPECT_EQ(TargetKey("provider", "spotify"), "provider.spotify");
  EXPECT_EQ(ProcessKey(who.Id()), "process.spotify@node-1:42");
  EXPECT_EQ(ControlQueue(who), std::string(kCommandExchange) + ".spotify@node-1:42");
  EXPECT_EQ(BindingKeys(who), (std::vector<std::string>{"all", "provider.spotify", "process.spotify@node-1:42"}));
}

}  // namespace
}  // namespace control
