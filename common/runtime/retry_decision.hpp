#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "common/runtime/topology.hpp"

namespace runtime {

// What to do with a job whose attempt just failed transiently. Pure: the worker turns a
// kRetry into a publish to the tier's delay queue (never a sleep while holding the message).
struct RetryDecision {
  enum class Kind { kRetry, kDeadLetter };
  Kind kind = Kind::kDeadLetter;
  int attempt = 0;              // failed attempts including this one: the next header value
  const DelayTier* tier = nullptr;  // set for kRetry
};

// `previous_attempts` comes from the message header (0 on first delivery). Attempt n waits
// in tier n (1 s, 5 s, 30 s, ...), capped at the last tier; a provider's Retry-After picks
// the first tier at least that long. After `max_attempts` failures the job is dead-lettered.
// A failure that was not an attempt (`attempted` false: an open breaker, a rate-limit wait,
// core::Error::attempted) keeps the count, waits in the tier of the last attempt (or the one
// Retry-After asks for) and never dead-letters: the provider was not asked.
RetryDecision DecideRetry(int previous_attempts, int max_attempts,
                          std::optional<std::chrono::milliseconds> retry_after,
                          const std::vector<DelayTier>& tiers, bool attempted = true);

}  // namespace runtime
