#include "tools/tunefleet/dlq_messages.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace ops {
namespace {

// Recorded from our own broker: tests/data/cli_status/SOURCES.md.
std::string Sample(const std::string& name) {
  std::ifstream in(std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/cli_status/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ParsePeek, ReadsTheRecordedDeadLetters) {
  auto peek = ParsePeek(Sample("dead_peek.json"));
  ASSERT_TRUE(peek) << peek.error().message;
  EXPECT_EQ(peek->ready, 2);
  ASSERT_EQ(peek->messages.size(), 2u);

  const auto& crafted = peek->messages[0];
  EXPECT_EQ(crafted.index, 1u);
  EXPECT_EQ(crafted.job_id, "j-2");
  EXPECT_TRUE(crafted.body_base64);
  EXPECT_EQ(crafted.body, "/w==");
  EXPECT_TRUE(crafted.redelivered);
  EXPECT_EQ(crafted.attempts, -1);
  EXPECT_EQ(crafted.reason, "");

  const auto& dead = peek->messages[1];
  EXPECT_EQ(dead.job_id, "j-1");
  EXPECT_EQ(dead.exchange, "tunefleet.dead");
  EXPECT_EQ(dead.routing_key, "noop");
  EXPECT_EQ(dead.last_status, "invalid_message");
  EXPECT_EQ(dead.dead_at, "2026-11-21T05:52:05Z");
  EXPECT_EQ(dead.attempts, 0);
  EXPECT_EQ(dead.replays, 1);
  EXPECT_EQ(dead.reason.rfind("invalid message: message has no \"type\"", 0), 0u);
  EXPECT_EQ(dead.body, "{\"a\":1}");
  EXPECT_EQ(dead.payload_bytes, 7);
  ASSERT_EQ(dead.headers.size(), 9u);
  EXPECT_EQ(dead.headers[0].first, "x-delivery-count");
  EXPECT_EQ(dead.headers[0].second, "0") << "numbers are shown as JSON";
}

TEST(ParsePeek, TakesTheJobIdFromTheBodyWithoutAMessageId) {
  auto peek = ParsePeek(R"([{"message_count":4,"properties":{},"payload":"{\"job_id\":\"j-9\"}",)"
                        R"("payload_encoding":"string","payload_bytes":16}])");
  ASSERT_TRUE(peek);
  EXPECT_EQ(peek->ready, 5);
  EXPECT_EQ(peek->messages[0].job_id, "j-9");
}

TEST(ParsePeek, ShowsAnOldDeadLettersReasonWithItsCredentialsRedacted) {
  // Written before the redaction rule: the Last.fm key in a transport error's URL.
  auto peek = ParsePeek(R"([{"message_count":0,"properties":{"message_id":"j-3","headers":{"x-tunefleet-reason":)"
                        R"("GET http://h/2.0/?method=track.getInfo&api_key=old-key: Timeout was reached"}},)"
                        R"("payload":"{}","payload_encoding":"string","payload_bytes":2}])");
  ASSERT_TRUE(peek) << peek.error().message;
  const auto& message = peek->messages[0];
  EXPECT_EQ(message.reason, "GET http://h/2.0/?method=track.getInfo&api_key=***: Timeout was reached");
  for (const auto& [key, value] : message.headers) EXPECT_EQ(value.find("old-key"), std::string::npos) << key;
}

TEST(ParsePeek, EmptyQueueAndGarbage) {
  auto empty = ParsePeek("[]");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->ready, 0);
  EXPECT_EQ(FormatList(*empty, "tunefleet.noop.dead"), "no dead letters in tunefleet.noop.dead\n");
  EXPECT_EQ(ParsePeek("{}").error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_FALSE(ParsePeek("not json"));
}

TEST(FormatList, OneAlignedLinePerMessageAndACount) {
  auto peek = ParsePeek(Sample("dead_peek.json"));
  ASSERT_TRUE(peek);
  EXPECT_EQ(FormatList(*peek, "tunefleet.noop.dead", 40),
            "JOB ID  DEAD AT               STATUS           ATTEMPTS  REASON\n"
            "j-2     -                     -                -         -\n"
            "j-1     2026-11-21T05:52:05Z  invalid_message  0         invalid message: message has no \"type...\n"
            "\n"
            "2 shown of 2 dead letters in tunefleet.noop.dead\n");
}

TEST(FormatList, SaysHowToSeeMore) {
  auto peek = ParsePeek(R"([{"message_count":9,"properties":{"message_id":"a"},"payload":"x"}])");
  ASSERT_TRUE(peek);
  EXPECT_NE(FormatList(*peek, "q").find("1 shown of 10 dead letters in q (--limit N shows more)"), std::string::npos);
}

TEST(OneLine, FlattensAndCutsOnCharacterBoundaries) {
  EXPECT_EQ(OneLine("short", 10), "short");
  EXPECT_EQ(OneLine("line one\nline two", 40), "line one line two");
  EXPECT_EQ(OneLine("abcdefghijkl", 10), "abcdefg...");
  // Ten two-byte characters cut to seven plus the ellipsis, never inside a character.
  std::string accents;
  for (int i = 0; i < 12; ++i) accents += "\xC3\xA9";
  std::string expected;
  for (int i = 0; i < 7; ++i) expected += "\xC3\xA9";
  EXPECT_EQ(OneLine(accents, 10), expected + "...");
}

TEST(FormatShow, PrintsHeadersAndThePrettyBody) {
  auto peek = ParsePeek(Sample("dead_peek.json"));
  ASSERT_TRUE(peek);
  const auto text = FormatShow(peek->messages[1], "tunefleet.noop.dead", peek->ready);
  EXPECT_EQ(text.rfind("job j-1: message 2 of 2 in tunefleet.noop.dead\n"
                       "exchange: tunefleet.dead  routing key: noop  redelivered: no\n"
                       "headers:\n"
                       "  x-delivery-count: 0\n"
                       "  x-tunefleet-attempt: 0\n",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("  x-tunefleet-routing-key: track.noop\n"), std::string::npos);
  EXPECT_NE(text.find("body (7 bytes):\n{\n  \"a\": 1\n}\n"), std::string::npos) << text;
  const auto binary = FormatShow(peek->messages[0], "tunefleet.noop.dead", peek->ready);
  EXPECT_NE(binary.find("body (1 bytes, not UTF-8: base64):\n/w==\n"), std::string::npos) << binary;
}

TEST(PrettyJson, LeavesWhatIsNotJsonAlone) {
  EXPECT_EQ(PrettyJson("this is { not JSON"), "this is { not JSON");
  EXPECT_EQ(PrettyJson(R"({"k":[1,2]})"), "{\n  \"k\": [\n    1,\n    2\n  ]\n}");
}

amqp::Delivery DeadDelivery() {
  amqp::Delivery d;
  d.delivery_tag = 7;
  d.message_id = "fail-1";
  d.body = R"({"type":"tunefleet.track_job/1","job_id":"fail-1"})";
  d.headers = {{"x-tunefleet-attempt", std::int64_t{3}},
               {"x-tunefleet-reason", std::string("test provider: always fails")},
               {"x-tunefleet-last-status", std::string("attempts_exhausted")},
               {"x-tunefleet-dead-at", std::string("2026-11-21T05:52:05Z")},
               {"x-tunefleet-delay", std::string("5s")},
               {"x-tunefleet-provider", std::string("noop")},
               {"x-tunefleet-routing-key", std::string("album.noop")},
               {"x-tunefleet-trace-id", std::string("trace-1")},
               {"x-delivery-count", std::int64_t{4}}};
  return d;
}

TEST(ReplayMessage, KeepsBodyAndIdAndResetsTheFailureHeaders) {
  const auto message = ReplayMessage(DeadDelivery(), "noop", "2026-11-21T06:00:00Z");
  EXPECT_EQ(message.exchange, "tunefleet.jobs");
  EXPECT_EQ(message.routing_key, "album.noop");
  EXPECT_EQ(message.message_id, "fail-1");
  EXPECT_EQ(message.body, DeadDelivery().body);
  const amqp::Headers expected = {{"x-tunefleet-provider", std::string("noop")},
                                  {"x-tunefleet-routing-key", std::string("album.noop")},
                                  {"x-tunefleet-trace-id", std::string("trace-1")},
                                  {"x-tunefleet-replayed-at", std::string("2026-11-21T06:00:00Z")},
                                  {"x-tunefleet-replays", std::int64_t{1}}};
  EXPECT_EQ(message.headers, expected);
}

TEST(ReplayHeaders, CountsReplays) {
  auto dead = DeadDelivery();
  dead.headers["x-tunefleet-replays"] = std::int64_t{2};
  EXPECT_EQ(amqp::HeaderInt(ReplayHeaders(dead.headers, "t"), "x-tunefleet-replays", -1), 3);
}

TEST(ReplayRoutingKey, FallsBackToTheProvidersTrackKey) {
  EXPECT_EQ(ReplayRoutingKey({}, "spotify"), "track.spotify");
  EXPECT_EQ(ReplayRoutingKey({{"x-tunefleet-routing-key", std::string("album.lastfm")}}, "lastfm"), "album.lastfm");
}

TEST(ReplayMessage, SendsABuildersFollowUpBackToItsOwnQueueOnly) {
  // Through tunefleet.followups it would reach the other builder too.
  auto dead = DeadDelivery();
  dead.headers["x-tunefleet-routing-key"] = std::string("tunefleet.recommend");
  const auto message = ReplayMessage(dead, "recommend", "2026-11-21T06:00:00Z");
  EXPECT_EQ(message.exchange, "");
  EXPECT_EQ(message.routing_key, "tunefleet.recommend");
  EXPECT_EQ(ReplayRoutingKey({}, "features"), "tunefleet.features");
  EXPECT_EQ(ReplayExchange("features"), "");
  EXPECT_EQ(ReplayExchange("lastfm"), "tunefleet.jobs");
}

TEST(PeekRequest, RequeuesAndTruncates) {
  EXPECT_EQ(PeekRequest(25), R"({"count":25,"ackmode":"ack_requeue_true","encoding":"auto","truncate":50000})");
}

}  // namespace
}  // namespace ops
