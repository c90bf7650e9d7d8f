#include "common/amqp/connection.hpp"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <cstring>
#include <random>
#include <vector>

#include "common/amqp/reply_codes.hpp"
#include "common/core/redact.hpp"

namespace amqp {
namespace {

constexpr amqp_channel_t kConsumeChannel = 1;
constexpr amqp_channel_t kPublishChannel = 2;

amqp_bytes_t Bytes(const std::string& s) {
  return amqp_bytes_t{s.size(), const_cast<char*>(s.data())};
}

std::string ToString(amqp_bytes_t bytes) {
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

std::string DescribeReply(const amqp_rpc_reply_t& reply) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL: return "ok";
    case AMQP_RESPONSE_NONE: return "missing RPC reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION: return amqp_error_string2(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* m = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
        return "server closed connection: " + std::to_string(m->reply_code) + " " + ToString(m->reply_text);
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* m = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        return "server closed channel: " + std::to_string(m->reply_code) + " " + ToString(m->reply_text);
      }
      return "server exception (method " + std::to_string(reply.reply.id) + ")";
  }
  return "unknown reply";
}

// Owns the storage behind an amqp_table_t built from our Headers.
class TableBuilder {
 public:
  explicit TableBuilder(const std::map<std::string, HeaderValue>& values) {
    keys_.reserve(values.size());
    strings_.reserve(values.size());
    for (const auto& [key, value] : values) {
      keys_.push_back(key);
      amqp_table_entry_t entry{};
      entry.key = Bytes(keys_.back());
      if (const auto* number = std::get_if<std::int64_t>(&value)) {
        entry.value.kind = AMQP_FIELD_KIND_I64;
        entry.value.value.i64 = *number;
      } else {
        strings_.push_back(std::get<std::string>(value));
        entry.value.kind = AMQP_FIELD_KIND_UTF8;
        entry.value.value.bytes = Bytes(strings_.back());
      }
      entries_.push_back(entry);
    }
  }
  amqp_table_t table() {
    return amqp_table_t{static_cast<int>(entries_.size()), entries_.empty() ? nullptr : entries_.data()};
  }

 private:
  std::vector<std::string> keys_;
  std::vector<std::string> strings_;
  std::vector<amqp_table_entry_t> entries_;
};

Headers ReadHeaders(const amqp_table_t& table) {
  Headers headers;
  for (int i = 0; i < table.num_entries; ++i) {
    const amqp_table_entry_t& entry = table.entries[i];
    std::string key = ToString(entry.key);
    switch (entry.value.kind) {
      case AMQP_FIELD_KIND_I8: headers[key] = std::int64_t{entry.value.value.i8}; break;
      case AMQP_FIELD_KIND_U8: headers[key] = std::int64_t{entry.value.value.u8}; break;
      case AMQP_FIELD_KIND_I16: headers[key] = std::int64_t{entry.value.value.i16}; break;
      case AMQP_FIELD_KIND_U16: headers[key] = std::int64_t{entry.value.value.u16}; break;
      case AMQP_FIELD_KIND_I32: headers[key] = std::int64_t{entry.value.value.i32}; break;
      case AMQP_FIELD_KIND_U32: headers[key] = std::int64_t{entry.value.value.u32}; break;
      case AMQP_FIELD_KIND_I64: headers[key] = entry.value.value.i64; break;
      case AMQP_FIELD_KIND_U64: headers[key] = static_cast<std::int64_t>(entry.value.value.u64); break;
      case AMQP_FIELD_KIND_UTF8:
      case AMQP_FIELD_KIND_BYTES: headers[key] = ToString(entry.value.value.bytes); break;
      default: break;  // arrays, tables (x-death) and floats are not used by tunefleet
    }
  }
  return headers;
}

// The reply code of a channel.close or connection.close the broker answered with; 0 for
// anything else.
int ServerReplyCode(const amqp_rpc_reply_t& reply) {
  if (reply.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION || reply.reply.decoded == nullptr) return 0;
  if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    return static_cast<const amqp_channel_close_t*>(reply.reply.decoded)->reply_code;
  }
  if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    return static_cast<const amqp_connection_close_t*>(reply.reply.decoded)->reply_code;
  }
  return 0;
}

