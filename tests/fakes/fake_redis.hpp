#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/redis/commands.hpp"
#include "common/resilience/clock.hpp"

namespace fakes {

// An in-memory Redis with the commands the gateway sends: GET, SET (with EX or PX), EXISTS,
// DEL, and EVAL of the fleet rate limiter's script, which it runs as that script's GCRA in
// C++ (the only script we send) on the fake clock. Like the real client it never answers
// inside Command: commands wait until the test delivers them, and run when delivered. While
// down, every command fails with kTransient, as RedisClient does while disconnected. Other
// commands get a Redis error (kInvalidInput). Loop (test) thread only.
class FakeRedis final : public redis::Commands {
 public:
  explicit FakeRedis(const resilience::Clock& clock) : clock_(clock) {}

  // redis::Commands
  void Command(const std::vector<std::string>& argv, redis::ReplyCallback callback) override {
    log_.push_back(argv);
    queued_.push_back({argv, std::move(callback)});
  }

  // Runs and answers the commands queued now, oldest first (not those sent while answering).
  std::size_t Deliver() {
    std::deque<Queued> now;
    now.swap(queued_);
    std::size_t n = now.size();
    for (auto& queued : now) queued.callback(Run(queued.argv));
    return n;
  }
  std::size_t queued() const { return queued_.size(); }
  void SetDown(bool down) { down_ = down; }

  // Every command ever sent, in order.
  const std::vector<std::vector<std::string>>& log() const { return log_; }
  std::size_t Sent(const std::string& command) const {
    std::size_t n = 0;
    for (const auto& argv : log_) n += !argv.empty() && argv[0] == command ? 1u : 0u;
    return n;
  }
  // Direct access to the data, as another process would have written it.
  void Put(const std::string& key, std::string value,
           std::optional<std::chrono::milliseconds> ttl = std::nullopt) {
    data_[key] = {std::move(value), ttl ? std::optional(clock_.Now() + *ttl) : std::nullopt};
  }
  std::optional<std::string> Value(const std::string& key) {
    auto* entry = Find(key);
    return entry != nullptr ? std::optional(entry->value) : std::nullopt;
  }
  // Time left to live; nullopt for a missing key or one without expiry.
  std::optional<std::chrono::milliseconds> Ttl(const std::string& key) {
    auto* entry = Find(key);
    if (entry == nullptr || !entry->expires) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*entry->expires - clock_.Now());
  }

 private:
  struct Entry {
    std::string value;
    std::optional<resilience::Clock::TimePoint> expires;
  };
  struct Queued {
    std::vector<std::string> argv;
    redis::ReplyCallback callback;
  };

  static redis::Reply Integer(std::int64_t n) {
    redis::Reply reply;
    reply.type = redis::Reply::Type::kInteger;
    reply.integer = n;
    return reply;
  }

  Entry* Find(const std::string& key) {
    auto it = data_.find(key);
    if (it == data_.end()) return nullptr;
    if (it->second.expires && *it->second.expires <= clock_.Now()) {
      data_.erase(it);
      return nullptr;
    }
    return &it->second;
  }

  core::Result<redis::Reply> Run(const std::vector<std::string>& argv) {
    if (down_) return core::Error::Transient("redis: fake is down");
    const std::string command = argv.empty() ? "" : argv[0];
    redis::Reply reply;
    if (command == "GET" && argv.size() == 2) {
      if (auto* entry = Find(argv[1])) {
        reply.type = redis::Reply::Type::kString;
        reply.text = entry->value;
      }
      return reply;
    }
    if (command == "SET" && (argv.size() == 3 || argv.size() == 5)) {
      std::optional<std::chrono::milliseconds> ttl;
      if (argv.size() == 5) {
        long long n = std::stoll(argv[4]);
        if (argv[3] == "EX") ttl = std::chrono::seconds{n};
        else if (argv[3] == "PX") ttl = std::chrono::milliseconds{n};
        else return core::Error::InvalidInput("ERR syntax error");
      }
      Put(argv[1], argv[2], ttl);
      reply.type = redis::Reply::Type::kStatus;
      reply.text = "OK";
      return reply;
    }
    if ((command == "EXISTS" || command == "DEL") && argv.size() >= 2) {
      std::int64_t n = 0;
      for (std::size_t i = 1; i < argv.size(); ++i) {
        if (Find(argv[i]) == nullptr) continue;
        ++n;
        if (command == "DEL") data_.erase(argv[i]);
      }
      return Integer(n);
    }
    // EVAL script 1 key interval_us burst probe: FleetRateLimiter's GCRA, line by line.
    if (command == "EVAL" && argv.size() == 7 && argv[2] == "1") {
      auto now = static_cast<double>(
          std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch()).count());
      double interval = std::stod(argv[4]);
      double tolerance = (std::stod(argv[5]) - 1) * interval;
      double missing = argv[6] == "1" ? now + tolerance : now;
      auto* entry = Find(argv[3]);
      double tat = entry != nullptr ? std::stod(entry->value) : missing;
      if (tat < now) tat = now;
      double wait = tat - tolerance - now;
      reply.type = redis::Reply::Type::kArray;
      if (wait > 0) {
        reply.elements = {Integer(0), Integer(static_cast<std::int64_t>(std::ceil(wait))), Integer(0)};
        return reply;
      }
      double new_tat = tat + interval;
      Put(argv[3], std::to_string(std::llround(new_tat)),
          std::chrono::milliseconds{static_cast<long long>(std::ceil((new_tat - now) / 1000)) + 1000});
      auto tokens = static_cast<std::int64_t>(std::floor((now + tolerance - new_tat) / interval)) + 1;
      reply.elements = {Integer(1), Integer(0), Integer(std::max<std::int64_t>(tokens, 0))};
      return reply;
    }
    return core::Error::InvalidInput("ERR fake redis does not know '" + command + "'");
  }

  const resilience::Clock& clock_;
  bool down_ = false;
  std::map<std::string, Entry> data_;
  std::deque<Queued> queued_;
  std::vector<std::vector<std::string>> log_;
};

}  // namespace fakes
