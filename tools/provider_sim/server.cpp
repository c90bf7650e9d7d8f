#include "tools/provider_sim/server.hpp"

#include <http_parser.h>
#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "common/logging/logger.hpp"
#include "common/uv/handles.hpp"
#include "tools/provider_sim/simulator.hpp"

namespace provider_sim {
namespace {

constexpr std::size_t kMaxBufferedInput = 1 << 20;  // a client sending more while waiting is dropped
constexpr std::size_t kMaxBody = 1 << 20;

std::string_view Reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

class Connection;

}  // namespace

struct Server::State {
  State(uv_loop_t& l, Simulator& s) : loop(l), simulator(s) {}
  uv_loop_t& loop;
  Simulator& simulator;
  std::unique_ptr<uv::Tcp> listener;
  std::unique_ptr<uv::Timer> lag_timer;  // measures the loop's lateness for Simulator::NoteLoopLag
  std::uint64_t lag_timer_due_ns = 0;
  std::unordered_set<Connection*> connections;
  http_parser_settings parser_settings{};
  logging::Logger log{"provider-sim"};
};

namespace {

// One accepted socket. Owns its TCP handle (context pointing here) and, once latency is
// needed, a timer; deletes itself once the socket is closed and no write is pending, so
// callbacks never see a freed owner.
class Connection {
 public:
  explicit Connection(Server::State& server) : server_(server), tcp_(server.loop) {
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
    tcp_.set_context(this);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool Accept(uv_stream_t* listener) {
    server_.connections.insert(this);
    if (uv_accept(listener, Stream()) != 0) {
      Close(false);
      return false;
    }
    uv_tcp_nodelay(tcp_.get(), 1);
    int rc = uv_read_start(Stream(), OnAlloc, OnRead);
    if (rc != 0) {
      Close(false);
      return false;
    }
    return true;
  }

  // `reset`: SO_LINGER 0 first, so the close sends RST instead of FIN.
  void Close(bool reset) {
    if (closing_) return;
    closing_ = true;
    server_.connections.erase(this);
    if (reset) {
      uv_os_fd_t fd;
      if (uv_fileno(reinterpret_cast<uv_handle_t*>(tcp_.get()), &fd) == 0) {
        linger option{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
      }
    }
    timer_.reset();
    tcp_.Close([this] { HandleClosed(); });
  }

  // http_parser callbacks (http_parser_settings in Server::State).
  static int OnMessageBegin(http_parser* p) {
    auto* self = static_cast<Connection*>(p->data);
    self->url_.clear();
    self->field_.clear();
    self->value_.clear();
    self->body_.clear();
    self->authorization_.clear();
    self->user_agent_.clear();
    self->expect_continue_ = false;
    self->in_value_ = false;
    return 0;
  }
  static int OnUrl(http_parser* p, const char* at, std::size_t length) {
    static_cast<Connection*>(p->data)->url_.append(at, length);
    return 0;
  }
  static int OnHeaderField(http_parser* p, const char* at, std::size_t length) {
    auto* self = static_cast<Connection*>(p->data);
    if (self->in_value_) self->CommitHeader();
    self->field_.append(at, length);
    return 0;
  }
  static int OnHeaderValue(http_parser* p, const char* at, std::size_t length) {
    auto* self = static_cast<Connection*>(p->data);
    self->value_.append(at, length);
    self->in_value_ = true;
    return 0;
  }
  static int OnHeadersComplete(http_parser* p) {
    auto* self = static_cast<Connection*>(p->data);
    if (self->in_value_) self->CommitHeader();
    if (self->expect_continue_) self->WriteRaw("HTTP/1.1 100 Continue\r\n\r\n");
    return 0;
  }
  static int OnBody(http_parser* p, const char* at, std::size_t length) {
    auto* self = static_cast<Connection*>(p->data);
    if (self->body_.size() + length > kMaxBody) return 1;  // parse error -> 400, close
    self->body_.append(at, length);
    return 0;
  }
  static int OnMessageComplete(http_parser* p) {
    auto* self = static_cast<Connection*>(p->data);
    self->keep_alive_ = http_should_keep_alive(p) != 0;
    self->message_complete_ = true;
    http_parser_pause(p, 1);  // one request at a time: answers must go out in order
    return 0;
  }

 private:
  ~Connection() = default;

  void HandleClosed() {
    socket_closed_ = true;
    if (pending_writes_ == 0) delete this;
  }

  uv_stream_t* Stream() { return reinterpret_cast<uv_stream_t*>(tcp_.get()); }

  void CommitHeader() {
    if (EqualsIgnoreCase(field_, "authorization")) authorization_ = value_;
    else if (EqualsIgnoreCase(field_, "user-agent")) user_agent_ = value_;
    else if (EqualsIgnoreCase(field_, "expect") && EqualsIgnoreCase(value_, "100-continue")) expect_continue_ = true;
    field_.clear();
    value_.clear();
    in_value_ = false;
  }

  static void OnAlloc(uv_handle_t*, std::size_t, uv_buf_t* buf) {
    // One loop thread and OnRead copies what it keeps, so one buffer serves every socket.
    static std::array<char, 65536> buffer;
    *buf = uv_buf_init(buffer.data(), static_cast<unsigned>(buffer.size()));
  }

  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<Connection*>(uv::Tcp::ContextOf(stream));
    if (nread < 0) {
      self->Close(false);  // EOF or error; a held (timeout) request dies with it
      return;
    }
    if (nread == 0 || self->closing_) return;
    self->pending_.append(buf->base, static_cast<std::size_t>(nread));
    if (self->pending_.size() > kMaxBufferedInput) {
      self->Close(true);
      return;
    }
    self->Process();
  }

  // Parses and dispatches buffered requests until one must wait (latency, hold).
  void Process() {
    while (!in_flight_ && !closing_ && !close_after_write_ && !pending_.empty()) {
      http_parser_pause(&parser_, 0);
      std::string input = std::move(pending_);
      pending_.clear();
      message_complete_ = false;
      std::size_t parsed = http_parser_execute(&parser_, &server_.parser_settings, input.data(), input.size());
      if (message_complete_) {
        pending_.assign(input, parsed, std::string::npos);
        Dispatch();
        continue;
      }
      if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK || parser_.upgrade != 0) {
        keep_alive_ = false;
        Write({400, R"({"error":"malformed HTTP request"})", {}, false});
        return;
      }
    }
  }