// "<what> failed on <endpoint>: <the broker's reason>". A refusal of the request itself (e.g.
// a queue declared earlier with other arguments, no access to the vhost) will not fix itself
// by retrying: kInvalidInput (IsPermanentReplyCode); anything else (the socket, a node going
// away, a quorum queue without a leader for a moment) kTransient.
core::Error ReplyError(const std::string& what, const std::string& endpoint, const amqp_rpc_reply_t& reply) {
  // The broker's text can quote what it was given (a vhost, a user); same rule as every exit.
  std::string why = core::Redact(what + " failed on " + endpoint + ": " + DescribeReply(reply));
  if (IsPermanentReplyCode(ServerReplyCode(reply))) return core::Error::InvalidInput(why);
  return core::Error::Transient(why);
}

// The broker closed the channel with `code`: 406 PRECONDITION_FAILED (a queue redeclared with
// other arguments), 404 NOT_FOUND (a passive declare of a missing queue).
bool IsChannelClosedWith(const amqp_rpc_reply_t& reply, int code) {
  return reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD && ServerReplyCode(reply) == code;
}

// A TCP socket for amqp://, a TLS socket that verifies the broker's certificate chain and
// host name for amqps:// (against `ca_file`, or the system's trust store when it is empty).
core::Result<amqp_socket_t*> NewSocket(amqp_connection_state_t conn, bool tls, const std::string& ca_file) {
  if (!tls) {
    amqp_socket_t* socket = amqp_tcp_socket_new(conn);
    if (socket == nullptr) return core::Error::Transient("cannot create AMQP socket");
    return socket;
  }
  amqp_socket_t* socket = amqp_ssl_socket_new(conn);
  if (socket == nullptr) return core::Error::Transient("cannot create AMQP TLS socket");
  amqp_ssl_socket_set_verify_peer(socket, 1);
  amqp_ssl_socket_set_verify_hostname(socket, 1);
  if (!ca_file.empty()) {
    if (amqp_ssl_socket_set_cacert(socket, ca_file.c_str()) != AMQP_STATUS_OK) {
      return core::Error::InvalidInput("TUNEFLEET_AMQP_CA_FILE " + ca_file +
                                       " is not a readable PEM CA certificate file; set it to the CA that signs the "
                                       "broker's certificate");
    }
  } else if (SSL_CTX_set_default_verify_paths(static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket))) != 1) {
    return core::Error::InvalidInput(
        "amqps:// without TUNEFLEET_AMQP_CA_FILE needs the system's CA store, which OpenSSL cannot load; set "
        "TUNEFLEET_AMQP_CA_FILE to the CA that signs the broker's certificate");
  }
  return socket;
}

// Why a TLS connection failed, and what to change, for the one line a user sees. A
// certificate that does not verify will not verify on the next attempt either: kInvalidInput.
core::Error TlsOpenError(int rc, const std::string& endpoint, const std::string& host, const std::string& ca_file) {
  std::string ca = ca_file.empty() ? "the system's trust store" : "TUNEFLEET_AMQP_CA_FILE " + ca_file;
  switch (rc) {
    case AMQP_STATUS_SSL_PEER_VERIFY_FAILED:
      return core::Error::InvalidInput("TLS to RabbitMQ at " + endpoint +
                                       " refused: the broker's certificate is not signed by a CA in " + ca +
                                       " (set TUNEFLEET_AMQP_CA_FILE to the CA that signs it)");
    case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED:
      return core::Error::InvalidInput("TLS to RabbitMQ at " + endpoint + " refused: the broker's certificate does not name \"" +
                                       host + "\" (use a host name the certificate lists in TUNEFLEET_AMQP_URL)");
    default:
      return core::Error::Transient("TLS to RabbitMQ at " + endpoint + " failed: " + amqp_error_string2(rc) +
                                    " (is the port an amqps listener? check TUNEFLEET_AMQP_URL)");
  }
}

}  // namespace

struct Connection::State {
  amqp_connection_state_t conn = nullptr;
  std::string host;
  int port = 0;
  bool open = false;
};

