#include "common/gateway/gateway.hpp"

#include <charconv>
#include <ctime>

#include "common/gateway/redis_keys.hpp"
#include "common/gateway/uv_scheduler.hpp"

namespace gateway {
namespace {

std::string Excerpt(const std::string& body) {
  std::string out = body.substr(0, 160);
  for (auto& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

double BreakerGauge(resilience::CircuitBreaker::State state) {
  switch (state) {
    case resilience::CircuitBreaker::State::kClosed: return 0;
    case resilience::CircuitBreaker::State::kHalfOpen: return 1;
    case resilience::CircuitBreaker::State::kOpen: return 2;
  }
  return 0;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value) {
  if (value.empty()) return std::nullopt;
  double seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && end == value.data() + value.size() && seconds >= 0) {
    return std::chrono::milliseconds{static_cast<long long>(seconds * 1000)};
  }
  std::tm tm{};
  if (strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) != nullptr) {
    auto diff = static_cast<long long>(timegm(&tm) - std::time(nullptr));
    return std::chrono::milliseconds{std::max(0LL, diff) * 1000};
  }
  return std::nullopt;
}

std::optional<core::Error> ClassifyStatus(const http::Response& response, const std::string& what) {
  long s = response.status;
  if (s >= 200 && s < 300) return std::nullopt;
  std::string why = what + ": HTTP " + std::to_string(s) + " " + Excerpt(response.body);
  if (s == 404) return core::Error::NotFound(why);
  if (s == 429 || s >= 500 || s == 408) {
    return core::Error::Transient(why, ParseRetryAfter(response.Header("retry-after")));
  }
  return core::Error::InvalidInput(why);
}

struct Gateway::Flight {
  std::string key;
  http::Request request;
  CallOptions options;
  std::vector<CallDone> waiters;
  int attempt = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // set by the first attempt
};

Gateway::Gateway(Seams seams, GatewaySettings settings, metrics::GatewayMetrics& metrics, logging::Logger logger)
    : http_(seams.http),
      redis_(seams.redis),
      clock_(seams.clock),
      scheduler_(seams.scheduler),
      random_(seams.random),
      settings_(std::move(settings)),
      metrics_(metrics),
      logger_(std::move(logger)),
      limiter_(redis_, clock_, settings_.rate_limit, logger_),
      breaker_(settings_.breaker, clock_),
      backoff_(settings_.backoff),
      budget_(settings_.retry_budget, clock_) {
  metrics_.RateLimit().Set(settings_.rate_limit.rate_per_second);
}

Gateway::Gateway(uv_loop_s& loop, http::Transport& http, redis::Commands& redis, const resilience::Clock& clock,
                 GatewaySettings settings, metrics::GatewayMetrics& metrics, logging::Logger logger)
    : Gateway(std::make_unique<UvScheduler>(loop), std::make_unique<resilience::SeededRandom>(), http, redis, clock,
              std::move(settings), metrics, std::move(logger)) {}

Gateway::Gateway(std::unique_ptr<resilience::Scheduler> scheduler, std::unique_ptr<resilience::Random> random,
                 http::Transport& http, redis::Commands& redis, const resilience::Clock& clock,
                 GatewaySettings settings, metrics::GatewayMetrics& metrics, logging::Logger logger)
    : Gateway(Seams{http, redis, clock, *scheduler, *random}, std::move(settings), metrics, std::move(logger)) {
  // The seams above point at these objects, which stay where they are when the pointers move.
  owned_scheduler_ = std::move(scheduler);
  owned_random_ = std::move(random);
}

Gateway::~Gateway() { Close(); }

void Gateway::Close() {
  if (closed_) return;
  closed_ = true;
  for (auto id : timers_) scheduler_.Cancel(id);
  timers_.clear();
  bulkhead_queue_.clear();
  auto lookups = std::move(lookups_);
  lookups_.clear();
  auto flights = std::move(flights_);
  flights_.clear();
  for (auto& [id, done] : lookups) done(core::Error::NotAttempted("gateway closed"));
  for (auto& [key, flight] : flights) {
    auto waiters = std::move(flight->waiters);
    flight->waiters.clear();
    for (auto& done : waiters) done(core::Error::NotAttempted("gateway closed"));
  }
}

void Gateway::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  if (closed_) return;
  // The id is known only once After returns; the task reads it from this shared slot.
  auto id = std::make_shared<resilience::Scheduler::TaskId>();
  *id = scheduler_.After(delay, [this, id, fn = std::move(fn)] {
    timers_.erase(*id);
    fn();
  });
  timers_.insert(*id);
}

void Gateway::Call(http::Request request, CallOptions options, CallDone done) {
  if (closed_) {
    done(core::Error::NotAttempted("gateway closed"));
    return;
  }
  std::string key = !options.cache_key.empty() ? options.cache_key : request.method + " " + request.url + "\n" + request.body;
  bool cached = options.use_cache && !options.cache_key.empty() && options.cache_ttl.count() > 0;
  if (!cached) {
    Coalesce(std::move(key), std::move(request), std::move(options), std::move(done));
    return;
  }
  std::string redis_key = CacheRedisKey(settings_.provider, options.cache_key);
  std::uint64_t lookup = next_lookup_++;
  lookups_.emplace(lookup, std::move(done));
  redis_.Command({"GET", redis_key}, [this, lookup, key = std::move(key), request = std::move(request),
                                      options = std::move(options)](core::Result<redis::Reply> reply) mutable {
    auto it = lookups_.find(lookup);
    if (it == lookups_.end()) return;  // Close answered it
    CallDone call_done = std::move(it->second);
    lookups_.erase(it);
    if (reply && reply->type == redis::Reply::Type::kString) {
      auto newline = reply->text.find('\n');
      long status = std::atol(reply->text.substr(0, newline).c_str());
      if (newline != std::string::npos && status > 0) {
        metrics_.CacheHits().Increment();
        http::Response cached_response;
        cached_response.status = status;
        cached_response.body = reply->text.substr(newline + 1);
        if (status == 404) call_done(core::Error::NotFound(options.endpoint + ": not found (cached)"));
        else call_done(std::move(cached_response));
        return;
      }
    }
    metrics_.CacheMisses().Increment();
    Coalesce(std::move(key), std::move(request), std::move(options), std::move(call_done));
  });
}

void Gateway::Coalesce(std::string key, http::Request request, CallOptions options, CallDone done) {
  auto it = flights_.find(key);
  if (it != flights_.end()) {
    metrics_.Coalesced().Increment();
    it->second->waiters.push_back(std::move(done));
    return;
  }
  auto flight = std::make_shared<Flight>();
  flight->key = key;
  flight->request = std::move(request);
  flight->options = std::move(options);
  flight->waiters.push_back(std::move(done));
  flights_.emplace(std::move(key), flight);
  metrics_.InFlight().Set(static_cast<double>(flights_.size()));
  EnterBulkhead(flight);
}

// The bulkhead comes before the rate limit: a slot granted by the limit is spent at once. (In
// the other order, calls granted while every connection was busy waited in the bulkhead and
// went out together once connections freed: under load the chaos run sent 20 MusicBrainz
// requests more than the provider's bucket held when the simulator's held-open "timeout"
// faults and a PostgreSQL stop kept the connections busy.)
void Gateway::EnterBulkhead(const std::shared_ptr<Flight>& flight) {
  if (active_ >= settings_.max_concurrency) {
    bulkhead_queue_.push_back(flight);
    return;
  }
  ++active_;
  Acquire(flight);
}

void Gateway::LeaveBulkhead() {
  --active_;
  if (bulkhead_queue_.empty()) return;
  auto next = bulkhead_queue_.front();
  bulkhead_queue_.pop_front();
  EnterBulkhead(next);
}

void Gateway::Acquire(const std::shared_ptr<Flight>& flight) {
  limiter_.Acquire([this, flight](std::chrono::milliseconds wait) {
    if (closed_) return;  // Close answered the flight's calls
    metrics_.RateLimitDegraded().Set(limiter_.degraded() ? 1 : 0);
    metrics_.RateLimitTokens().Set(limiter_.tokens_available());
    if (wait.count() == 0) {
      Send(flight);
      return;
    }
    metrics_.RateLimitWaits().Increment();
    if (wait > settings_.max_rate_wait) {
      LeaveBulkhead();
      Finish(flight, core::Error::NotAttempted(settings_.provider + " rate limit: next slot in " +
                                                std::to_string(wait.count()) + " ms", wait));
      return;
    }
    After(wait, [this, flight] { Acquire(flight); });
  });
}

void Gateway::ObserveBreaker(resilience::CircuitBreaker::State before) {
  auto after = breaker_.state();
  metrics_.BreakerState().Set(BreakerGauge(after));
  if (after != before) {
    metrics_.BreakerTransitions(std::string(resilience::ToString(after))).Increment();
    logger_.Warn("circuit breaker changed state", {{"from", std::string(resilience::ToString(before))},
                                                   {"to", std::string(resilience::ToString(after))}});
  }
}

void Gateway::Send(const std::shared_ptr<Flight>& flight) {
  // Before the breaker: a half-open breaker's trial must not be taken by a call that ends here.
  std::chrono::milliseconds left{0};
  if (settings_.call_deadline.count() > 0) {
    auto now = clock_.Now();
    if (!flight->deadline) flight->deadline = now + settings_.call_deadline;
    left = std::chrono::duration_cast<std::chrono::milliseconds>(*flight->deadline - now);
    if (left.count() <= 0) {
      // A rate-limit or bulkhead wait after the last retry decision ate the rest.
      LeaveBulkhead();
      Finish(flight, core::Error::Transient(settings_.provider + " " + flight->options.endpoint + ": call deadline of " +
                                            std::to_string(settings_.call_deadline.count()) +
                                            " ms spent before attempt " + std::to_string(flight->attempt + 1)));
      return;
    }
  }
  auto before = breaker_.state();
  if (!breaker_.AllowRequest()) {
    ObserveBreaker(before);
    LeaveBulkhead();
    metrics_.ApiCalls(flight->options.endpoint, "breaker_open").Increment();
    Finish(flight, core::Error::NotAttempted(settings_.provider + " circuit breaker is open", breaker_.RetryAfter()));
    return;
  }
  ObserveBreaker(before);
  auto started = clock_.Now();
  http::Request request = flight->request;
  if (flight->deadline) {
    auto timeout = request.total_timeout.count() > 0 ? request.total_timeout : settings_.attempt_timeout;
    if (timeout.count() == 0 || left < timeout) request.total_timeout = left;
    if (request.connect_timeout > request.total_timeout) request.connect_timeout = request.total_timeout;
  }
  budget_.OnRequest();
  http_.Send(std::move(request), [this, flight, started](core::Result<http::Response> result) {
    OnResponse(flight, std::move(result), started);
  });
}

void Gateway::Adapt(const http::Response& response) {
  if (settings_.remaining_header.empty()) return;
  std::string value = response.Header(settings_.remaining_header);
  if (value.empty()) return;
  int remaining = std::atoi(value.c_str());
  if (remaining <= settings_.remaining_low_watermark && !slowed_down_) {
    slowed_down_ = true;
    ApplyRate(BaseRate() / 2);
    logger_.Warn("provider says few requests remain; halving the rate", {{"remaining", remaining}});
  } else if (remaining > 2 * settings_.remaining_low_watermark && slowed_down_) {
    slowed_down_ = false;
    ApplyRate(BaseRate());
  }
}

void Gateway::ApplyRate(double rate) {
  limiter_.SetRate(rate);
  metrics_.RateLimit().Set(limiter_.rate());
}

void Gateway::OverrideRate(std::optional<double> rate_per_second) {
  rate_override_ = rate_per_second;
  ApplyRate(slowed_down_ ? BaseRate() / 2 : BaseRate());
  logger_.Warn(rate_per_second ? "rate overridden by an operator" : "rate override ended; configured rate again",
               {{"rate_per_second", limiter_.rate()}});
}

void Gateway::HoldBreakerOpen() {
  auto before = breaker_.state();
  breaker_.HoldOpen();
  ObserveBreaker(before);
  logger_.Warn("circuit breaker held open by an operator");
}

void Gateway::CloseBreaker() {
  auto before = breaker_.state();
  breaker_.Close();
  ObserveBreaker(before);
  logger_.Warn("circuit breaker closed by an operator");
}

void Gateway::ResetBreaker() {
  CloseBreaker();
  success_rate_ = 1.0;
  response_time_ = 0.0;
}

void Gateway::OnResponse(const std::shared_ptr<Flight>& flight, core::Result<http::Response> result,
                         std::chrono::steady_clock::time_point started) {
  if (closed_) return;
  LeaveBulkhead();
  auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - started);
  const std::string& endpoint = flight->options.endpoint;
  metrics_.ApiLatency(endpoint).Observe(static_cast<double>(latency.count()) / 1000.0);
  std::optional<core::Error> error;
  if (!result) {
    error = result.error();
    metrics_.ApiCalls(endpoint, "error").Increment();
  } else {
    metrics_.ApiCalls(endpoint, std::to_string(result->status)).Increment();
    Adapt(*result);
    if (flight->options.pass_statuses.count(result->status) == 0) {
      error = ClassifyStatus(*result, settings_.provider + " " + endpoint);
    }
    if (!error && flight->options.classify) error = flight->options.classify(*result);
  }
  constexpr double kWeight = 0.01;  // ~ the last 100 calls
  bool failed = error && error->kind == core::ErrorKind::kTransient;
  success_rate_ += kWeight * ((failed ? 0.0 : 1.0) - success_rate_);
  double seconds = static_cast<double>(latency.count()) / 1000.0;
  response_time_ = response_time_ == 0.0 ? seconds : response_time_ + kWeight * (seconds - response_time_);
  auto before = breaker_.state();
  if (failed) breaker_.OnFailure();
  else breaker_.OnSuccess(latency);
  ObserveBreaker(before);