  void Dispatch() {
    Request request;
    request.method = http_method_str(static_cast<http_method>(parser_.method));
    request.target = ParseTarget(url_);
    request.authorization = std::move(authorization_);
    request.user_agent = std::move(user_agent_);
    request.body = std::move(body_);
    if (logging::Enabled(logging::Level::kDebug)) {
      server_.log.Debug("request", {{"method", request.method}, {"url", url_}});
    }
    Outcome outcome = server_.simulator.Handle(request);
    in_flight_ = true;
    if (outcome.action == Action::kHold) return;  // answered never; EOF closes us
    if (outcome.delay.count() <= 0) {
      Finish(std::move(outcome));
      return;
    }
    waiting_ = std::move(outcome);
    if (timer_ == nullptr) timer_ = std::make_unique<uv::Timer>(server_.loop);
    timer_->Start(std::chrono::duration_cast<std::chrono::milliseconds>(waiting_.delay), [this] {
      Finish(std::move(waiting_));
      Process();
    });
  }

  void Finish(Outcome outcome) {
    in_flight_ = false;
    if (outcome.action == Action::kReset) {
      Close(true);
      return;
    }
    if (outcome.action == Action::kHuge || outcome.action == Action::kDrip) {
      StartStream(std::move(outcome));
      return;
    }
    Write(outcome.response);
  }

  std::string Head(const Response& response, std::string_view length_header) {
    std::string out;
    out += "HTTP/1.1 ";
    out += std::to_string(response.status);
    out += ' ';
    out += Reason(response.status);
    out += "\r\nServer: provider-sim\r\nContent-Type: ";
    out += response.content_type;
    out += "\r\n";
    out += length_header;
    out += "\r\n";
    for (const auto& [name, value] : response.headers) {
      out += name;
      out += ": ";
      out += value;
      out += "\r\n";
    }
    if (!keep_alive_) out += "Connection: close\r\n";
    out += "\r\n";
    return out;
  }