Connection::Connection(ConnectionSettings settings)
    : settings_(std::move(settings)),
      urls_(SplitUrls(settings_.url)),
      // A random first node, so the processes of a fleet spread over the cluster.
      rotation_(urls_.size(), urls_.size() > 1 ? std::random_device{}() % urls_.size() : 0),
      state_(std::make_unique<State>()) {}

Connection::~Connection() { Close(); }

bool Connection::is_open() const { return state_->open; }

int Connection::socket_fd() const { return state_->open ? amqp_get_sockfd(state_->conn) : -1; }

std::string Connection::Endpoint() const {
  return state_->host + ":" + std::to_string(state_->port);
}

core::Result<void> Connection::CheckReply(const char* what) {
  amqp_rpc_reply_t reply = amqp_get_rpc_reply(state_->conn);
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return core::Ok();
  return ReplyError(what, Endpoint(), reply);
}

core::Result<void> Connection::Open() {
  if (urls_.size() <= 1) return OpenUrl(urls_.empty() ? settings_.url : urls_.front());
  std::string failures;
  bool all_refused = true;  // every node refused us for good (kInvalidInput)
  for (std::size_t index : rotation_.Order()) {
    auto opened = OpenUrl(urls_[index]);
    if (opened) {
      rotation_.Connected(index);
      return opened;
    }
    all_refused = all_refused && opened.error().kind == core::ErrorKind::kInvalidInput;
    failures += (failures.empty() ? "" : "; ") + opened.error().message;
  }
  std::string why = "no RabbitMQ node of TUNEFLEET_AMQP_URL answered (" + std::to_string(urls_.size()) +
                    " tried): " + failures;
  if (all_refused) return core::Error::InvalidInput(why);
  return core::Error::Transient(why);
}

core::Result<void> Connection::OpenUrl(const std::string& url_text) {
  Close();
  std::vector<char> url(url_text.begin(), url_text.end());
  url.push_back('\0');
  amqp_connection_info info{};
  amqp_default_connection_info(&info);
  if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK) {
    return core::Error::InvalidInput("TUNEFLEET_AMQP_URL is not a valid amqp:// URL");
  }
  state_->host = info.host;
  state_->port = info.port;
  state_->conn = amqp_new_connection();
  auto socket_or = NewSocket(state_->conn, info.ssl != 0, settings_.tls_ca_file);
  if (!socket_or) {
    amqp_destroy_connection(state_->conn);
    state_->conn = nullptr;
    return socket_or.error();
  }
  amqp_socket_t* socket = *socket_or;
  auto timeout_ms = settings_.connect_timeout.count();
  timeval timeout{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  int rc = amqp_socket_open_noblock(socket, info.host, info.port, &timeout);
  if (rc != AMQP_STATUS_OK && info.ssl != 0 && rc <= AMQP_STATUS_SSL_ERROR && rc > _AMQP_STATUS_SSL_NEXT_VALUE) {
    auto error = TlsOpenError(rc, Endpoint(), info.host, settings_.tls_ca_file);
    amqp_destroy_connection(state_->conn);
    state_->conn = nullptr;
    return error;
  }
  if (rc != AMQP_STATUS_OK) {
    std::string why = "cannot connect to RabbitMQ at " + Endpoint() + ": " + amqp_error_string2(rc) +
                      " (is it running? scripts/stack up; or set TUNEFLEET_AMQP_URL)";
    amqp_destroy_connection(state_->conn);
    state_->conn = nullptr;
    return core::Error::Transient(why);
  }
  // Connection name for the management UI, and two capabilities: to be told when the broker
  // blocks publishers (connection.blocked: a memory or disk alarm) instead of finding out by a
  // silent socket, and when it cancels our consumer (consumer_cancel_notify: a quorum queue's
  // consumer can be dropped when cluster nodes fail; without the notice the channel stays open
  // and simply never delivers again). rabbitmq-c merges its own capabilities with these.
  amqp_table_entry_t capabilities[2]{};
  capabilities[0].key = amqp_cstring_bytes("connection.blocked");
  capabilities[1].key = amqp_cstring_bytes("consumer_cancel_notify");
  for (auto& capability : capabilities) {
    capability.value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capability.value.value.boolean = 1;
  }
  amqp_table_entry_t properties_entries[2]{};
  properties_entries[0].key = amqp_cstring_bytes("connection_name");
  properties_entries[0].value.kind = AMQP_FIELD_KIND_UTF8;
  properties_entries[0].value.value.bytes = Bytes(settings_.connection_name);
  properties_entries[1].key = amqp_cstring_bytes("capabilities");
  properties_entries[1].value.kind = AMQP_FIELD_KIND_TABLE;
  properties_entries[1].value.value.table = amqp_table_t{2, capabilities};
  amqp_table_t properties{2, properties_entries};
  blocked_ = false;
  blocked_reason_.clear();
  amqp_rpc_reply_t login = amqp_login_with_properties(
      state_->conn, info.vhost, 0, 131072, static_cast<int>(settings_.heartbeat.count()), &properties,
      AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    std::string why = "RabbitMQ login at " + Endpoint() + " failed: " + DescribeReply(login) +
                      " (check user, password and vhost in TUNEFLEET_AMQP_URL)";
    amqp_destroy_connection(state_->conn);
    state_->conn = nullptr;
    return core::Error::Transient(why);
  }
  state_->open = true;
  amqp_channel_open(state_->conn, kConsumeChannel);
  if (auto r = CheckReply("channel.open"); !r) { Close(); return r; }
  amqp_channel_open(state_->conn, kPublishChannel);
  if (auto r = CheckReply("channel.open"); !r) { Close(); return r; }
  amqp_confirm_select(state_->conn, kPublishChannel);
  if (auto r = CheckReply("confirm.select"); !r) { Close(); return r; }
  next_publish_tag_ = 1;
  return core::Ok();
}

