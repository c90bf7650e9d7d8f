// `tunefleet status` against the private RabbitMQ, one vhost per test.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>

#include "tests/integration/dlq/dlq_test_support.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/wait.hpp"

namespace dlq_test {
namespace {

using namespace std::chrono_literals;
using test_support::CliRun;
using test_support::RunTunefleet;
using test_support::TestVhost;
using test_support::WaitUntil;

// The management API refreshes queue figures every few seconds: poll `status --json` until
// `check` holds for its document.
bool WaitForStatus(TestVhost& vhost, const std::function<bool(const rapidjson::Document&)>& check,
                   const std::string& what, std::string* last_json) {
  return WaitUntil(
      [&] {
        CliRun run = RunTunefleet({"status", "--json"}, CliEnv(vhost.amqp_url()));
        *last_json = run.out + run.err;
        if (run.exit_code != 0) return false;
        rapidjson::Document doc;
        doc.Parse(run.out.c_str());
        return !doc.HasParseError() && doc.IsObject() && check(doc);
      },
      30s, what, [&] { return *last_json; });
}

std::int64_t ReadyOf(const rapidjson::Document& doc, const std::string& name) {
  for (const auto& q : doc["queues"].GetArray()) {
    if (name == q["name"].GetString()) return q["ready"].GetInt64();
  }
  return -1;
}

TEST(StatusCli, JsonShowsEveryDeclaredQueueWithItsReadyCount) {
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  vhost.PublishTrackJobs("job", 0, 25);
  std::vector<amqp::OutgoingMessage> dead;
  for (int i = 0; i < 3; ++i) {
    auto message = test_support::TrackJob("dead", i);
    message.exchange = "tunefleet.dead";
    message.routing_key = "noop";
    dead.push_back(std::move(message));
  }
  vhost.Publish(dead);

  std::string json;
  ASSERT_TRUE(WaitForStatus(
      vhost,
      [](const rapidjson::Document& doc) {
        return ReadyOf(doc, "tunefleet.noop") == 25 && ReadyOf(doc, "tunefleet.noop.dead") == 3;
      },
      "status --json showing 25 ready jobs and 3 dead letters", &json));
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_EQ(std::string(doc["vhost"].GetString()), vhost.name());
  std::set<std::string> names;
  for (const auto& q : doc["queues"].GetArray()) names.insert(q["name"].GetString());
  for (const char* expected :
       {"tunefleet.spotify", "tunefleet.lastfm", "tunefleet.musicbrainz", "tunefleet.discogs", "tunefleet.cyanite",
        "tunefleet.aoty", "tunefleet.noop", "tunefleet.noop.dead", "tunefleet.spotify.dead", "tunefleet.cyanite.dead",
        "tunefleet.aoty.dead", "tunefleet.recommend", "tunefleet.features", "tunefleet.delay.1s", "tunefleet.delay.10m"}) {
    EXPECT_EQ(names.count(expected), 1u) << expected << " missing from " << json;
  }
  EXPECT_EQ(ReadyOf(doc, "tunefleet.spotify"), 0) << "track.noop jobs are not bound to spotify";
  EXPECT_EQ(doc["dead_letters"]["noop"].GetInt64(), 3);
  EXPECT_EQ(doc["dead_letters"]["spotify"].GetInt64(), 0);
  EXPECT_EQ(doc["totals"]["ready"].GetInt64(), 28);
  EXPECT_EQ(doc["totals"]["dead_letters"].GetInt64(), 3);

  CliRun table = RunTunefleet({"status"}, CliEnv(vhost.amqp_url()));
  EXPECT_EQ(table.exit_code, 0) << table.err;
  const auto flagged = LinesWith(table.out, "! tunefleet.noop.dead");
  ASSERT_EQ(flagged.size(), 1u) << table.out;
  EXPECT_NE(table.out.find("! dead letters: noop 3"), std::string::npos) << table.out;
  EXPECT_EQ(LinesWith(table.out, "  TOTAL").size(), 1u) << table.out;
}

TEST(StatusCli, UnreachableApiNamesHostPortAndTheVariable) {
  TestVhost vhost;
  auto env = CliEnv(vhost.amqp_url());
  env["TUNEFLEET_RABBITMQ_API_URL"] = "http://guest:guest@127.0.0.1:1";
  CliRun run = RunTunefleet({"status"}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(LinesWith(run.err, "").size(), 1u) << "one line: " << run.err;
  EXPECT_NE(run.err.find("127.0.0.1:1"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("TUNEFLEET_RABBITMQ_API_URL"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST(StatusCli, WrongCredentialsSayToCheckTheVariable) {
  TestVhost vhost;
  auto env = CliEnv(vhost.amqp_url());
  std::string url = test_support::RabbitApiUrl();
  const auto at = url.find('@');
  ASSERT_NE(at, std::string::npos) << "the stack's API URL carries credentials";
  env["TUNEFLEET_RABBITMQ_API_URL"] = "http://guest:wrong-password" + url.substr(at);
  CliRun run = RunTunefleet({"status", "--json"}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("401"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("check the user and password in TUNEFLEET_RABBITMQ_API_URL"), std::string::npos) << run.err;
}

TEST(StatusCli, MissingVhostIsOneClearLine) {
  TestVhost vhost;
  std::string url = vhost.amqp_url();
  url = url.substr(0, url.rfind('/')) + "/tf_no_such_vhost_" + test_support::UniqueSuffix();
  CliRun run = RunTunefleet({"status"}, CliEnv(url));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("does not exist"), std::string::npos) << run.err;
}

TEST(StatusCli, BadFlagsExitTwo) {
  TestVhost vhost;
  EXPECT_EQ(RunTunefleet({"status", "--bogus"}, CliEnv(vhost.amqp_url())).exit_code, 2);
  EXPECT_EQ(RunTunefleet({"status", "--watch", "0"}, CliEnv(vhost.amqp_url())).exit_code, 2);
  CliRun help = RunTunefleet({"status", "--help"}, CliEnv(vhost.amqp_url()));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: tunefleet status"), std::string::npos);
}

}  // namespace
}  // namespace dlq_test
