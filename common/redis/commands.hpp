#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/core/result.hpp"

namespace redis {

struct Reply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string text{};  // kString, kStatus
  std::int64_t integer = 0;
  std::vector<Reply> elements{};
};

using ReplyCallback = std::function<void(core::Result<Reply>)>;

// What the gateway (cache) and the fleet rate limit need from Redis: one command, answered
// once on the loop. RedisClient is the real one; unit tests pass a fake (tests/fakes/fake_redis.hpp).
class Commands {
 public:
  virtual ~Commands() = default;
  virtual void Command(const std::vector<std::string>& argv, ReplyCallback callback) = 0;
};

}  // namespace redis
