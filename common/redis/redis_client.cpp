#include "common/redis/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/core/redact.hpp"

namespace redis {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default: out.type = Reply::Type::kNil; break;
  }
  return out;
}

// RESP bytes of one command (hiredis encodes; we never write RESP by hand).
std::string Encode(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  char* target = nullptr;
  int len = redisFormatCommandArgv(&target, static_cast<int>(args.size()), args.data(), lens.data());
  if (len < 0 || target == nullptr) return {};
  std::string out(target, static_cast<std::size_t>(len));
  redisFreeCommand(target);
  return out;
}

bool IsIpLiteral(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return uv_inet_pton(AF_INET, host.c_str(), &v4) == 0 || uv_inet_pton(AF_INET6, host.c_str(), &v6) == 0;
}

// The oldest OpenSSL error on this thread, or `fallback`; empties the queue.
std::string OpenSslError(const std::string& fallback) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

SSL_CTX* Ctx(void* p) { return static_cast<SSL_CTX*>(p); }
redisReader* Reader(void* p) { return static_cast<redisReader*>(p); }

}  // namespace

// One command in flight: answered by Redis, by the timeout, or by a disconnect, whichever
// comes first; the others find `done` set. An answered-late command stays in the FIFO until its
// reply arrives (replies come in the order the commands were sent).
struct RedisClient::Pending {
  ReplyCallback callback;
  bool done = false;
  std::unique_ptr<uv::Timer> timer{};  // the command's timeout

  void Finish(core::Result<Reply> result) {
    if (done) return;
    done = true;
    timer.reset();
    auto fn = std::move(callback);
    fn(std::move(result));
  }
};

// A name lookup in flight; the client forgets it on teardown and the callback frees it.
struct RedisClient::Resolve {
  uv_getaddrinfo_t req{};
  RedisClient* client = nullptr;
};

// The TLS layer between socket bytes and RESP bytes: `in` gets what the socket read, `out`
// holds what must be written to it.
struct RedisClient::Tls {
  SSL* ssl = nullptr;
  BIO* in = nullptr;
  BIO* out = nullptr;
  bool handshake_done = false;
  ~Tls() { SSL_free(ssl); }  // frees both BIOs
};

RedisClient::RedisClient(uv_loop_s& loop, RedisClientSettings settings, logging::Logger logger)
    : loop_(loop), settings_(std::move(settings)), logger_(std::move(logger)), reconnect_timer_(loop) {
  auto parsed = ParseRedisUrl(settings_.url);
  if (parsed) {
    endpoint_ = *parsed;
  } else {
    url_error_ = parsed.error();
    endpoint_.host = "?";
  }
  if (endpoint_.tls) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    ssl_ctx_ = ctx;
    if (ctx == nullptr) {
      ssl_ctx_error_ = "cannot create a TLS context: " + OpenSslError("out of memory");
    } else {
      SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      if (!settings_.tls_ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, settings_.tls_ca_file.c_str(), nullptr) != 1) {
          ssl_ctx_error_ = "TUNEFLEET_REDIS_CA_FILE " + settings_.tls_ca_file +
                           " holds no CA certificate OpenSSL can load (" + OpenSslError("unknown error") +
                           "); set it to the PEM file of the CA that signs Redis' certificate";
        }
      } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        ssl_ctx_error_ =
            "rediss:// without TUNEFLEET_REDIS_CA_FILE needs the system's CA store, which OpenSSL cannot load; "
            "set TUNEFLEET_REDIS_CA_FILE to the CA that signs Redis' certificate";
      }
    }
  }
  Connect();
}

RedisClient::~RedisClient() {
  Close();
  SSL_CTX_free(Ctx(ssl_ctx_));
}

std::string RedisClient::Endpoint() const {
  bool v6 = endpoint_.host.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint_.host + "]" : endpoint_.host) + ":" + std::to_string(endpoint_.port);
}

void RedisClient::Close() {
  if (closed_) return;
  closed_ = true;
  reconnect_timer_.Close();
  auto alive = alive_;
  auto in_flight = std::move(in_flight_);
  auto waiting = std::move(waiting_);
  Teardown();
  *alive_ = false;  // from here on, nothing may touch the client: a callback may destroy it
  for (auto& p : in_flight) p->Finish(core::Error::Transient("redis client closed before the answer"));
  for (auto& [bytes, p] : waiting) p->Finish(core::Error::Transient("redis client closed before the answer"));
}

