#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/amqp/message.hpp"
#include "common/core/result.hpp"

// `tunefleet dlq`: dead letters as the management API's peek returns them, how they are
// listed and shown, and what a replay publishes. Pure: no I/O, no clock.
namespace ops {

// Headers a replay adds (docs/OPERATIONS.md).
inline constexpr const char* kReplayedAtHeader = "x-tunefleet-replayed-at";  // RFC 3339 UTC
inline constexpr const char* kReplaysHeader = "x-tunefleet-replays";         // replays so far, this one included

// One dead letter from POST /api/queues/<vhost>/<queue>/get.
struct DeadLetter {
  std::size_t index = 0;  // 1-based position in the peek
  std::string job_id;     // the message id, else the body's "job_id"
  std::string exchange;
  std::string routing_key;
  bool redelivered = false;
  // Every header, sorted by name; values as text (strings bare, everything else as JSON).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;               // as the API sent it (see body_base64)
  bool body_base64 = false;       // not valid UTF-8: the API sent base64
  std::int64_t payload_bytes = 0; // the whole body's size; body may be cut at the peek's truncate
  // The runtime's dead-letter headers ("" / -1 when missing).
  std::string reason;
  std::string last_status;
  std::string dead_at;
  std::int64_t attempts = -1;
  std::int64_t replays = 0;
};

struct Peek {
  std::vector<DeadLetter> messages;
  std::int64_t ready = 0;  // ready messages in the queue when peeked (0 when it was empty)
};

// The request body of the peek: `count` messages, requeued, bodies cut at `truncate` bytes.
std::string PeekRequest(std::size_t count, std::size_t truncate = 50000);
// kInvalidInput when `json` is not the API's array of messages.
core::Result<Peek> ParsePeek(std::string_view json);

// `dlq list`: one aligned line per message (job id, dead-at, last status, attempts, reason cut
// to `reason_width` characters on one line), then "N shown of M dead letters in QUEUE".
std::string FormatList(const Peek& peek, std::string_view queue, std::size_t reason_width = 60);
// `dlq show`: where it is, every header, and the body pretty-printed when it is JSON.
std::string FormatShow(const DeadLetter& message, std::string_view queue, std::int64_t ready);
// Indented JSON when `body` parses as JSON, else `body` unchanged.
std::string PrettyJson(std::string_view body);
// One line, at most `width` characters (UTF-8 aware), "..." when cut.
std::string OneLine(std::string_view text, std::size_t width);

// Where a replay publishes: a provider's jobs go to tunefleet.jobs with x-tunefleet-routing-key
// (else track.<provider>); a builder's follow-ups go to the default exchange with routing key
// tunefleet.<builder>, its own queue only.
std::string ReplayRoutingKey(const amqp::Headers& dead, std::string_view provider);
std::string ReplayExchange(std::string_view provider);
// The dead letter's headers minus the failure bookkeeping (x-tunefleet-attempt, -reason,
// -last-status, -dead-at, -delay, and the broker's x-delivery-count / x-death*), plus
// x-tunefleet-replayed-at = `replayed_at` and x-tunefleet-replays incremented.
amqp::Headers ReplayHeaders(const amqp::Headers& dead, std::string_view replayed_at);
// The message a replay publishes to tunefleet.jobs: same body and message id.
amqp::OutgoingMessage ReplayMessage(const amqp::Delivery& dead, std::string_view provider,
                                    std::string_view replayed_at);

}  // namespace ops