core::Result<void> Connection::Declare(const Topology& topology) {
  for (const auto& exchange : topology.exchanges) {
    amqp_exchange_declare(state_->conn, kConsumeChannel, Bytes(exchange.name), Bytes(exchange.type),
                          0, 1, 0, 0, amqp_empty_table);
    if (auto r = CheckReply(("exchange.declare " + exchange.name).c_str()); !r) return r;
  }
  queues_without_added_arguments_.clear();
  for (const auto& queue : topology.queues) {
    auto arguments = queue.arguments;
    if (queue.quorum) arguments["x-queue-type"] = std::string("quorum");
    auto full = arguments;
    full.insert(queue.added_arguments.begin(), queue.added_arguments.end());
    TableBuilder table(full);
    const amqp_boolean_t durable = queue.exclusive ? 0 : 1;
    const amqp_boolean_t exclusive = queue.exclusive ? 1 : 0;
    amqp_queue_declare(state_->conn, kConsumeChannel, Bytes(queue.name), 0, durable, exclusive, exclusive,
                       table.table());
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(state_->conn);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) continue;
    if (queue.added_arguments.empty() || !IsChannelClosedWith(reply, AMQP_PRECONDITION_FAILED)) {
      return ReplyError("queue.declare " + queue.name, Endpoint(), reply);
    }
    // Declared by an earlier build without the added arguments: the broker closed the
    // channel (PRECONDITION_FAILED). Keep the queue as it is and say so.
    if (auto r = ReopenChannel(kConsumeChannel); !r) return r;
    TableBuilder base(arguments);
    amqp_queue_declare(state_->conn, kConsumeChannel, Bytes(queue.name), 0, 1, 0, 0, base.table());
    if (auto r = CheckReply(("queue.declare " + queue.name).c_str()); !r) return r;
    queues_without_added_arguments_.push_back(queue.name);
  }
  for (const auto& binding : topology.bindings) {
    TableBuilder arguments(binding.arguments);
    amqp_queue_bind(state_->conn, kConsumeChannel, Bytes(binding.queue), Bytes(binding.exchange),
                    Bytes(binding.routing_key), arguments.table());
    if (auto r = CheckReply(("queue.bind " + binding.queue).c_str()); !r) return r;
  }
  return core::Ok();
}

