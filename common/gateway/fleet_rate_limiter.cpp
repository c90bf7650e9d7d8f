#include "common/gateway/fleet_rate_limiter.hpp"

#include <algorithm>
#include <cmath>

#include "common/gateway/redis_keys.hpp"

namespace gateway {
namespace {

// GCRA. KEYS[1]: the limit's key. ARGV[1]: emission interval T (microseconds per request).
// ARGV[2]: burst. State: the theoretical arrival time (TAT) in microseconds on Redis' clock.
// A request is allowed when max(TAT, now) - now <= (burst - 1) * T; then TAT advances by T.
// Returns {1, 0, tokens} when allowed (tokens: requests the bucket would still grant at once),
// {0, wait_us, 0} when not. A missing key is a full bucket (the
// limit was idle), except on a probe after an outage (ARGV[3] = 1): Redis may have restarted
// and lost the key while the processes spent their local shares, so the bucket starts empty
// and the fleet does not add a whole burst on top of what was just sent.
constexpr const char* kGcraScript = R"LUA(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = (tonumber(ARGV[2]) - 1) * interval
local missing = now
if ARGV[3] == '1' then missing = now + tolerance end
local tat = tonumber(redis.call('GET', KEYS[1]) or missing)
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then return {0, math.ceil(wait), 0} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
local tokens = math.floor((now + tolerance - new_tat) / interval) + 1
if tokens < 0 then tokens = 0 end
return {1, 0, tokens}
)LUA";

}  // namespace

double FleetBurst(const FleetRateLimitSettings& settings) {
  double headroom = settings.rate_per_second * std::chrono::duration<double>(settings.burst_headroom).count();
  return std::max(1.0, settings.burst - headroom);
}

FleetRateLimiter::FleetRateLimiter(redis::Commands& redis, const resilience::Clock& clock,
                                   FleetRateLimitSettings settings, logging::Logger logger)
    : redis_(redis),
      clock_(clock),
      settings_(std::move(settings)),
      logger_(std::move(logger)),
      local_({settings_.rate_per_second * settings_.local_share,
              std::max(1.0, std::floor(settings_.burst * settings_.local_share))},
             clock) {}

void FleetRateLimiter::SetRate(double rate_per_second) {
  settings_.rate_per_second = std::max(0.01, rate_per_second);
  local_.SetRate(settings_.rate_per_second * settings_.local_share);
}

void FleetRateLimiter::AcquireLocally(const Decision& decision) {
  if (local_.TryAcquire()) {
    decision(std::chrono::milliseconds{0});
  } else {
    decision(std::max(std::chrono::milliseconds{1}, local_.TimeUntilAvailable()));
  }
}

void FleetRateLimiter::Suspect() {
  suspected_ = true;
  ++degradations_;
}

void FleetRateLimiter::Degrade(const std::string& why) {
  suspected_ = false;
  next_probe_ = clock_.Now() + settings_.probe_interval;
  if (degraded_) return;
  degraded_ = true;
  // The fleet was just sending at up to its full rate: a local burst on top would overrun
  // the provider's bucket, which that traffic emptied. (Before Redis ever answered, nothing
  // was sent: the burst is fine.)
  if (fleet_answered_) local_.Drain();
  logger_.Warn("fleet rate limit unavailable; using the local bucket",
               {{"limit", settings_.key},
                {"local_rate", settings_.rate_per_second * settings_.local_share},
                {"error", why}});
}

void FleetRateLimiter::Acquire(Decision decision) {
  if (suspected_) {
    parked_.push_back(std::move(decision));  // the probe's answer decides
    return;
  }
  if (degraded_) {
    if (clock_.Now() < next_probe_) {
      AcquireLocally(decision);
      return;
    }
    next_probe_ = clock_.Now() + settings_.probe_interval;  // this call is the probe
  } else if (asks_in_flight_ >= settings_.max_asks_in_flight) {
    parked_.push_back(std::move(decision));
    return;
  }
  Ask(std::move(decision));
}

void FleetRateLimiter::Ask(Decision decision) {
  ++asks_in_flight_;
  const bool probe = suspected_ || degraded_;
  long long interval_us = std::llround(1e6 / std::max(0.01, settings_.rate_per_second));
  redis_.Command({"EVAL", kGcraScript, "1", RateLimitRedisKey(settings_.key), std::to_string(interval_us),
                  std::to_string(FleetBurst(settings_)), probe ? "1" : "0"},
                 [this, probe, sent_after = degradations_, decision = std::move(decision)](core::Result<redis::Reply> reply) mutable {
                   --asks_in_flight_;
                   bool valid = reply && reply->type == redis::Reply::Type::kArray && reply->elements.size() >= 2;
                   // Sent after the last suspicion: a call from before it is no news about Redis now.
                   const bool current = sent_after == degradations_;
                   if (!valid) {
                     if (!current) return Acquire(std::move(decision));  // waits for the probe, or goes local
                     if (probe) {  // asked twice, failed twice: Redis is away
                       Degrade(reply ? std::string("unexpected reply") : reply.error().message);
                       AcquireLocally(decision);
                       ReleaseParked(std::nullopt);
                       return;
                     }
                     Suspect();  // one failure: ask again at once, everyone else waits for that answer
                     return Ask(std::move(decision));
                   }
                   fleet_answered_ = true;
                   // An answer to a call sent before the last suspicion still holds (its slot is
                   // counted in Redis) but does not end the degraded mode: only a probe does.
                   if (probe && current && (suspected_ || degraded_)) {
                     if (degraded_) logger_.Info("fleet rate limit available again", {{"limit", settings_.key}});
                     suspected_ = false;
                     degraded_ = false;
                   }
                   fleet_tokens_ = reply->elements.size() >= 3 ? static_cast<double>(reply->elements[2].integer) : 0;
                   if (reply->elements[0].integer == 1) {
                     decision(std::chrono::milliseconds{0});
                     ReleaseParked(std::nullopt);
                   } else {
                     auto wait_us = reply->elements[1].integer;
                     std::chrono::milliseconds wait{std::max<std::int64_t>(1, (wait_us + 999) / 1000)};
                     decision(wait);
                     ReleaseParked(wait);
                   }
                 });
}

void FleetRateLimiter::ReleaseParked(std::optional<std::chrono::milliseconds> refused_for) {
  if (parked_.empty() || suspected_) return;
  if (degraded_ || refused_for) {
    std::deque<Decision> parked;
    parked.swap(parked_);
    for (auto& decision : parked) {
      if (degraded_) AcquireLocally(decision);
      else decision(*refused_for);
    }
    return;
  }
  while (!parked_.empty() && asks_in_flight_ < settings_.max_asks_in_flight) {
    Decision next = std::move(parked_.front());
    parked_.pop_front();
    Ask(std::move(next));
  }
}

double FleetRateLimiter::tokens_available() const { return degraded_ ? local_.available() : fleet_tokens_; }

}  // namespace gateway
