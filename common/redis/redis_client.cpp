#include "common/redis/redis_client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libuv.h>
#include <sys/ioctl.h>
#include <uv.h>

#include <algorithm>

#include <curl/curl.h>

#include "common/core/redact.hpp"

namespace redis {
namespace {

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::kString; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::kStatus; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::kInteger; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default: out.type = Reply::Type::kNil; break;
  }
  return out;
}

}  // namespace

// One command in flight: answered by Redis, by the timeout, or by a disconnect, whichever
// comes first; the others find `done` set.
struct RedisClient::Pending {
  ReplyCallback callback;
  bool done = false;
  std::unique_ptr<uv::Timer> timer;  // the command's timeout
  RedisClient* client = nullptr;
  std::shared_ptr<bool> client_alive;

  void Finish(core::Result<Reply> result) {
    if (done) return;
    done = true;
    timer.reset();
    callback(std::move(result));
  }
};

RedisClient::RedisClient(uv_loop_s& loop, RedisClientSettings settings, logging::Logger logger)
    : loop_(loop), settings_(std::move(settings)), logger_(std::move(logger)), reconnect_timer_(loop) {
  CURLU* url = curl_url();
  host_ = "127.0.0.1";
  if (curl_url_set(url, CURLUPART_URL, settings_.url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    char* part = nullptr;
    if (curl_url_get(url, CURLUPART_HOST, &part, 0) == CURLUE_OK) host_ = part;
    curl_free(part);
    part = nullptr;
    if (curl_url_get(url, CURLUPART_PORT, &part, 0) == CURLUE_OK) port_ = std::atoi(part);
    curl_free(part);
    part = nullptr;
    if (curl_url_get(url, CURLUPART_PATH, &part, 0) == CURLUE_OK && part[0] == '/' && part[1] != '\0') {
      database_ = std::atoi(part + 1);
    }
    curl_free(part);
  }
  curl_url_cleanup(url);
  Connect();
}

RedisClient::~RedisClient() { Close(); }

void RedisClient::Close() {
  if (closed_) return;
  closed_ = true;
  *alive_ = false;
  if (context_ != nullptr) {
    context_->data = nullptr;
    redisAsyncFree(context_);  // calls pending callbacks with a null reply
    context_ = nullptr;
  }
  connected_ = false;
  reconnect_timer_.Close();
}

void RedisClient::Connect() {
  if (closed_) return;
  context_ = redisAsyncConnect(host_.c_str(), port_);
  if (context_ == nullptr || context_->err != 0) {
    if (!warned_) logger_.Warn("redis unavailable", {{"endpoint", host_ + ":" + std::to_string(port_)}});
    warned_ = true;
    if (context_ != nullptr) redisAsyncFree(context_);
    context_ = nullptr;
    ScheduleReconnect();
    return;
  }
  context_->data = this;
  redisLibuvAttach(context_, &loop_);
  redisAsyncSetConnectCallback(context_, [](const redisAsyncContext* c, int status) {
    if (c->data != nullptr) static_cast<RedisClient*>(c->data)->OnConnected(status);
  });
  redisAsyncSetDisconnectCallback(context_, [](const redisAsyncContext* c, int status) {
    if (c->data != nullptr) static_cast<RedisClient*>(c->data)->OnDisconnected(status);
  });
  // hiredis 0.14's libuv adapter does not report a refused connect: give each attempt a
  // deadline, then abandon the context and try again, so a worker started while Redis was
  // away finds it when it comes back.
  auto connect_deadline = std::max<std::int64_t>(1000, 4 * settings_.command_timeout.count());
  uv_update_time(&loop_);  // timers count from the loop's cached time, stale before the loop runs
  reconnect_timer_.Start(std::chrono::milliseconds{connect_deadline}, [this] { OnConnectTimeout(); });
  if (database_ != 0) {
    std::string select = std::to_string(database_);
    const char* argv[] = {"SELECT", select.c_str()};
    size_t lens[] = {6, select.size()};
    redisAsyncCommandArgv(context_, nullptr, nullptr, 2, argv, lens);
  }
}

void RedisClient::OnConnected(int status) {
  first_connect_pending_ = false;
  if (status != REDIS_OK) {
    // hiredis frees the context after a failed connect.
    context_ = nullptr;
    connected_ = false;
    if (!warned_) logger_.Warn("redis unavailable", {{"endpoint", host_ + ":" + std::to_string(port_)}});
    warned_ = true;
    ScheduleReconnect();
    return;
  }
  connected_ = true;
  reconnect_timer_.Stop();
  if (warned_) logger_.Info("redis reachable again", {{"endpoint", host_ + ":" + std::to_string(port_)}});
  warned_ = false;
}

void RedisClient::OnDisconnected(int) {
  first_connect_pending_ = false;
  // hiredis frees the context after this callback and fails its pending commands.
  context_ = nullptr;
  connected_ = false;
  if (!warned_) logger_.Warn("redis connection lost", {{"endpoint", host_ + ":" + std::to_string(port_)}});
  warned_ = true;
  ScheduleReconnect();
}

void RedisClient::OnConnectTimeout() {
  if (connected_ || context_ == nullptr || closed_) return;
  first_connect_pending_ = false;
  context_->data = nullptr;  // its callbacks must not reach us any more
  redisAsyncFree(context_);  // fails the commands queued on it
  context_ = nullptr;
  if (!warned_) logger_.Warn("redis unavailable", {{"endpoint", host_ + ":" + std::to_string(port_)}});
  warned_ = true;
  ScheduleReconnect();
}

// A timer that fires after the loop was busy (timers run before the loop reads its sockets)
// would call an answer late that is already waiting in the socket: read everything that
// arrived first (hiredis reads 16 KB per call; cached bodies make the backlog larger).
void RedisClient::ReadWhatArrived() {
  constexpr int kMaxReads = 256;
  for (int i = 0; i < kMaxReads && context_ != nullptr && connected_; ++i) {
    int available = 0;
    if (ioctl(context_->c.fd, FIONREAD, &available) != 0 || available <= 0) return;
    redisAsyncHandleRead(context_);
  }
}

void RedisClient::ScheduleReconnect() {
  if (closed_) return;
  reconnect_timer_.Start(settings_.reconnect_interval, [this] { Connect(); });
}

void RedisClient::Command(const std::vector<std::string>& argv, ReplyCallback callback) {
  // During the first connect hiredis queues commands and sends them once connected (each
  // command's timeout below still bounds its wait), so a worker's first calls do not find
  // "Redis away" merely because its busy loop has not run the connect yet. The first connect
  // ends by OnConnected or, since hiredis 0.14's libuv adapter never reports a refused
  // connect, by OnConnectTimeout.
  if (context_ == nullptr || (!connected_ && !first_connect_pending_)) {
    callback(core::Error::Transient("redis at " + host_ + ":" + std::to_string(port_) + " is not connected"));
    return;
  }
  auto pending = std::make_shared<Pending>();
  pending->callback = std::move(callback);
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  // hiredis owns a raw pointer until it answers; the shared_ptr copy it holds is released there.
  auto* holder = new std::shared_ptr<Pending>(pending);
  int rc = redisAsyncCommandArgv(
      context_,
      [](redisAsyncContext*, void* reply, void* privdata) {
        std::unique_ptr<std::shared_ptr<Pending>> owned(static_cast<std::shared_ptr<Pending>*>(privdata));
        auto* r = static_cast<redisReply*>(reply);
        if (r == nullptr) {
          (*owned)->Finish(core::Error::Transient("redis connection lost before the answer"));
        } else if (r->type == REDIS_REPLY_ERROR) {
          (*owned)->Finish(core::Error::InvalidInput(core::Redact("redis error: " + std::string(r->str, r->len))));
        } else {
          (*owned)->Finish(Convert(r));
        }
      },
      holder, static_cast<int>(args.size()), args.data(), lens.data());
  if (rc != REDIS_OK) {
    delete holder;
    pending->Finish(core::Error::Transient("redis command could not be sent"));
    return;
  }
  pending->client = this;
  pending->client_alive = alive_;
  pending->timer = std::make_unique<uv::Timer>(loop_);
  uv_update_time(&loop_);  // a command sent late in a busy loop iteration gets its whole timeout
  pending->timer->Start(settings_.command_timeout, [weak = std::weak_ptr<Pending>(pending)] {
    auto locked = weak.lock();
    if (!locked) return;
    if (*locked->client_alive) locked->client->ReadWhatArrived();
    locked->Finish(core::Error::Transient("redis did not answer in time"));  // no-op if answered
  });
}

}  // namespace redis
