// A worker's end of the control channel over a scripted broker: each command is applied once
// (ping and anything unreadable never reach the target), answered to its reply-to with its
// correlation id, and acked; the process announces itself on connect and after a change.
#include "common/control/control_channel.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/uv/handles.hpp"
#include "tests/fakes/fake_broker.hpp"
#include "tests/unit/control/spotify_process.hpp"

namespace control {
namespace {

using namespace std::chrono_literals;
using Settle = fakes::FakeBroker::Settle;

// A process that records every command it is asked to apply, and refuses them when told.
class FakeTarget final : public Target {
 public:
  Status Describe() const override {
    Status status;
    status.paused = paused;
    status.log_level = "info";
    status.in_flight = 3;
    return status;
  }
  core::Result<std::string> Apply(const Command& command) override {
    applied.push_back(command);
    if (!refusal.empty()) return core::Error::InvalidInput(refusal);
    if (command.action == Action::kPause) paused = true;
    return std::string("did ") + std::string(ToString(command.action));
  }

  std::vector<Command> applied;
  std::string refusal;  // not empty: Apply refuses with this
  bool paused = false;
};

std::string CommandJson(Action action) {
  Command command;
  command.action = action;
  return ToJson(command);
}

class ControlChannelTest : public ::testing::Test {
 protected:
  explicit ControlChannelTest(std::chrono::milliseconds heartbeat = 5000ms) {
    uv_loop_init(&loop_);
    ChannelSettings settings;
    settings.amqp.control_heartbeat = heartbeat;
    settings.who = Spotify();
    channel_ = std::make_unique<ControlChannel>(loop_, settings, target_, logging::Logger("test"),
                                                fakes::FakeBroker::Factory(&broker_));
    channel_->Start();
  }
  ~ControlChannelTest() override {
    channel_->Close();
    EXPECT_TRUE(broker_->closed());
    channel_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // frees the heartbeat timer's handle
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  const amqp::OutgoingMessage& Published(std::size_t index) const { return broker_->published().at(index).message; }
  std::vector<amqp::OutgoingMessage> PublishedTo(const std::string& exchange) const {
    std::vector<amqp::OutgoingMessage> out;
    for (const auto& p : broker_->published()) {
      if (p.message.exchange == exchange) out.push_back(p.message);
    }
    return out;
  }
  // The one reply published; a failure when there is not exactly one.
  Reply OnlyReply() const {
    auto replies = PublishedTo(kReplyExchange);
    if (replies.size() != 1) {
      ADD_FAILURE() << replies.size() << " replies published";
      return {};
    }
    auto reply = ParseReply(replies[0].body);
    if (!reply) {
      ADD_FAILURE() << "unreadable reply " << replies[0].body << ": " << reply.error().message;
      return {};
    }
    return *reply;
  }

  uv_loop_t loop_{};
  FakeTarget target_;
  fakes::FakeBroker* broker_ = nullptr;  // owned by the channel
  std::unique_ptr<ControlChannel> channel_;
};

TEST_F(ControlChannelTest, BindsItsOwnQueueToTheCommandExchange) {
  ASSERT_NE(broker_, nullptr);
  EXPECT_TRUE(broker_->started());
  EXPECT_EQ(broker_->settings().queue, ControlQueue(Spotify()));
  std::vector<std::string> keys;
  for (const auto& binding : broker_->settings().topology.bindings) {
    EXPECT_EQ(binding.exchange, kCommandExchange);
    EXPECT_EQ(binding.queue, ControlQueue(Spotify()));
    keys.push_back(binding.routing_key);
  }
  EXPECT_EQ(keys, BindingKeys(Spotify()));
}

TEST_F(ControlChannelTest, DeclaresAQueueThatGoesWithItsConnection) {
  const auto& topology = broker_->settings().topology;
  ASSERT_EQ(topology.queues.size(), 1u);
  EXPECT_EQ(topology.queues[0].name, ControlQueue(Spotify()));
  EXPECT_TRUE(topology.queues[0].exclusive);
  EXPECT_FALSE(topology.queues[0].quorum);
  std::map<std::string, std::string> exchanges;
  for (const auto& exchange : topology.exchanges) exchanges[exchange.name] = exchange.type;
  EXPECT_EQ(exchanges, (std::map<std::string, std::string>{
                           {kCommandExchange, "topic"}, {kAnnounceExchange, "topic"}, {kReplyExchange, "direct"}}));
}

TEST_F(ControlChannelTest, AnnouncesItsStatusOnConnect) {
  ASSERT_EQ(broker_->published().size(), 1u);
  const auto& announce = Published(0);
  EXPECT_EQ(announce.exchange, kAnnounceExchange);
  EXPECT_EQ(announce.routing_key, "provider.spotify");
  auto status = ParseStatus(announce.body);
  ASSERT_TRUE(status) << announce.body;
  EXPECT_EQ(status->who.Id(), Spotify().Id());
  EXPECT_EQ(status->who.version, "1.2.3");
  EXPECT_EQ(status->heartbeat_ms, 5000);
  EXPECT_EQ(status->in_flight, 3);
  EXPECT_FALSE(status->paused);
}

TEST_F(ControlChannelTest, AppliesACommandOnceAnswersItsReplyToWithItsCorrelationIdAndAcks) {
  const auto tag = broker_->DeliverRequest(CommandJson(Action::kPause), "cli-queue-1", "corr-7");
  ASSERT_EQ(target_.applied.size(), 1u);
  EXPECT_EQ(target_.applied[0].action, Action::kPause);

  auto replies = PublishedTo(kReplyExchange);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].routing_key, "cli-queue-1");
  EXPECT_EQ(replies[0].correlation_id, "corr-7");
  auto reply = OnlyReply();
  EXPECT_EQ(reply.process, Spotify().Id());
  EXPECT_TRUE(reply.applied);
  EXPECT_EQ(reply.detail, "did pause");
  ASSERT_TRUE(reply.status);
  EXPECT_TRUE(reply.status->paused) << "the status after the command";
  EXPECT_EQ(reply.status->who.Id(), Spotify().Id());
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
}

TEST_F(ControlChannelTest, AnnouncesAgainAfterAnAppliedCommand) {
  broker_->DeliverRequest(CommandJson(Action::kPause), "cli-queue-1", "corr-7");
  auto announces = PublishedTo(kAnnounceExchange);
  ASSERT_EQ(announces.size(), 2u) << "one on connect, one after the command";
  auto status = ParseStatus(announces[1].body);
  ASSERT_TRUE(status) << announces[1].body;
  EXPECT_TRUE(status->paused);
}

TEST_F(ControlChannelTest, RejectsAMalformedCommandWithoutApplyingItAndAcks) {
  const auto tag = broker_->DeliverRequest("pause, please", "cli-queue-1", "corr-1");
  EXPECT_TRUE(target_.applied.empty());
  auto reply = OnlyReply();
  EXPECT_FALSE(reply.applied);
  EXPECT_NE(reply.detail.find("not a JSON object"), std::string::npos) << reply.detail;
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
  EXPECT_EQ(PublishedTo(kAnnounceExchange).size(), 1u) << "announced after a refused command";
}

TEST_F(ControlChannelTest, RejectsAnUnknownCommandWithoutApplyingItAndAcks) {
  const auto tag = broker_->DeliverRequest(R"({"command":"reboot"})", "cli-queue-1", "corr-1");
  EXPECT_TRUE(target_.applied.empty());
  auto reply = OnlyReply();
  EXPECT_FALSE(reply.applied);
  EXPECT_NE(reply.detail.find("unknown command 'reboot'"), std::string::npos) << reply.detail;
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
}

TEST_F(ControlChannelTest, RepliesWithTheTargetsReasonWhenItRefuses) {
  target_.refusal = "this process has no gateway";
  broker_->DeliverRequest(CommandJson(Action::kBreakerOpen), "cli-queue-1", "corr-1");
  EXPECT_EQ(target_.applied.size(), 1u);
  auto reply = OnlyReply();
  EXPECT_FALSE(reply.applied);
  EXPECT_NE(reply.detail.find("this process has no gateway"), std::string::npos) << reply.detail;
  EXPECT_EQ(broker_->acks().size(), 1u);
}

TEST_F(ControlChannelTest, AnswersAPingItselfWithTheStatus) {
  const auto tag = broker_->DeliverRequest(CommandJson(Action::kPing), "cli-queue-1", "corr-1");
  EXPECT_TRUE(target_.applied.empty()) << "a ping reached the target";
  auto reply = OnlyReply();
  EXPECT_TRUE(reply.applied);
  EXPECT_EQ(reply.detail, "pong");
  ASSERT_TRUE(reply.status);
  EXPECT_EQ(reply.status->who.Id(), Spotify().Id());
  EXPECT_EQ(reply.status->in_flight, 3);
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
}

TEST_F(ControlChannelTest, AppliesAndAcksACommandWithoutReplyToButAnswersNobody) {
  const auto tag = broker_->DeliverRequest(CommandJson(Action::kPause), "", "");
  EXPECT_EQ(target_.applied.size(), 1u);
  EXPECT_TRUE(PublishedTo(kReplyExchange).empty());
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{1, tag, false}}));
}

TEST_F(ControlChannelTest, AnnouncesAgainOnReconnectAndAcksOnTheNewConnection) {
  broker_->DropConnection();
  broker_->Connect();
  EXPECT_EQ(PublishedTo(kAnnounceExchange).size(), 2u);
  const auto tag = broker_->DeliverRequest(CommandJson(Action::kPing), "cli-queue-1", "corr-1");
  EXPECT_EQ(broker_->acks(), (std::vector<Settle>{{2, tag, false}}));
}

// A heartbeat short enough to run the loop for: the timer announces again and again.
class ControlChannelHeartbeatTest : public ControlChannelTest {
 protected:
  ControlChannelHeartbeatTest() : ControlChannelTest(20ms) {}
};

TEST_F(ControlChannelHeartbeatTest, AnnouncesEveryHeartbeat) {
  uv::Timer guard(loop_);
  bool expired = false;
  guard.Start(5s, [&expired] { expired = true; });
  while (PublishedTo(kAnnounceExchange).size() < 3 && !expired) uv_run(&loop_, UV_RUN_ONCE);
  guard.Close();
  EXPECT_GE(PublishedTo(kAnnounceExchange).size(), 3u) << "no heartbeat within 5 s";
}

}  // namespace
}  // namespace control