  void Write(const Response& response) {
    std::string out = Head(response, "Content-Length: " + std::to_string(response.body.size()));
    out += response.body;
    if (!keep_alive_) close_after_write_ = true;
    WriteRaw(std::move(out));
  }

  // The huge and drip faults: the head now, the body piece by piece (the next piece of a huge
  // body once the previous one is written, so memory stays at one piece whatever the size;
  // one byte of a drip body per timer tick). The connection closes after the body: a client
  // that gives up early leaves nothing behind to parse.
  void StartStream(Outcome outcome) {
    keep_alive_ = false;
    in_flight_ = true;  // nothing else is parsed on this connection
    stream_ = std::make_unique<BodyStream>();
    BodyStream& s = *stream_;
    s.chunked = outcome.chunked;
    if (outcome.action == Action::kHuge) {
      s.huge = true;
      s.total = outcome.huge_bytes;
      WriteRaw(Head(outcome.response, s.chunked ? std::string("Transfer-Encoding: chunked")
                                                : "Content-Length: " + std::to_string(s.total)));
      return;  // OnWritten asks for the pieces
    }
    s.body = std::move(outcome.response.body);
    s.total = s.body.size();
    WriteRaw(Head(outcome.response, "Content-Length: " + std::to_string(s.total)));
    if (timer_ == nullptr) timer_ = std::make_unique<uv::Timer>(server_.loop);
    timer_->Start(outcome.drip_interval, [this] { DripOne(); }, outcome.drip_interval);
  }

  // The next piece of a huge body: `{"padding":"aaa...a"}`, valid JSON of exactly `total` bytes.
  void WriteHugePiece() {
    static constexpr std::string_view kPrefix = "{\"padding\":\"";
    static constexpr std::string_view kSuffix = "\"}";
    constexpr std::uint64_t kPiece = 64 * 1024;
    BodyStream& s = *stream_;
    if (s.sent >= s.total) {
      if (s.chunked && !s.finished) {
        s.finished = true;
        close_after_write_ = true;
        WriteRaw("0\r\n\r\n");
        return;
      }
      close_after_write_ = true;
      if (pending_writes_ == 0) Close(false);
      return;
    }
    std::uint64_t n = std::min(kPiece, s.total - s.sent);
    std::string piece(static_cast<std::size_t>(n), 'a');
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint64_t at = s.sent + i;
      if (at < kPrefix.size()) piece[i] = kPrefix[at];
      else if (at >= s.total - kSuffix.size()) piece[i] = kSuffix[at - (s.total - kSuffix.size())];
    }
    s.sent += n;
    if (s.chunked) {
      char size[32];
      std::snprintf(size, sizeof size, "%llx\r\n", static_cast<unsigned long long>(n));
      piece = size + piece + "\r\n";
    }
    WriteRaw(std::move(piece));
  }

  void DripOne() {
    BodyStream& s = *stream_;
    if (s.sent >= s.total) {
      timer_->Stop();
      close_after_write_ = true;
      if (pending_writes_ == 0) Close(false);
      return;
    }
    WriteRaw(std::string(1, s.body[s.sent]));
    ++s.sent;
  }

  struct WriteRequest {
    uv_write_t req;
    std::string data;
  };

  void WriteRaw(std::string data) {
    if (closing_) return;
    auto* write = new WriteRequest{{}, std::move(data)};
    write->req.data = this;
    uv_buf_t buf = uv_buf_init(write->data.data(), static_cast<unsigned>(write->data.size()));
    int rc = uv_write(&write->req, Stream(), &buf, 1, OnWritten);
    if (rc != 0) {
      delete write;
      Close(true);
      return;
    }
    ++pending_writes_;
  }

  static void OnWritten(uv_write_t* req, int status) {
    auto* self = static_cast<Connection*>(req->data);
    delete reinterpret_cast<WriteRequest*>(req);
    --self->pending_writes_;
    if (self->closing_) {
      if (self->socket_closed_ && self->pending_writes_ == 0) delete self;
      return;
    }
    if (status < 0 || (self->close_after_write_ && self->pending_writes_ == 0)) {
      self->Close(false);
      return;
    }
    if (self->stream_ != nullptr && self->stream_->huge && self->pending_writes_ == 0) self->WriteHugePiece();
  }

