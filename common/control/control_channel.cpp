#include "common/control/control_channel.hpp"

#include <utility>

namespace control {
namespace {

// Commands and heartbeats are only worth something now: one left in a queue (a CLI that
// went away, a `workers --watch` that stopped reading) expires instead of piling up.
constexpr std::int64_t kMessageTtlMs = 60000;

}  // namespace

ControlChannel::ControlChannel(uv_loop_s& loop, ChannelSettings settings, Target& target, logging::Logger logger,
                               BrokerFactory make_broker)
    : settings_(std::move(settings)),
      target_(target),
      logger_(std::move(logger)),
      make_broker_(std::move(make_broker)),
      loop_(loop),
      heartbeat_(loop) {}

ControlChannel::~ControlChannel() { Close(); }

amqp::Topology ControlChannel::ChannelTopology(const Identity& who) {
  amqp::Topology topology;
  topology.exchanges = {{kCommandExchange, "topic"}, {kAnnounceExchange, "topic"}, {kReplyExchange, "direct"}};
  std::string queue = ControlQueue(who);
  topology.queues.push_back(
      {.name = queue, .quorum = false, .arguments = {{"x-message-ttl", kMessageTtlMs}}, .exclusive = true});
  for (const auto& key : BindingKeys(who)) topology.bindings.push_back({queue, kCommandExchange, key, {}});
  return topology;
}

void ControlChannel::Start() {
  if (closed_ || broker_) return;
  amqp::ClientSettings client;
  client.connection.url = settings_.amqp.url;
  client.connection.heartbeat = settings_.amqp.heartbeat;
  client.connection.tls_ca_file = settings_.amqp.tls_ca_file;
  client.connection.connection_name = "tunefleet-control " + settings_.who.Id();
  client.topology = ChannelTopology(settings_.who);
  client.queue = ControlQueue(settings_.who);
  client.prefetch = 16;
  amqp::Broker::Callbacks callbacks;
  callbacks.on_ready = [this](std::uint64_t) { Announce(); };
  callbacks.on_delivery = [this](amqp::Delivery delivery) { OnDelivery(delivery); };
  callbacks.on_lost = [](const std::string&) {};
  callbacks.on_blocked = [](bool, const std::string&) {};
  // The control channel is a convenience: a broker that refuses it (e.g. an operator layout
  // without the control exchange's permissions) leaves the worker running without it.
  callbacks.on_fatal = [this](const std::string& why) {
    logger_.Error("control channel refused by RabbitMQ; running without remote control", {{"error", why}});
  };
  if (make_broker_) {
    broker_ = make_broker_(std::move(client), std::move(callbacks));
  } else {
    broker_ = std::make_unique<amqp::Client>(loop_, std::move(client), std::move(callbacks),
                                             logger_.With({{"connection", "control"}}));
  }
  broker_->Start();
  heartbeat_.Start(settings_.amqp.control_heartbeat, [this] { Announce(); }, settings_.amqp.control_heartbeat);
}

void ControlChannel::Close() {
  if (closed_) return;
  closed_ = true;
  heartbeat_.Close();
  if (broker_) broker_->Close();
}

Status ControlChannel::Snapshot() const {
  Status status = target_.Describe();
  status.who = settings_.who;
  status.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  status.heartbeat_ms = settings_.amqp.control_heartbeat.count();
  return status;
}

void ControlChannel::Announce() {
  if (closed_ || !broker_ || !broker_->connected()) return;
  amqp::OutgoingMessage message;
  message.exchange = kAnnounceExchange;
  message.routing_key = TargetKey(settings_.who.kind, settings_.who.name);
  message.body = ToJson(Snapshot());
  message.headers = {{"x-tunefleet-control", std::string("status")}};
  broker_->Publish(message, [](core::Result<void>) {});  // the next heartbeat says it again
}

void ControlChannel::OnDelivery(const amqp::Delivery& delivery) {
  Reply reply;
  reply.process = settings_.who.Id();
  auto command = ParseCommand(delivery.body);
  if (!command) {
    reply.detail = "rejected: " + command.error().message;
    logger_.Warn("control command rejected", {{"error", command.error().message}, {"reply_to", delivery.reply_to}});
  } else if (command->action == Action::kPing) {
    reply.applied = true;
    reply.detail = "pong";
  } else {
    auto applied = target_.Apply(*command);
    reply.applied = static_cast<bool>(applied);
    reply.detail = applied ? *applied : "rejected: " + applied.error().message;
    logger_.Warn(applied ? "control command applied" : "control command rejected",
                 {{"command", ToString(command->action)}, {"detail", reply.detail}});
  }
  reply.status = Snapshot();
  Answer(delivery, reply);
  broker_->Ack(delivery.generation, delivery.delivery_tag, false);
  if (reply.applied && command && command->action != Action::kPing) Announce();
}

void ControlChannel::Answer(const amqp::Delivery& delivery, const Reply& reply) {
  if (delivery.reply_to.empty()) return;
  amqp::OutgoingMessage message;
  message.exchange = kReplyExchange;
  message.routing_key = delivery.reply_to;
  message.correlation_id = delivery.correlation_id;
  message.body = ToJson(reply);
  message.headers = {{"x-tunefleet-control", std::string("reply")}};
  broker_->Publish(message, [](core::Result<void>) {});  // the asker times out and says who did not answer
}

}  // namespace control
