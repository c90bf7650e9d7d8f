#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/amqp/connection.hpp"
#include "common/control/control_channel.hpp"
#include "common/runtime/topology.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/test_vhost.hpp"
#include "workers/fleet/fleet.hpp"

// The RabbitMQ users of deploy/rabbitmq/permissions.txt (the file scripts/stack applies),
// checked on the real broker: each test creates the users under unique names with exactly the
// file's permissions in its own vhost, connects as them and tries what they may and may not do.
namespace {

using namespace std::chrono_literals;

struct Permissions {
  std::string configure, write, read;
};

// Role ("publisher", "worker", "admin") -> its permissions, from the file.
std::map<std::string, Permissions> PermissionsFile() {
  std::ifstream in(TUNEFLEET_SOURCE_DIR "/deploy/rabbitmq/permissions.txt");
  if (!in) throw std::runtime_error("cannot read deploy/rabbitmq/permissions.txt");
  std::map<std::string, Permissions> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string user;
    Permissions p;
    fields >> user >> p.configure >> p.write >> p.read;
    out[user.substr(user.rfind('-') + 1)] = p;
  }
  return out;
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

class BrokerUsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vhost_.DeclareFleetTopology();  // as the administrator (guest), as `tunefleet topology` does
    for (const auto& [role, p] : PermissionsFile()) {
      const std::string user = "tf-" + test_support::UniqueSuffix() + "-" + role;
      const std::string password = "pw-" + test_support::UniqueSuffix();
      std::string body;
      ASSERT_EQ(test_support::ManagementRequest("PUT", "/users/" + user,
                                                "{\"password\":" + JsonString(password) + ",\"tags\":\"\"}", &body) /
                    100,
                2)
          << body;
      users_.push_back(user);
      ASSERT_EQ(test_support::ManagementRequest("PUT", "/permissions/" + vhost_.name() + "/" + user,
                                                "{\"configure\":" + JsonString(p.configure) +
                                                    ",\"write\":" + JsonString(p.write) +
                                                    ",\"read\":" + JsonString(p.read) + "}",
                                                &body) /
                    100,
                2)
          << body;
      urls_[role] = UrlFor(user, password);
    }
    ASSERT_EQ(urls_.count("publisher") + urls_.count("worker") + urls_.count("admin") + urls_.count("operator"), 4u)
        << "deploy/rabbitmq/permissions.txt must name a publisher, a worker, an operator and an admin";
  }

  void TearDown() override {
    std::string body;
    for (const auto& user : users_) test_support::ManagementRequest("DELETE", "/users/" + user, "", &body);
  }

  // The test vhost's URL with this user's credentials.
  std::string UrlFor(const std::string& user, const std::string& password) const {
    const std::string& url = vhost_.amqp_url();
    const auto at = url.find('@');
    return "amqp://" + user + ":" + password + url.substr(at);
  }

  std::unique_ptr<amqp::Connection> Open(const std::string& role) {
    auto conn = std::make_unique<amqp::Connection>(amqp::ConnectionSettings{.url = urls_.at(role)});
    auto opened = conn->Open();
    if (!opened) ADD_FAILURE() << role << ": " << opened.error().message;
    return conn;
  }

  // "" when the broker confirms the message, else why not.
  static std::string Publish(amqp::Connection& conn, const std::string& exchange, const std::string& routing_key) {
    std::string outcome = "no answer";
    amqp::OutgoingMessage message{.exchange = exchange, .routing_key = routing_key, .message_id = "roles-1",
                                  .body = test_support::TrackJobJson("roles-1", "Low", "Words"), .headers = {}};
    auto sent = conn.Publish(message, [&](core::Result<void> answer) {
      outcome = answer ? "" : answer.error().message;
    });
    if (!sent) return sent.error().message;
    auto waited = conn.WaitForConfirms(30s);
    if (!waited) return waited.error().message;
    return outcome;
  }

  test_support::TestVhost vhost_;
  std::vector<std::string> users_;
  std::map<std::string, std::string> urls_;
};

TEST_F(BrokerUsersTest, PublisherPublishesJobsToTheJobsExchange) {
  auto conn = Open("publisher");
  EXPECT_EQ(Publish(*conn, runtime::kJobsExchange, "track.noop"), "");
  EXPECT_EQ(vhost_.Depth(runtime::JobQueue("noop")), 1u);
}

TEST_F(BrokerUsersTest, PublisherCannotPublishToAWorkersQueueDirectly) {
  auto conn = Open("publisher");
  // Through the default exchange, straight into the queue.
  EXPECT_NE(Publish(*conn, "", runtime::JobQueue("noop")).find("ACCESS_REFUSED"), std::string::npos);
  conn = Open("publisher");
  EXPECT_NE(Publish(*conn, runtime::kDeadExchange, "noop").find("ACCESS_REFUSED"), std::string::npos);
  conn = Open("publisher");
  EXPECT_NE(Publish(*conn, runtime::kRetryExchange, "noop").find("ACCESS_REFUSED"), std::string::npos);
  EXPECT_EQ(vhost_.Depth(runtime::JobQueue("noop")), 0u);
}