  if (!error) {
    Finish(flight, std::move(result));
    return;
  }
  if (error->kind != core::ErrorKind::kTransient) {
    Finish(flight, *error);
    return;
  }
  ++flight->attempt;
  if (flight->attempt >= settings_.max_attempts) {
    Finish(flight, *error);
    return;
  }
  if (!budget_.TryRetry()) {
    metrics_.RetriesRefusedByBudget().Increment();
    Finish(flight, *error);
    return;
  }
  auto delay = backoff_.NextDelay(flight->attempt - 1, random_, error->retry_after);
  if (delay > settings_.max_retry_wait) {
    error->retry_after = delay;
    Finish(flight, *error);
    return;
  }
  if (flight->deadline && clock_.Now() + delay >= *flight->deadline) {
    error->message += " (no retry: the call deadline of " + std::to_string(settings_.call_deadline.count()) +
                      " ms would pass)";
    Finish(flight, *error);
    return;
  }
  metrics_.Retries().Increment();
  After(delay, [this, flight] { EnterBulkhead(flight); });
}

void Gateway::Finish(const std::shared_ptr<Flight>& flight, core::Result<http::Response> result) {
  flights_.erase(flight->key);
  metrics_.InFlight().Set(static_cast<double>(flights_.size()));
  const CallOptions& options = flight->options;
  if (options.use_cache && !options.cache_key.empty() && options.cache_ttl.count() > 0) {
    std::string redis_key = CacheRedisKey(settings_.provider, options.cache_key);
    if (result && result->status >= 200 && result->status < 300) {
      redis_.Command({"SET", redis_key, std::to_string(result->status) + "\n" + result->body, "EX",
                      std::to_string(options.cache_ttl.count())},
                     [](core::Result<redis::Reply>) {});
    } else if (!result && result.error().kind == core::ErrorKind::kNotFound && options.not_found_ttl.count() > 0) {
      redis_.Command({"SET", redis_key, "404\n", "EX", std::to_string(options.not_found_ttl.count())},
                     [](core::Result<redis::Reply>) {});
    }
  }
  auto waiters = std::move(flight->waiters);
  for (auto& done : waiters) done(result);
}

}  // namespace gateway