// Forgets the connection (socket, TLS, parser, name lookup); the commands are the caller's.
void RedisClient::Teardown() {
  ++generation_;
  if (tcp_) {
    tcp_->set_context(nullptr);  // its pending connect and write callbacks must not reach us
    tcp_->Close();
    tcp_.reset();
  }
  if (resolving_ != nullptr) {
    resolving_->client = nullptr;
    uv_cancel(reinterpret_cast<uv_req_t*>(&resolving_->req));
    resolving_ = nullptr;
  }
  tls_.reset();
  if (reader_ != nullptr) redisReaderFree(Reader(reader_));
  reader_ = nullptr;
  state_ = State::kIdle;
}

void RedisClient::Connect() {
  if (closed_) return;
  if (url_error_) return Fail(*url_error_, true);
  if (!ssl_ctx_error_.empty()) return Fail(core::Error::InvalidInput(ssl_ctx_error_), true);
  reader_ = redisReaderCreate();
  if (reader_ == nullptr) return Fail(core::Error::Transient("out of memory"), false);
  // Each attempt has a deadline (a server that accepts but never finishes TLS or AUTH, a
  // packet filter that drops SYNs), after which it is abandoned and retried.
  auto connect_deadline = std::max<std::int64_t>(1000, 4 * settings_.command_timeout.count());
  uv_update_time(&loop_);  // timers count from the loop's cached time, stale before the loop runs
  reconnect_timer_.Start(std::chrono::milliseconds{connect_deadline}, [this, connect_deadline] {
    Fail(core::Error::Transient("redis at " + Endpoint() + " did not finish connecting within " +
                                std::to_string(connect_deadline) + " ms"),
         false);
  });
  addresses_.clear();
  next_address_ = 0;
  last_error_ = "no address";
  if (IsIpLiteral(endpoint_.host)) {
    state_ = State::kConnecting;
    addresses_.push_back(endpoint_.host);
    TryNextAddress();
    return;
  }
  state_ = State::kResolving;
  auto* resolve = new Resolve;
  resolve->req.data = resolve;
  resolve->client = this;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(
      &loop_, &resolve->req,
      [](uv_getaddrinfo_t* req, int status, addrinfo* result) {
        std::unique_ptr<Resolve> owned(static_cast<Resolve*>(req->data));
        std::vector<std::string> found;
        for (addrinfo* a = result; status == 0 && a != nullptr; a = a->ai_next) {
          char text[64] = {};
          if (a->ai_family == AF_INET) {
            uv_ip4_name(reinterpret_cast<sockaddr_in*>(a->ai_addr), text, sizeof text);
          } else if (a->ai_family == AF_INET6) {
            uv_ip6_name(reinterpret_cast<sockaddr_in6*>(a->ai_addr), text, sizeof text);
          } else {
            continue;
          }
          if (std::find(found.begin(), found.end(), text) == found.end()) found.emplace_back(text);
        }
        uv_freeaddrinfo(result);
        if (owned->client != nullptr) owned->client->OnResolved(status, std::move(found));
      },
      endpoint_.host.c_str(), nullptr, &hints);
  if (rc != 0) {
    delete resolve;
    return Fail(core::Error::Transient("cannot resolve " + endpoint_.host + ": " + uv_strerror(rc)), false);
  }
  resolving_ = resolve;
}

void RedisClient::OnResolved(int status, std::vector<std::string> addresses) {
  resolving_ = nullptr;
  if (status != 0 || addresses.empty()) {
    return Fail(core::Error::Transient("cannot resolve " + endpoint_.host + ": " +
                                       (status != 0 ? uv_strerror(status) : "no address")),
                false);
  }
  state_ = State::kConnecting;
  addresses_ = std::move(addresses);
  TryNextAddress();
}

