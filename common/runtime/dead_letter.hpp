#pragma once

#include <cstdint>
#include <string>

#include "common/amqp/message.hpp"

namespace runtime {

// Now as RFC 3339 UTC with seconds ("2026-11-21T09:30:00Z"): header and follow-up timestamps.
std::string NowRfc3339();

// The copy of `delivery` that goes to tunefleet.dead → tunefleet.<consumer>.dead: same body
// and message id, with why it died (reason, last status, attempts, when) and where a replay
// sends it (`replay_routing_key` on the exchange the consumer reads from) in headers.
amqp::OutgoingMessage DeadLetterMessage(const amqp::Delivery& delivery, const std::string& consumer,
                                        const std::string& reason, const std::string& why, std::int64_t attempts,
                                        const std::string& replay_routing_key);

}  // namespace runtime
