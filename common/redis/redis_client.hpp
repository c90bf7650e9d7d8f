#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/logging/logger.hpp"
#include "common/redis/commands.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;
struct redisAsyncContext;

namespace redis {

struct RedisClientSettings {
  std::string url = "redis://127.0.0.1:36379/0";        // redis://host:port/db
  std::chrono::milliseconds command_timeout{250};      // a slower answer counts as Redis being away
  std::chrono::milliseconds reconnect_interval{1000};
};

// Redis through hiredis' async API on the worker's libuv loop. Reconnects on its own; while
// disconnected, or when an answer takes longer than `command_timeout`, commands fail at once
// with kTransient so callers can fall back (local rate limit, cache miss). Commands issued
// during the very first connect wait for it (at most `command_timeout`). A Redis error
// reply is kInvalidInput. Loop thread only; callbacks run on the loop, exactly once each.
class RedisClient final : public Commands {
 public:
  RedisClient(uv_loop_s& loop, RedisClientSettings settings, logging::Logger logger);
  ~RedisClient() override;
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  void Command(const std::vector<std::string>& argv, ReplyCallback callback) override;
  bool connected() const { return connected_; }
  void Close();

 private:
  struct Pending;
  void Connect();
  void OnConnected(int status);
  void OnDisconnected(int status);
  void OnConnectTimeout();
  void ScheduleReconnect();
  void ReadWhatArrived();

  uv_loop_s& loop_;
  RedisClientSettings settings_;
  logging::Logger logger_;
  std::string host_{};
  int port_ = 6379;
  int database_ = 0;
  redisAsyncContext* context_ = nullptr;
  bool connected_ = false;
  bool first_connect_pending_ = true;  // no connect result yet: commands queue in hiredis
  bool closed_ = false;
  bool warned_ = false;
  uv::Timer reconnect_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redis