core::Result<void> Connection::ReopenChannel(std::uint16_t channel) {
  amqp_channel_close_ok_t close_ok{};
  int rc = amqp_send_method(state_->conn, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok);
  if (rc != AMQP_STATUS_OK) return core::Error::Transient(std::string("channel.close-ok: ") + amqp_error_string2(rc));
  amqp_channel_open(state_->conn, channel);
  return CheckReply("channel.open");
}

core::Result<void> Connection::Consume(const std::string& queue, std::uint16_t prefetch) {
  amqp_basic_qos(state_->conn, kConsumeChannel, 0, prefetch, 0);
  if (auto r = CheckReply("basic.qos"); !r) return r;
  auto* ok = amqp_basic_consume(state_->conn, kConsumeChannel, Bytes(queue), amqp_empty_bytes, 0, 0, 0,
                                amqp_empty_table);
  if (auto r = CheckReply(("basic.consume " + queue).c_str()); !r) return r;
  consumer_tag_ = ToString(ok->consumer_tag);
  return core::Ok();
}

core::Result<void> Connection::CancelConsume() {
  if (consumer_tag_.empty() || !state_->open) return core::Ok();
  // Sent without waiting for cancel-ok: deliveries already in flight still arrive and
  // are handled normally; Pump ignores the cancel-ok.
  amqp_basic_cancel_t cancel{Bytes(consumer_tag_), 0};
  int rc = amqp_send_method(state_->conn, kConsumeChannel, AMQP_BASIC_CANCEL_METHOD, &cancel);
  consumer_tag_.clear();
  if (rc != AMQP_STATUS_OK) return core::Error::Transient(std::string("basic.cancel: ") + amqp_error_string2(rc));
  return core::Ok();
}

core::Result<void> Connection::Publish(const OutgoingMessage& message, ConfirmCallback on_confirm) {
  if (!state_->open) return core::Error::Transient("not connected to RabbitMQ");
  TableBuilder headers(message.headers);
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_HEADERS_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  props.headers = headers.table();
  if (!message.message_id.empty()) {
    props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    props.message_id = Bytes(message.message_id);
  }
  if (!message.reply_to.empty()) {
    props._flags |= AMQP_BASIC_REPLY_TO_FLAG;
    props.reply_to = Bytes(message.reply_to);
  }
  if (!message.correlation_id.empty()) {
    props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
    props.correlation_id = Bytes(message.correlation_id);
  }
  int rc = amqp_basic_publish(state_->conn, kPublishChannel, Bytes(message.exchange),
                              Bytes(message.routing_key), 0, 0, &props, Bytes(message.body));
  if (rc != AMQP_STATUS_OK) {
    return core::Error::Transient("publish to " + message.exchange + " failed on " + Endpoint() + ": " +
                                  amqp_error_string2(rc));
  }
  if (pending_confirms_.empty()) last_confirm_progress_ = std::chrono::steady_clock::now();
  pending_confirms_.emplace(next_publish_tag_++, std::move(on_confirm));
  return core::Ok();
}

std::optional<std::chrono::steady_clock::duration> Connection::UnconfirmedFor() const {
  if (pending_confirms_.empty() || blocked_) return std::nullopt;
  return std::chrono::steady_clock::now() - last_confirm_progress_;
}

core::Result<void> Connection::Ack(std::uint64_t delivery_tag, bool multiple) {
  if (!state_->open) return core::Error::Transient("not connected to RabbitMQ");
  int rc = amqp_basic_ack(state_->conn, kConsumeChannel, delivery_tag, multiple ? 1 : 0);
  if (rc != AMQP_STATUS_OK) return core::Error::Transient(std::string("basic.ack: ") + amqp_error_string2(rc));
  return core::Ok();
}

core::Result<void> Connection::Reject(std::uint64_t delivery_tag, bool requeue) {
  if (!state_->open) return core::Error::Transient("not connected to RabbitMQ");
  int rc = amqp_basic_reject(state_->conn, kConsumeChannel, delivery_tag, requeue ? 1 : 0);
  if (rc != AMQP_STATUS_OK) return core::Error::Transient(std::string("basic.reject: ") + amqp_error_string2(rc));
  return core::Ok();
}

