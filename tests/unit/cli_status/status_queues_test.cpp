#include "tools/tunefleet/status_queues.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

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

const QueueRow& Find(const std::vector<QueueRow>& rows, const std::string& name) {
  for (const auto& row : rows) {
    if (row.name == name) return row;
  }
  throw std::runtime_error("no row " + name);
}

TEST(ClassifyQueue, NamesEveryKindOfTunefleetQueue) {
  std::string owner;
  EXPECT_EQ(ClassifyQueue("tunefleet.spotify", &owner), QueueKind::kJobs);
  EXPECT_EQ(owner, "spotify");
  EXPECT_EQ(ClassifyQueue("tunefleet.recommend", &owner), QueueKind::kBuilder);
  EXPECT_EQ(owner, "recommend");
  EXPECT_EQ(ClassifyQueue("tunefleet.noop.dead", &owner), QueueKind::kDead);
  EXPECT_EQ(owner, "noop");
  EXPECT_EQ(ClassifyQueue("tunefleet.delay.30s", &owner), QueueKind::kRetry);
  EXPECT_EQ(owner, "30s");
  // The classic tier of an earlier build, until `tunefleet topology upgrade` removes it.
  EXPECT_EQ(ClassifyQueue("tunefleet.retry.30s", &owner), QueueKind::kRetry);
  EXPECT_EQ(owner, "30s");
  EXPECT_EQ(ClassifyQueue("other.queue", &owner), QueueKind::kOther);
  EXPECT_EQ(owner, "");
  EXPECT_EQ(ClassifyQueue("tunefleet.a.b", &owner), QueueKind::kOther);
}

TEST(ParseQueues, ReadsTheRecordedQueueList) {
  auto rows = ParseQueues(Sample("queues.json"));
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 19u);
  const auto& noop = Find(*rows, "tunefleet.noop");
  EXPECT_EQ(noop.kind, QueueKind::kJobs);
  EXPECT_EQ(noop.type, "quorum");
  EXPECT_EQ(noop.state, "running");
  EXPECT_EQ(noop.ready, 88);
  EXPECT_EQ(noop.unacked, 10);
  EXPECT_EQ(noop.consumers, 1);
  EXPECT_DOUBLE_EQ(noop.publish_rate, 2.2);
  EXPECT_DOUBLE_EQ(noop.deliver_rate, 0.0);
  const auto& spotify = Find(*rows, "tunefleet.spotify");
  EXPECT_EQ(spotify.ready, 97);
  EXPECT_DOUBLE_EQ(spotify.publish_rate, 2.2);
  EXPECT_DOUBLE_EQ(spotify.deliver_rate, 0.0) << "no deliver_get_details: no deliveries yet";
  EXPECT_EQ(Find(*rows, "tunefleet.noop.dead").ready, 2);
  EXPECT_EQ(Find(*rows, "tunefleet.retry.10m").type, "classic");
}

TEST(ParseQueues, OrdersJobsBuildersRetryTiersThenDeadLetters) {
  auto rows = ParseQueues(Sample("queues.json"));
  ASSERT_TRUE(rows);
  std::vector<std::string> names;
  for (const auto& row : *rows) names.push_back(row.name);
  const std::vector<std::string> expected = {
      "tunefleet.discogs",        "tunefleet.lastfm",          "tunefleet.musicbrainz",  "tunefleet.noop",
      "tunefleet.spotify",        "tunefleet.features",        "tunefleet.recommend",    "tunefleet.retry.1s",
      "tunefleet.retry.5s",       "tunefleet.retry.30s",       "tunefleet.retry.2m",     "tunefleet.retry.10m",
      "tunefleet.discogs.dead",   "tunefleet.features.dead",   "tunefleet.lastfm.dead",  "tunefleet.musicbrainz.dead",
      "tunefleet.noop.dead",      "tunefleet.recommend.dead",  "tunefleet.spotify.dead"};
  EXPECT_EQ(names, expected);
}

TEST(ParseQueues, SkipsOtherQueuesAndTreatsMissingCountsAsZero) {
  auto rows = ParseQueues(R"([{"name":"someone.else","messages_ready":5},{"name":"tunefleet.noop"}])");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].ready, 0);
  EXPECT_EQ((*rows)[0].state, "");
}

TEST(ParseQueues, SkipsTheControlChannelsQueues) {
  auto rows = ParseQueues(R"([{"name":"tunefleet.control.spotify@vm:42","consumers":1},)"
                          R"({"name":"tunefleet.control.cli.vm:43.0a1b","consumers":1},{"name":"tunefleet.spotify"}])");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].name, "tunefleet.spotify");
}