// Connects to the next address of the name; "localhost" may be ::1 first while Redis listens
// on 127.0.0.1 only.
void RedisClient::TryNextAddress() {
  if (next_address_ >= addresses_.size()) {
    return Fail(core::Error::Transient("redis at " + Endpoint() + " refused the connection: " + last_error_), false);
  }
  const std::string& address = addresses_[next_address_++];
  sockaddr_storage addr{};
  if (address.find(':') != std::string::npos) {
    uv_ip6_addr(address.c_str(), endpoint_.port, reinterpret_cast<sockaddr_in6*>(&addr));
  } else {
    uv_ip4_addr(address.c_str(), endpoint_.port, reinterpret_cast<sockaddr_in*>(&addr));
  }
  if (tcp_) {
    tcp_->set_context(nullptr);
    tcp_->Close();
  }
  tcp_ = std::make_unique<uv::Tcp>(loop_);
  tcp_->set_context(this);
  uv_tcp_nodelay(tcp_->get(), 1);
  auto* req = new uv_connect_t;
  int rc = uv_tcp_connect(req, tcp_->get(), reinterpret_cast<const sockaddr*>(&addr), [](uv_connect_t* r, int status) {
    std::unique_ptr<uv_connect_t> owned(r);
    auto* client = static_cast<RedisClient*>(uv::Tcp::ContextOf(r->handle));
    if (client != nullptr) client->OnTcpConnected(status);
  });
  if (rc != 0) {
    delete req;
    last_error_ = uv_strerror(rc);
    TryNextAddress();
  }
}

void RedisClient::OnTcpConnected(int status) {
  if (status != 0) {
    last_error_ = uv_strerror(status);
    return TryNextAddress();
  }
  int rc = uv_read_start(
      reinterpret_cast<uv_stream_t*>(tcp_->get()),
      [](uv_handle_t*, size_t, uv_buf_t* buf) {
        *buf = uv_buf_init(new char[kReadChunk], static_cast<unsigned>(kReadChunk));
      },
      [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
        std::unique_ptr<char[]> owned(buf->base);
        auto* client = static_cast<RedisClient*>(uv::Tcp::ContextOf(stream));
        if (client == nullptr || nread == 0) return;
        if (nread < 0) {
          return client->Fail(
              core::Error::Transient(nread == UV_EOF ? "redis at " + client->Endpoint() + " closed the connection"
                                                     : "redis at " + client->Endpoint() + ": " +
                                                           uv_strerror(static_cast<int>(nread))),
              false);
        }
        client->OnBytes(buf->base, static_cast<std::size_t>(nread));
      });
  if (rc != 0)
    return Fail(core::Error::Transient(std::string("cannot read the redis socket: ") + uv_strerror(rc)), false);
  if (!endpoint_.tls) return StartSession();

  state_ = State::kHandshaking;
  tls_ = std::make_unique<Tls>();
  ERR_clear_error();
  tls_->ssl = SSL_new(Ctx(ssl_ctx_));
  tls_->in = BIO_new(BIO_s_mem());
  tls_->out = BIO_new(BIO_s_mem());
  if (tls_->ssl == nullptr || tls_->in == nullptr || tls_->out == nullptr) {
    BIO_free(tls_->in);  // not yet owned by the SSL
    BIO_free(tls_->out);
    tls_->in = tls_->out = nullptr;
    return Fail(core::Error::Transient("cannot set up TLS: " + OpenSslError("out of memory")), false);
  }
  SSL_set_bio(tls_->ssl, tls_->in, tls_->out);
  if (IsIpLiteral(endpoint_.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls_->ssl), endpoint_.host.c_str());
  } else {
    SSL_set_tlsext_host_name(tls_->ssl, endpoint_.host.c_str());  // SNI
    SSL_set1_host(tls_->ssl, endpoint_.host.c_str());
  }
  SSL_set_connect_state(tls_->ssl);
  ContinueHandshake();
}