void Connection::ResolveConfirms(std::uint64_t tag, bool multiple, bool ok) {
  auto end = multiple ? pending_confirms_.upper_bound(tag) : pending_confirms_.find(tag);
  auto begin = multiple ? pending_confirms_.begin() : end;
  if (!multiple) {
    if (end == pending_confirms_.end()) return;
    end = std::next(end);
  }
  std::vector<ConfirmCallback> callbacks;
  for (auto it = begin; it != end; ++it) callbacks.push_back(std::move(it->second));
  pending_confirms_.erase(begin, end);
  last_confirm_progress_ = std::chrono::steady_clock::now();
  (ok ? confirmed_ : refused_) += callbacks.size();
  for (auto& callback : callbacks) {
    if (!callback) continue;
    if (ok) callback(core::Ok());
    else callback(core::Error::Transient("broker refused the message (basic.nack)"));
  }
}

void Connection::FailPendingConfirms(const std::string& why) {
  auto pending = std::move(pending_confirms_);
  pending_confirms_.clear();
  for (auto& [tag, callback] : pending) {
    if (callback) callback(core::Error::Transient(why));
  }
}

core::Result<void> Connection::Pump(const std::function<void(Delivery)>& on_delivery) {
  if (!state_->open) return core::Error::Transient("not connected to RabbitMQ");
  for (;;) {
    amqp_frame_t frame{};
    timeval zero{0, 0};
    int rc = amqp_simple_wait_frame_noblock(state_->conn, &frame, &zero);
    if (rc == AMQP_STATUS_TIMEOUT) return core::Ok();
    if (rc != AMQP_STATUS_OK) {
      return core::Error::Transient("connection to RabbitMQ at " + Endpoint() + " lost: " + amqp_error_string2(rc));
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_DELIVER_METHOD: {
        auto* deliver = static_cast<amqp_basic_deliver_t*>(frame.payload.method.decoded);
        Delivery delivery;
        delivery.delivery_tag = deliver->delivery_tag;
        delivery.redelivered = deliver->redelivered != 0;
        delivery.exchange = ToString(deliver->exchange);
        delivery.routing_key = ToString(deliver->routing_key);
        amqp_message_t message{};
        // The content frames follow the method at once; this read can block only until
        // they arrive.
        amqp_rpc_reply_t reply = amqp_read_message(state_->conn, frame.channel, &message, 0);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
          return core::Error::Transient("reading a message from " + Endpoint() + " failed: " + DescribeReply(reply));
        }
        delivery.body = ToString(message.body);
        if ((message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0) {
          delivery.message_id = ToString(message.properties.message_id);
        }
        if ((message.properties._flags & AMQP_BASIC_REPLY_TO_FLAG) != 0) {
          delivery.reply_to = ToString(message.properties.reply_to);
        }
        if ((message.properties._flags & AMQP_BASIC_CORRELATION_ID_FLAG) != 0) {
          delivery.correlation_id = ToString(message.properties.correlation_id);
        }
        if ((message.properties._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
          delivery.headers = ReadHeaders(message.properties.headers);
        }
        amqp_destroy_message(&message);
        if (on_delivery) on_delivery(std::move(delivery));
        break;
      }
      case AMQP_BASIC_ACK_METHOD: {
        auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
        ResolveConfirms(ack->delivery_tag, ack->multiple != 0, true);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        auto* nack = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
        ResolveConfirms(nack->delivery_tag, nack->multiple != 0, false);
        break;
      }
      case AMQP_CHANNEL_CLOSE_METHOD: {
        auto* close = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded);
        return core::Error::Transient("RabbitMQ closed channel " + std::to_string(frame.channel) + ": " +
                                      std::to_string(close->reply_code) + " " + ToString(close->reply_text));
      }
      case AMQP_CONNECTION_CLOSE_METHOD: {
        auto* close = static_cast<amqp_connection_close_t*>(frame.payload.method.decoded);
        return core::Error::Transient("RabbitMQ closed the connection: " + std::to_string(close->reply_code) +
                                      " " + ToString(close->reply_text));
      }
      case AMQP_BASIC_CANCEL_METHOD:
        return core::Error::Transient("RabbitMQ cancelled the consumer (its queue was deleted, or a cluster node holding it failed)");
      case AMQP_CONNECTION_BLOCKED_METHOD: {
        auto* blocked = static_cast<amqp_connection_blocked_t*>(frame.payload.method.decoded);
        blocked_ = true;
        blocked_reason_ = ToString(blocked->reason);
        break;
      }
      case AMQP_CONNECTION_UNBLOCKED_METHOD:
        blocked_ = false;
        blocked_reason_.clear();
        // The time blocked is not the broker failing to confirm.
        last_confirm_progress_ = std::chrono::steady_clock::now();
        break;
      default:
        break;  // basic.cancel-ok, basic.qos-ok of late replies, etc.
    }
    // A callback may have closed this connection (a worker finishing its shutdown from a
    // confirm): the connection state is gone, so stop reading.
    if (!state_->open) return core::Ok();
    amqp_maybe_release_buffers(state_->conn);
  }
}

