#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace amqp {

// Header values we read and write: AMQP tables hold more kinds; others are skipped on read.
using HeaderValue = std::variant<std::int64_t, std::string>;
using Headers = std::map<std::string, HeaderValue>;

// A message as received from a queue. `generation` identifies the connection it came on:
// a delivery can only be acked on the connection (generation) that delivered it.
struct Delivery {
  std::uint64_t delivery_tag = 0;
  std::uint64_t generation = 0;
  bool redelivered = false;
  std::string exchange;
  std::string routing_key;
  std::string message_id;
  std::string body;
  Headers headers;
  // Request/reply (the control channel): where to answer and what the answer quotes.
  std::string reply_to{};
  std::string correlation_id{};
};

// A message to publish: always persistent, JSON.
struct OutgoingMessage {
  std::string exchange;
  std::string routing_key;
  std::string message_id;
  std::string body;
  Headers headers;
  std::string reply_to{};        // set as the AMQP reply-to property when not empty
  std::string correlation_id{};  // set as the AMQP correlation-id property when not empty
};

std::int64_t HeaderInt(const Headers& headers, const std::string& key, std::int64_t fallback);
std::string HeaderString(const Headers& headers, const std::string& key);

// What to declare at start; declared idempotently by every process on every (re)connect.
struct ExchangeSpec {
  std::string name;
  std::string type;  // "topic", "direct", "fanout"
};
struct QueueSpec {
  std::string name;
  bool quorum = true;
  std::map<std::string, HeaderValue> arguments;  // x-message-ttl, x-dead-letter-exchange...
  // Declared with `arguments` on a new queue; a queue an earlier build declared without them
  // is kept as it is (RabbitMQ cannot change a queue's arguments) and reported by Declare.
  std::map<std::string, HeaderValue> added_arguments{};
  // A queue of this connection only (the control channel's): not durable, exclusive and
  // auto-delete, so it goes with the connection. `quorum` must then be false.
  bool exclusive = false;
};
struct BindingSpec {
  std::string queue;
  std::string exchange;
  std::string routing_key;
  std::map<std::string, HeaderValue> arguments;  // for headers exchanges: x-match and keys
};
struct Topology {
  std::vector<ExchangeSpec> exchanges;
  std::vector<QueueSpec> queues;
  std::vector<BindingSpec> bindings;
};

}  // namespace amqp