// Drives the handshake with what has arrived; true once it is done and the session started.
bool RedisClient::ContinueHandshake() {
  auto generation = generation_;
  ERR_clear_error();
  int rc = SSL_do_handshake(tls_->ssl);
  FlushTls();
  if (generation != generation_) return false;
  if (rc == 1) {
    tls_->handshake_done = true;
    StartSession();
    return generation == generation_;
  }
  int error = SSL_get_error(tls_->ssl, rc);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return false;
  long verify = SSL_get_verify_result(tls_->ssl);
  std::string ca =
      settings_.tls_ca_file.empty() ? "the system's trust store" : "TUNEFLEET_REDIS_CA_FILE " + settings_.tls_ca_file;
  if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    Fail(core::Error::InvalidInput("TLS to Redis at " + Endpoint() +
                                   " refused: certificate verify failed: " + X509_verify_cert_error_string(verify) +
                                   " (Redis' certificate does not name \"" + endpoint_.host +
                                   "\"); use the host name on Redis' certificate in TUNEFLEET_REDIS_URL"),
         true);
  } else if (verify != X509_V_OK) {
    Fail(core::Error::InvalidInput("TLS to Redis at " + Endpoint() + " refused: certificate verify failed: " +
                                   X509_verify_cert_error_string(verify) + " (checked against " + ca +
                                   "); set TUNEFLEET_REDIS_CA_FILE to the CA that signs Redis' certificate"),
         true);
  } else {
    Fail(core::Error::Transient("TLS handshake with Redis at " + Endpoint() + " failed: " +
                                OpenSslError(error == SSL_ERROR_SYSCALL ? "connection closed" : "protocol error") +
                                " (is it a TLS port?)"),
         false);
  }
  return false;
}

// Moves what TLS produced to the socket.
void RedisClient::FlushTls() {
  while (tls_ && BIO_ctrl_pending(tls_->out) > 0) {
    std::string bytes(BIO_ctrl_pending(tls_->out), '\0');
    int n = BIO_read(tls_->out, bytes.data(), static_cast<int>(bytes.size()));
    if (n <= 0) return;
    bytes.resize(static_cast<std::size_t>(n));
    WriteRaw(std::move(bytes));
  }
}

// Decrypts everything buffered into the reply parser; false when the connection ended.
bool RedisClient::DrainTls() {
  char plain[16 * 1024];
  for (;;) {
    ERR_clear_error();
    int n = SSL_read(tls_->ssl, plain, sizeof plain);
    if (n > 0) {
      redisReaderFeed(Reader(reader_), plain, static_cast<size_t>(n));
      continue;
    }
    int error = SSL_get_error(tls_->ssl, n);
    if (error == SSL_ERROR_WANT_READ) return true;
    if (error == SSL_ERROR_ZERO_RETURN) {
      Fail(core::Error::Transient("redis at " + Endpoint() + " closed the TLS connection"), false);
    } else {
      Fail(core::Error::Transient("TLS to Redis at " + Endpoint() + " failed: " + OpenSslError("protocol error")),
           false);
    }
    return false;
  }
}

void RedisClient::OnBytes(const char* data, std::size_t size) {
  if (state_ == State::kIdle || reader_ == nullptr) return;
  auto generation = generation_;
  if (!tls_) {
    redisReaderFeed(Reader(reader_), data, size);
  } else {
    BIO_write(tls_->in, data, static_cast<int>(size));
    if (!tls_->handshake_done && !ContinueHandshake()) return;
    if (generation != generation_ || !DrainTls()) return;
    FlushTls();  // TLS 1.3 may answer a key update
    if (generation != generation_) return;
  }
  ProcessReplies();
}

void RedisClient::ProcessReplies() {
  auto generation = generation_;
  auto alive = alive_;
  while (*alive && generation == generation_ && reader_ != nullptr) {
    void* reply = nullptr;
    if (redisReaderGetReply(Reader(reader_), &reply) != REDIS_OK) {
      std::string why = Reader(reader_)->errstr;
      return Fail(core::Error::Transient("redis at " + Endpoint() + " sent a reply we cannot parse: " + why), false);
    }
    if (reply == nullptr) return;
    auto* r = static_cast<redisReply*>(reply);
    if (in_flight_.empty()) {
      freeReplyObject(r);
      return Fail(core::Error::Transient("redis at " + Endpoint() + " sent a reply to no command"), false);
    }
    auto pending = std::move(in_flight_.front());
    in_flight_.pop_front();
    core::Result<Reply> result = Reply{};
    if (r->type == REDIS_REPLY_ERROR) {
      std::string text(r->str, r->len);
      result = core::Error::InvalidInput(core::Redact("redis error: " + text));
      if (text.rfind("NOAUTH", 0) == 0 && state_ == State::kReady) {
        // A password-protected Redis and a URL without one: every command would fail this way.
        Fail(
            core::Error::InvalidInput(core::Redact(
                "redis at " + Endpoint() + " wants a password (" + text + ") and TUNEFLEET_REDIS_URL " + settings_.url +
                " has none; set it as redis://:PASSWORD@host:port/db (or redis://USER:PASSWORD@... with Redis ACLs)")),
            true);
      }
    } else {
      result = Convert(r);
    }
    freeReplyObject(r);
    pending->Finish(std::move(result));
  }
}

