#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/logging/logger.hpp"
#include "common/redis/commands.hpp"
#include "common/redis/redis_url.hpp"
#include "common/uv/handles.hpp"

struct uv_loop_s;

namespace redis {

struct RedisClientSettings {
  // redis[s]://[[user]:password@]host[:port][/db]: AUTH [user] password, then SELECT db, on
  // every connect before any command. rediss:// is TLS with the certificate and host name verified.
  std::string url = "redis://127.0.0.1:36379/0";
  std::chrono::milliseconds command_timeout{250};  // a slower answer counts as Redis being away
  // Short: a process that notices late that Redis is back adds its local share on top of the
  // fleet rate until then (see gateway::FleetRateLimiter). A refused connect costs nothing.
  std::chrono::milliseconds reconnect_interval{250};
  std::string tls_ca_file{};  // rediss://: PEM CA that signs Redis' certificate; empty: the system's trust store
};

// Redis on the worker's libuv loop over a socket of its own (a uv_tcp_t, TLS through OpenSSL
// memory BIOs for rediss://); hiredis only encodes commands and parses replies. Reconnects on
// its own; while disconnected, or when an answer takes longer than `command_timeout`, commands
// fail at once with kTransient so callers can fall back (local rate limit, cache miss).
// Commands issued during the very first connect wait for it (at most `command_timeout`). A
// Redis error reply is kInvalidInput. A refused AUTH or SELECT and a certificate that does not
// verify are configuration errors: one error line naming what to fix, `config_error()` set,
// and the client keeps retrying (someone may fix the server). Loop thread only; callbacks run
// on the loop, exactly once each, also when the client is closed or destroyed with commands in
// flight (the loop must run once more after that to free the socket).
class RedisClient final : public Commands {
 public:
  RedisClient(uv_loop_s& loop, RedisClientSettings settings, logging::Logger logger);
  ~RedisClient() override;
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // redis::Commands
  void Command(const std::vector<std::string>& argv, ReplyCallback callback) override;

  bool connected() const { return state_ == State::kReady; }
  // Whether a connect (with AUTH and SELECT) has ever succeeded.
  bool ever_connected() const { return ever_connected_; }
  // The last configuration error (refused AUTH or SELECT, certificate verification), until a
  // connect succeeds.
  const std::optional<core::Error>& config_error() const { return config_error_; }
  // Called on the loop with each configuration error as it happens (the worker ends its start
  // with it when it comes from the first connect).
  void OnConfigError(std::function<void(const core::Error&)> fn) { on_config_error_ = std::move(fn); }
  void Close();

 private:
  enum class State { kIdle, kResolving, kConnecting, kHandshaking, kAuthenticating, kReady };
  struct Pending;
  struct Resolve;
  struct Tls;

  void Connect();
  void OnResolved(int status, std::vector<std::string> addresses);
  void TryNextAddress();
  void OnTcpConnected(int status);
  void OnBytes(const char* data, std::size_t size);
  bool ContinueHandshake();
  bool DrainTls();
  void FlushTls();
  void StartSession();
  void OnSetupReply(const std::string& what, core::Result<Reply> result);
  void OnReady();
  void ProcessReplies();
  void Send(std::string bytes);
  void WriteRaw(std::string bytes);
  void ReadWhatArrived();
  void Fail(core::Error why, bool config);
  void Teardown();
  void ScheduleReconnect();
  std::string Endpoint() const;

  uv_loop_s& loop_;
  RedisClientSettings settings_;
  logging::Logger logger_;
  RedisEndpoint endpoint_{};
  std::optional<core::Error> url_error_{};  // a URL we cannot use: every connect fails with it
  void* ssl_ctx_ = nullptr;                 // SSL_CTX* for rediss://
  std::string ssl_ctx_error_{};             // why the CA could not be loaded

  State state_ = State::kIdle;
  std::uint64_t generation_ = 0;  // bumped on every teardown: callbacks of an old connection stop
  std::unique_ptr<uv::Tcp> tcp_{};
  void* reader_ = nullptr;  // redisReader*
  std::unique_ptr<Tls> tls_{};
  Resolve* resolving_ = nullptr;
  std::vector<std::string> addresses_{};  // numeric, for the current attempt
  std::size_t next_address_ = 0;
  std::string last_error_{};
  int setup_replies_left_ = 0;
  std::deque<std::shared_ptr<Pending>> in_flight_{};                        // sent, answered in this order
  std::deque<std::pair<std::string, std::shared_ptr<Pending>>> waiting_{};  // issued during the first connect

  bool first_connect_pending_ = true;
  bool ever_connected_ = false;
  bool closed_ = false;
  bool warned_ = false;
  std::optional<core::Error> config_error_{};
  std::function<void(const core::Error&)> on_config_error_{};
  uv::Timer reconnect_timer_;  // the connect deadline while connecting, the retry delay after
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redis