TEST_F(BrokerUsersTest, PublisherCannotDeclare) {
  auto conn = Open("publisher");
  auto declared = conn->Declare(runtime::FleetTopology(fleet::Names()));
  ASSERT_FALSE(declared);
  EXPECT_NE(declared.error().message.find("ACCESS_REFUSED"), std::string::npos) << declared.error().message;
  conn = Open("publisher");
  amqp::Topology own;
  own.queues.push_back({.name = "tunefleet.publisher-made", .arguments = {}});
  EXPECT_FALSE(conn->Declare(own));
}

TEST_F(BrokerUsersTest, PublisherCannotConsume) {
  auto conn = Open("publisher");
  auto consumed = conn->Consume(runtime::JobQueue("noop"), 1);
  if (consumed) consumed = conn->Pump([](amqp::Delivery) {});
  // The refusal may arrive with the consume-ok's place or on the next read.
  if (consumed) consumed = conn->WaitForConfirms(2s);
  EXPECT_FALSE(consumed && conn->is_open());
}

TEST_F(BrokerUsersTest, WorkerDeclaresTheFleetTopologyAndPublishesItsOwnMessages) {
  auto conn = Open("worker");
  auto declared = conn->Declare(runtime::FleetTopology(fleet::Names()));
  ASSERT_TRUE(declared) << declared.error().message;
  EXPECT_EQ(Publish(*conn, runtime::kFollowupsExchange, "followup.noop"), "");
  EXPECT_EQ(Publish(*conn, runtime::kDeadExchange, "noop"), "");
  ASSERT_TRUE(conn->Consume(runtime::JobQueue("noop"), 1));
}

TEST_F(BrokerUsersTest, WorkerCannotUseNamesOutsideTheFleet) {
  auto conn = Open("worker");
  EXPECT_NE(Publish(*conn, "", runtime::JobQueue("noop")).find("ACCESS_REFUSED"), std::string::npos);
  conn = Open("worker");
  amqp::Topology other;
  other.queues.push_back({.name = "billing.invoices", .arguments = {}});
  auto declared = conn->Declare(other);
  ASSERT_FALSE(declared);
  EXPECT_NE(declared.error().message.find("ACCESS_REFUSED"), std::string::npos) << declared.error().message;
}

// The control channel (docs/OPERATIONS.md, "Remote control"): a worker runs its end (its own
// queue, heartbeats, replies) but cannot send commands; only the operator (and admin) can.
TEST_F(BrokerUsersTest, WorkerRunsItsControlChannelButCannotCommandOtherWorkers) {
  auto conn = Open("worker");
  const control::Identity who{.kind = "provider", .name = "noop", .host = "roles-test", .pid = 42, .version = "0"};
  auto declared = conn->Declare(control::ControlChannel::ChannelTopology(who));
  ASSERT_TRUE(declared) << declared.error().message;
  ASSERT_TRUE(conn->Consume(control::ControlQueue(who), 1));
  EXPECT_EQ(Publish(*conn, control::kAnnounceExchange, "provider.noop"), "");
  EXPECT_EQ(Publish(*conn, control::kReplyExchange, "tunefleet.control.cli.someone"), "");
  EXPECT_NE(Publish(*conn, control::kCommandExchange, control::kEveryone).find("ACCESS_REFUSED"), std::string::npos);
}

TEST_F(BrokerUsersTest, OperatorSendsCommandsAndTouchesNothingElse) {
  auto listed = test_support::RunTunefleet({"workers", "--json", "--timeout", "500ms"},
                                           {{"TUNEFLEET_AMQP_URL", urls_.at("operator")}});
  ASSERT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  EXPECT_EQ(listed.out, "{\"processes\":[]}\n");
  auto conn = Open("operator");
  EXPECT_EQ(Publish(*conn, control::kCommandExchange, control::kEveryone), "");
  EXPECT_NE(Publish(*conn, runtime::kJobsExchange, "track.noop").find("ACCESS_REFUSED"), std::string::npos);
  conn = Open("operator");
  EXPECT_NE(Publish(*conn, control::kAnnounceExchange, "provider.noop").find("ACCESS_REFUSED"), std::string::npos);
  conn = Open("operator");
  auto consumed = conn->Consume(runtime::JobQueue("noop"), 1);
  if (consumed) consumed = conn->Pump([](amqp::Delivery) {});
  if (consumed) consumed = conn->WaitForConfirms(2s);
  EXPECT_FALSE(consumed && conn->is_open());
  EXPECT_EQ(vhost_.Depth(runtime::JobQueue("noop")), 0u);
}

TEST_F(BrokerUsersTest, TunefleetPublishRunsAsThePublisher) {
  auto run = test_support::RunTunefleet(
      {"publish", TUNEFLEET_SOURCE_DIR "/data/sample/tracks.csv", "--kind", "track", "--providers", "noop"},
      {{"TUNEFLEET_AMQP_URL", urls_.at("publisher")}});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_GT(vhost_.Depth(runtime::JobQueue("noop")), 0u);
}

}  // namespace