TEST(ParseQueues, RefusesWhatIsNotAQueueArray) {
  EXPECT_EQ(ParseQueues("<html>").error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_FALSE(ParseQueues(R"({"error":"Object Not Found"})"));
  EXPECT_FALSE(ParseQueues("[1]"));
}

TEST(BuildReport, SumsTotalsAndDeadLettersPerOwner) {
  auto rows = ParseQueues(Sample("queues.json"));
  ASSERT_TRUE(rows);
  auto report = BuildReport("tf", "127.0.0.1:35673", "2026-11-21T05:52:22Z", std::move(*rows));
  EXPECT_EQ(report.totals.ready, 187);
  EXPECT_EQ(report.totals.unacked, 10);
  EXPECT_EQ(report.totals.consumers, 1);
  EXPECT_NEAR(report.totals.publish_rate, 4.4, 1e-9);
  EXPECT_EQ(report.totals.dead_letters, 2);
  EXPECT_EQ(report.dead_letters.size(), 7u);
  EXPECT_EQ(report.dead_letters.at("noop"), 2);
  EXPECT_EQ(report.dead_letters.at("spotify"), 0);
}

std::vector<QueueRow> SmallRows() {
  return {{"tunefleet.spotify", QueueKind::kJobs, "spotify", "quorum", "running", 1200, 35, 2, 410.3, 398.0},
          {"tunefleet.retry.5s", QueueKind::kRetry, "5s", "classic", "running", 3, 0, 0, 0.4, 0.0},
          {"tunefleet.spotify.dead", QueueKind::kDead, "spotify", "quorum", "running", 7, 0, 0, 0.0, 0.0},
          {"tunefleet.noop.dead", QueueKind::kDead, "noop", "quorum", "running", 0, 0, 0, 0.0, 0.0}};
}

TEST(FormatTable, AlignsColumnsFlagsDeadLettersAndAddsTotals) {
  auto report = BuildReport("/", "127.0.0.1:35673", "2026-11-21T05:52:22Z", SmallRows());
  EXPECT_EQ(FormatTable(report),
            "vhost / (RabbitMQ management API 127.0.0.1:35673, 2026-11-21T05:52:22Z)\n"
            "\n"
            "  QUEUE                   KIND   READY  UNACKED  CONSUMERS  PUBLISH/S  DELIVER/S\n"
            "  tunefleet.spotify       jobs    1200       35          2      410.3      398.0\n"
            "  tunefleet.retry.5s      retry      3        0          0        0.4        0.0\n"
            "! tunefleet.spotify.dead  dead       7        0          0        0.0        0.0\n"
            "  tunefleet.noop.dead     dead       0        0          0        0.0        0.0\n"
            "  TOTAL                           1210       35          2      410.7      398.0\n"
            "\n"
            "! dead letters: spotify 7 (see tunefleet dlq list --provider P)\n");
}

TEST(FormatTable, SaysNoneWhenEveryDeadLetterQueueIsEmpty) {
  auto rows = SmallRows();
  rows[2].ready = 0;
  auto table = FormatTable(BuildReport("/", "api", "t", rows));
  EXPECT_EQ(table.find("! "), std::string::npos);
  EXPECT_NE(table.find("dead letters: none\n"), std::string::npos);
}

TEST(FormatTable, ExplainsAVhostWithoutTunefleetQueues) {
  auto table = FormatTable(BuildReport("empty", "api", "t", {}));
  EXPECT_NE(table.find("no tunefleet queues in this vhost"), std::string::npos);
}

TEST(FormatJson, HasTheDocumentedShape) {
  auto json = FormatJson(BuildReport("/", "127.0.0.1:35673", "2026-11-21T05:52:22Z", SmallRows()));
  EXPECT_EQ(json.find('\n'), std::string::npos) << "one line";
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_STREQ(doc["vhost"].GetString(), "/");
  EXPECT_STREQ(doc["api"].GetString(), "127.0.0.1:35673");
  EXPECT_STREQ(doc["at"].GetString(), "2026-11-21T05:52:22Z");
  ASSERT_EQ(doc["queues"].Size(), 4u);
  const auto& first = doc["queues"][0];
  EXPECT_STREQ(first["name"].GetString(), "tunefleet.spotify");
  EXPECT_STREQ(first["kind"].GetString(), "jobs");
  EXPECT_STREQ(first["owner"].GetString(), "spotify");
  EXPECT_STREQ(first["type"].GetString(), "quorum");
  EXPECT_STREQ(first["state"].GetString(), "running");
  EXPECT_EQ(first["ready"].GetInt64(), 1200);
  EXPECT_EQ(first["unacked"].GetInt64(), 35);
  EXPECT_EQ(first["consumers"].GetInt64(), 2);
  EXPECT_DOUBLE_EQ(first["publish_rate"].GetDouble(), 410.3);
  EXPECT_DOUBLE_EQ(first["deliver_rate"].GetDouble(), 398.0);
  EXPECT_EQ(doc["dead_letters"]["spotify"].GetInt64(), 7);
  EXPECT_EQ(doc["dead_letters"]["noop"].GetInt64(), 0);
  EXPECT_EQ(doc["totals"]["ready"].GetInt64(), 1210);
  EXPECT_EQ(doc["totals"]["dead_letters"].GetInt64(), 7);
}

}  // namespace
}  // namespace ops