  Server::State& server_;
  uv::Tcp tcp_;
  std::unique_ptr<uv::Timer> timer_;  // delays an answer (simulated latency)
  bool socket_closed_ = false;
  int pending_writes_ = 0;
  bool closing_ = false;
  bool close_after_write_ = false;

  http_parser parser_{};
  std::string pending_;  // received, not yet parsed
  bool message_complete_ = false;
  bool in_flight_ = false;  // a request is being answered (or held)
  bool keep_alive_ = true;
  Outcome waiting_;         // the answer a timer will send

  struct BodyStream {  // a huge or drip body being written
    std::string body;        // drip: the body; huge: empty (generated)
    std::uint64_t total = 0;
    std::uint64_t sent = 0;
    bool huge = false;       // generated piece by piece as writes complete
    bool chunked = false;
    bool finished = false;   // the last chunk is written
  };
  std::unique_ptr<BodyStream> stream_;

  std::string url_, field_, value_, body_, authorization_, user_agent_;
  bool in_value_ = false;
  bool expect_continue_ = false;
};

constexpr std::uint64_t kLagTickMs = 5;

void OnLagTick(Server::State* state) {
  std::uint64_t now = uv_hrtime();
  if (now > state->lag_timer_due_ns) {
    state->simulator.NoteLoopLag(std::chrono::microseconds{(now - state->lag_timer_due_ns) / 1000});
  }
  state->lag_timer_due_ns = now + kLagTickMs * 1'000'000;
}

void OnConnection(uv_stream_t* listener, int status) {
  auto* state = static_cast<Server::State*>(uv::Tcp::ContextOf(listener));
  if (status < 0) {
    state->log.Warn("accept failed", {{"error", uv_strerror(status)}});
    return;
  }
  auto* connection = new Connection(*state);
  connection->Accept(listener);
}

}  // namespace

Server::Server(uv_loop_s& loop, Simulator& simulator) : state_(std::make_unique<State>(loop, simulator)) {
  http_parser_settings& s = state_->parser_settings;
  http_parser_settings_init(&s);
  s.on_message_begin = Connection::OnMessageBegin;
  s.on_url = Connection::OnUrl;
  s.on_header_field = Connection::OnHeaderField;
  s.on_header_value = Connection::OnHeaderValue;
  s.on_headers_complete = Connection::OnHeadersComplete;
  s.on_body = Connection::OnBody;
  s.on_message_complete = Connection::OnMessageComplete;
}

Server::~Server() = default;

int Server::Listen(int port) {
  auto fail = [](const char* what, int rc) {
    throw std::runtime_error(std::string(what) + ": " + uv_strerror(rc));
  };
  state_->listener = std::make_unique<uv::Tcp>(state_->loop);
  state_->listener->set_context(state_.get());
  uv_tcp_t* listener = state_->listener->get();
  sockaddr_in addr{};
  if (int rc = uv_ip4_addr("127.0.0.1", port, &addr); rc != 0) fail("address", rc);
  if (int rc = uv_tcp_bind(listener, reinterpret_cast<const sockaddr*>(&addr), 0); rc != 0) {
    fail("bind 127.0.0.1", rc);
  }
  if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener), 4096, OnConnection); rc != 0) {
    fail("listen", rc);
  }
  state_->lag_timer = std::make_unique<uv::Timer>(state_->loop);
  state_->lag_timer_due_ns = uv_hrtime() + kLagTickMs * 1'000'000;
  state_->lag_timer->Start(std::chrono::milliseconds{kLagTickMs}, [state = state_.get()] { OnLagTick(state); },
                           std::chrono::milliseconds{kLagTickMs});
  sockaddr_storage bound{};
  int length = sizeof bound;
  if (int rc = uv_tcp_getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &length); rc != 0) {
    fail("getsockname", rc);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void Server::Close() {
  state_->listener.reset();
  state_->lag_timer.reset();
  auto connections = state_->connections;
  for (Connection* connection : connections) connection->Close(false);
}

std::size_t Server::connection_count() const { return state_->connections.size(); }

}  // namespace provider_sim