core::Result<void> Connection::WaitForConfirms(std::chrono::milliseconds timeout,
                                               const std::function<void(Delivery)>& on_delivery) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pending_confirms_.empty()) {
    if (auto r = Pump(on_delivery); !r) {
      FailPendingConfirms(r.error().message);
      return r;
    }
    if (pending_confirms_.empty()) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return core::Error::Transient(std::to_string(pending_confirms_.size()) +
                                    " messages still unconfirmed after " + std::to_string(timeout.count()) + " ms");
    }
    pollfd fd{socket_fd(), POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 100)));
  }
  return core::Ok();
}

core::Result<std::uint32_t> Connection::QueueDepth(const std::string& queue) {
  auto* ok = amqp_queue_declare(state_->conn, kConsumeChannel, Bytes(queue), 1, 0, 0, 0, amqp_empty_table);
  if (auto r = CheckReply(("queue.declare(passive) " + queue).c_str()); !r) return r.error();
  return ok->message_count;
}

core::Result<std::uint32_t> Connection::Purge(const std::string& queue) {
  auto* ok = amqp_queue_purge(state_->conn, kConsumeChannel, Bytes(queue));
  if (auto r = CheckReply(("queue.purge " + queue).c_str()); !r) return r.error();
  return ok->message_count;
}

core::Result<void> Connection::DeleteQueue(const std::string& queue, bool if_empty) {
  amqp_queue_delete(state_->conn, kConsumeChannel, Bytes(queue), 0, if_empty ? 1 : 0);
  return CheckReply(("queue.delete " + queue).c_str());
}

core::Result<std::optional<std::uint32_t>> Connection::QueueDepthIfExists(const std::string& queue) {
  auto* ok = amqp_queue_declare(state_->conn, kConsumeChannel, Bytes(queue), 1, 0, 0, 0, amqp_empty_table);
  amqp_rpc_reply_t reply = amqp_get_rpc_reply(state_->conn);
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return std::optional<std::uint32_t>(ok->message_count);
  if (!IsChannelClosedWith(reply, AMQP_NOT_FOUND)) return ReplyError("queue.declare(passive) " + queue, Endpoint(), reply);
  if (auto r = ReopenChannel(kConsumeChannel); !r) return r.error();
  return std::optional<std::uint32_t>();
}

core::Result<void> Connection::Unbind(const BindingSpec& binding) {
  TableBuilder arguments(binding.arguments);
  amqp_queue_unbind(state_->conn, kConsumeChannel, Bytes(binding.queue), Bytes(binding.exchange),
                    Bytes(binding.routing_key), arguments.table());
  return CheckReply(("queue.unbind " + binding.queue).c_str());
}

void Connection::Close(bool polite) {
  FailPendingConfirms("connection to RabbitMQ closed before the broker confirmed");
  consumer_tag_.clear();
  if (state_->conn == nullptr) return;
  if (state_->open && polite) {
    amqp_connection_close(state_->conn, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(state_->conn);
  state_->conn = nullptr;
  state_->open = false;
}

}  // namespace amqp