// AUTH and SELECT before anything else; commands queued meanwhile wait for their answers.
void RedisClient::StartSession() {
  state_ = State::kAuthenticating;
  setup_replies_left_ = 0;
  std::vector<std::pair<std::string, std::vector<std::string>>> setup;
  if (!endpoint_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
    auth.push_back(endpoint_.password);
    setup.emplace_back("AUTH", std::move(auth));
  }
  if (endpoint_.database != 0) {
    setup.emplace_back("SELECT " + std::to_string(endpoint_.database),
                       std::vector<std::string>{"SELECT", std::to_string(endpoint_.database)});
  }
  if (setup.empty()) return OnReady();
  std::string bytes;
  for (auto& [what, argv] : setup) {
    auto pending = std::make_shared<Pending>();
    pending->callback = [this, what = what](core::Result<Reply> r) { OnSetupReply(what, std::move(r)); };
    in_flight_.push_back(std::move(pending));
    bytes += Encode(argv);
    ++setup_replies_left_;
  }
  Send(std::move(bytes));
}

void RedisClient::OnSetupReply(const std::string& what, core::Result<Reply> result) {
  if (state_ != State::kAuthenticating) return;  // the connection is going away; it says why
  if (!result) {
    if (result.error().kind != core::ErrorKind::kInvalidInput) return;
    std::string fix = what == "AUTH"
                          ? "set the password (and, with Redis ACLs, the user) that Redis expects in "
                            "TUNEFLEET_REDIS_URL: redis://:PASSWORD@host:port/db or redis://USER:PASSWORD@host:port/db"
                          : "set a database Redis has in TUNEFLEET_REDIS_URL (redis://host:port/DB)";
    return Fail(core::Error::InvalidInput(core::Redact("redis at " + Endpoint() + " refused " + what + " (" +
                                                       result.error().message + ") for TUNEFLEET_REDIS_URL " +
                                                       settings_.url + "; " + fix)),
                true);
  }
  if (--setup_replies_left_ == 0) OnReady();
}

void RedisClient::OnReady() {
  state_ = State::kReady;
  first_connect_pending_ = false;
  ever_connected_ = true;
  reconnect_timer_.Stop();
  if (warned_ || config_error_) logger_.Info("redis reachable again", {{"endpoint", Endpoint()}});
  warned_ = false;
  config_error_.reset();
  std::string bytes;
  auto waiting = std::move(waiting_);
  for (auto& [command, pending] : waiting) {
    if (pending->done) continue;  // timed out while we connected
    in_flight_.push_back(std::move(pending));
    bytes += command;
  }
  if (!bytes.empty()) Send(std::move(bytes));
}

void RedisClient::Send(std::string bytes) {
  if (!tls_) return WriteRaw(std::move(bytes));
  ERR_clear_error();
  // Memory BIOs grow as needed: SSL_write takes everything at once.
  if (SSL_write(tls_->ssl, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
    return Fail(core::Error::Transient("TLS to Redis at " + Endpoint() + " failed: " + OpenSslError("write error")),
                false);
  }
  FlushTls();
}

void RedisClient::WriteRaw(std::string bytes) {
  struct Write {
    uv_write_t req{};
    std::string bytes;
  };
  auto* write = new Write{{}, std::move(bytes)};
  write->req.data = write;
  uv_buf_t buf = uv_buf_init(write->bytes.data(), static_cast<unsigned>(write->bytes.size()));
  int rc = uv_write(&write->req, reinterpret_cast<uv_stream_t*>(tcp_->get()), &buf, 1, [](uv_write_t* req, int status) {
    std::unique_ptr<Write> owned(static_cast<Write*>(req->data));
    if (status == 0 || status == UV_ECANCELED) return;
    auto* client = static_cast<RedisClient*>(uv::Tcp::ContextOf(req->handle));
    if (client != nullptr) {
      client->Fail(core::Error::Transient("redis at " + client->Endpoint() + ": " + uv_strerror(status)), false);
    }
  });
  if (rc != 0) {
    delete write;
    Fail(core::Error::Transient("redis at " + Endpoint() + ": " + uv_strerror(rc)), false);
  }
}

// A timer that fires after the loop was busy (timers run before the loop reads its sockets)
// would call an answer late that is already waiting in the socket: read everything that
// arrived first, through the same path as the loop's reads.
void RedisClient::ReadWhatArrived() {
  constexpr int kMaxReads = 256;
  auto generation = generation_;
  auto alive = alive_;
  if (!tcp_ || state_ == State::kIdle || state_ == State::kResolving || state_ == State::kConnecting) return;
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(tcp_->get()), &fd) != 0) return;
  std::unique_ptr<char[]> buf(new char[kReadChunk]);
  for (int i = 0; i < kMaxReads && *alive && generation == generation_; ++i) {
    int available = 0;
    if (ioctl(fd, FIONREAD, &available) != 0 || available <= 0) return;
    ssize_t n = ::recv(fd, buf.get(), kReadChunk, MSG_DONTWAIT);
    if (n <= 0) return;  // EOF or an error: the loop's own read reports it
    OnBytes(buf.get(), static_cast<std::size_t>(n));
  }
}

