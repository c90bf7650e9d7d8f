#include "common/runtime/dead_letter.hpp"

#include <ctime>

#include "common/core/redact.hpp"
#include "common/runtime/topology.hpp"

namespace runtime {

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

amqp::OutgoingMessage DeadLetterMessage(const amqp::Delivery& delivery, const std::string& consumer,
                                        const std::string& reason, const std::string& why, std::int64_t attempts,
                                        const std::string& replay_routing_key) {
  amqp::OutgoingMessage message;
  message.exchange = kDeadExchange;
  message.routing_key = consumer;
  message.message_id = delivery.message_id;
  message.body = delivery.body;
  message.headers = delivery.headers;
  message.headers.erase(kDelayHeader);
  // Redacted before it is cut (see ProviderPipeline::Retry): dead letters are read by people.
  message.headers[kReasonHeader] = core::Redact(why).substr(0, 1024);
  message.headers[kLastStatusHeader] = reason;
  message.headers[kAttemptHeader] = attempts;
  message.headers[kProviderHeader] = consumer;
  message.headers[kRoutingKeyHeader] = replay_routing_key;
  message.headers[kDeadAtHeader] = NowRfc3339();
  return message;
}

}  // namespace runtime