// Ends the current connection (or attempt): its commands fail with kTransient, and the next
// attempt is scheduled. A configuration error is logged at error level once until it changes
// or a connect succeeds; an outage is one warning until Redis is back.
void RedisClient::Fail(core::Error why, bool config) {
  if (closed_) return;
  auto alive = alive_;
  first_connect_pending_ = false;
  auto in_flight = std::move(in_flight_);
  auto waiting = std::move(waiting_);
  bool was_ready = state_ == State::kReady;
  Teardown();
  reconnect_timer_.Stop();
  ScheduleReconnect();
  if (config) {
    if (!config_error_ || config_error_->message != why.message) logger_.Error(why.message, {{"endpoint", Endpoint()}});
    config_error_ = why;
    warned_ = true;
  } else if (!warned_) {
    logger_.Warn(was_ready ? "redis connection lost" : "redis unavailable",
                 {{"endpoint", Endpoint()}, {"reason", core::Redact(why.message)}});
    warned_ = true;
  }
  std::string reason =
      config ? why.message : "redis at " + Endpoint() + " is not connected: " + core::Redact(why.message);
  for (auto& p : in_flight) {
    if (!*alive) return;
    p->Finish(core::Error::Transient(reason));
  }
  for (auto& [bytes, p] : waiting) {
    if (!*alive) return;
    p->Finish(core::Error::Transient(reason));
  }
  if (config && *alive && on_config_error_) {
    auto fn = on_config_error_;
    fn(why);
  }
}

void RedisClient::ScheduleReconnect() {
  if (closed_) return;
  reconnect_timer_.Start(settings_.reconnect_interval, [this] { Connect(); });
}

void RedisClient::Command(const std::vector<std::string>& argv, ReplyCallback callback) {
  // During the first connect commands wait (each bounded by its own timeout below), so a
  // worker's first calls do not find "Redis away" merely because its busy loop has not run the
  // connect yet.
  bool waiting = state_ != State::kReady && first_connect_pending_ && state_ != State::kIdle;
  if (closed_ || (state_ != State::kReady && !waiting)) {
    callback(core::Error::Transient(config_error_ ? config_error_->message
                                                  : "redis at " + Endpoint() + " is not connected"));
    return;
  }
  std::string bytes = Encode(argv);
  if (bytes.empty()) {
    callback(core::Error::InvalidInput("redis command could not be encoded"));
    return;
  }
  auto pending = std::make_shared<Pending>();
  pending->callback = std::move(callback);
  pending->timer = std::make_unique<uv::Timer>(loop_);
  uv_update_time(&loop_);  // a command sent late in a busy loop iteration gets its whole timeout
  pending->timer->Start(settings_.command_timeout, [this, alive = alive_, weak = std::weak_ptr<Pending>(pending)] {
    auto locked = weak.lock();
    if (!locked) return;
    if (*alive) ReadWhatArrived();
    locked->Finish(core::Error::Transient("redis did not answer in time"));  // no-op if answered
  });
  if (waiting) {
    waiting_.emplace_back(std::move(bytes), std::move(pending));
    return;
  }
  in_flight_.push_back(pending);
  Send(std::move(bytes));
}

}  // namespace redis
