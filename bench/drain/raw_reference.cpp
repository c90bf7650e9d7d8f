// bench-raw-reference: the framework-free baseline of the drain benchmark (docs/BENCHMARKS.md).
// librabbitmq + libpqxx + RapidJSON in one serial loop: consume with prefetch 1000, collect up
// to 500 messages (or whatever arrived within 50 ms), parse each body minimally (no schema
// validation), write the batch with ONE multi-row statement (arrays passed as parameters and
// unnest'ed) into tracks + track_sources, commit, then one multiple ack up to the last tag.
// No event loop, no follow-ups, no logging, no metrics.
//
// The rows are the ones tunefleet-noop writes for the same job (same identity keys from
// common/db/identity.hpp, same genres/moods/fields derived from the same hash), so the
// databases of both runs are comparable.
//
//   bench-raw-reference --url amqp://guest:guest@127.0.0.1:35672/vhost --dsn postgresql://...
//                       [--queue tunefleet.noop] [--prefetch 1000] [--batch 500]
// Runs until SIGTERM/SIGINT, then writes and acks the batch in hand and exits 0.
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <getopt.h>
#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "bench/drain/raw_writer.hpp"

namespace {

constexpr const char* kUsage =
    "usage: bench-raw-reference --url AMQP_URL --dsn PG_DSN [--queue Q] [--prefetch N] [--batch N]\n";

std::atomic<bool> g_stop{false};

struct Batch {
  std::vector<bench::RawRow> rows;
  std::map<std::string, std::size_t> by_key;  // one statement may not touch a row twice
  std::uint64_t last_tag = 0;
  std::size_t messages = 0;

  void Clear() {
    rows.clear();
    by_key.clear();
    last_tag = 0;
    messages = 0;
  }
};

std::string Member(const rapidjson::Document& doc, const char* name) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// Adds one message body to the batch; false when it is not a usable track job.
bool AddMessage(Batch& batch, const char* body, std::size_t size) {
  rapidjson::Document doc;
  doc.Parse(body, size);
  if (doc.HasParseError() || !doc.IsObject()) return false;
  bench::RawRow row;
  if (!bench::MakeRawRow(Member(doc, "job_id"), Member(doc, "artist"), Member(doc, "title"), row)) return false;
  auto [it, inserted] = batch.by_key.emplace(row.identity_key, batch.rows.size());
  if (inserted) batch.rows.push_back(std::move(row));
  else batch.rows[it->second] = std::move(row);
  return true;
}

bool Ok(amqp_rpc_reply_t reply, const char* what) {
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return true;
  std::fprintf(stderr, "bench-raw-reference: %s failed (reply type %d, library error %s)\n", what,
               static_cast<int>(reply.reply_type),
               reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(reply.library_error) : "-");
  return false;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::string url, dsn, queue = "tunefleet.noop";
  long prefetch = 1000, batch_size = 500;
  static const option kLong[] = {{"url", required_argument, nullptr, 'u'},
                                 {"dsn", required_argument, nullptr, 'd'},
                                 {"queue", required_argument, nullptr, 'q'},
                                 {"prefetch", required_argument, nullptr, 'p'},
                                 {"batch", required_argument, nullptr, 'b'},
                                 {nullptr, 0, nullptr, 0}};
  int c = 0;
  while ((c = getopt_long(argc, argv, "", kLong, nullptr)) != -1) {
    switch (c) {
      case 'u': url = optarg; break;
      case 'd': dsn = optarg; break;
      case 'q': queue = optarg; break;
      case 'p': prefetch = std::strtol(optarg, nullptr, 10); break;
      case 'b': batch_size = std::strtol(optarg, nullptr, 10); break;
      default: std::fputs(kUsage, stderr); return 2;
    }
  }
  if (url.empty() || dsn.empty() || prefetch < 1 || prefetch > 65535 || batch_size < 1) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });

  std::vector<char> url_buf(url.begin(), url.end());
  url_buf.push_back('\0');
  amqp_connection_info info{};
  if (amqp_parse_url(url_buf.data(), &info) != AMQP_STATUS_OK) {
    std::fprintf(stderr, "bench-raw-reference: bad --url\n");
    return 2;
  }
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);
  if (socket == nullptr || amqp_socket_open(socket, info.host, info.port) != AMQP_STATUS_OK) {
    std::fprintf(stderr, "bench-raw-reference: cannot connect to %s:%d\n", info.host, info.port);
    return 1;
  }
  if (!Ok(amqp_login(conn, info.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password), "login")) {
    return 1;
  }
  amqp_channel_open(conn, 1);
  if (!Ok(amqp_get_rpc_reply(conn), "channel.open")) return 1;
  amqp_basic_qos(conn, 1, 0, static_cast<std::uint16_t>(prefetch), 0);
  if (!Ok(amqp_get_rpc_reply(conn), "basic.qos")) return 1;
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  if (!Ok(amqp_get_rpc_reply(conn), "basic.consume")) return 1;

  std::unique_ptr<pqxx::connection> pg;
  try {
    pg = std::make_unique<pqxx::connection>(dsn);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-raw-reference: %s\n", e.what());
    return 1;
  }

  Batch batch;
  std::size_t total = 0, batches = 0, bad = 0;
  auto batch_started = std::chrono::steady_clock::now();
  constexpr auto kMaxWait = std::chrono::milliseconds(50);
  auto flush = [&]() -> bool {
    if (batch.messages == 0) return true;
    try {
      if (!batch.rows.empty()) bench::WriteRawBatch(*pg, batch.rows);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench-raw-reference: write failed: %s\n", e.what());
      return false;
    }
    // Ack after commit: one multiple ack covers the whole batch.
    if (amqp_basic_ack(conn, 1, batch.last_tag, 1) != AMQP_STATUS_OK) {
      std::fprintf(stderr, "bench-raw-reference: basic.ack failed\n");
      return false;
    }
    total += batch.messages;
    ++batches;
    batch.Clear();
    return true;
  };

  int exit_code = 0;
  while (!g_stop) {
    amqp_maybe_release_buffers(conn);
    auto now = std::chrono::steady_clock::now();
    auto wait = batch.messages == 0 ? std::chrono::milliseconds(100)
                                    : std::chrono::duration_cast<std::chrono::milliseconds>(
                                          batch_started + kMaxWait - now);
    if (wait.count() <= 0) {
      if (!flush()) { exit_code = 1; break; }
      continue;
    }
    timeval timeout{0, static_cast<suseconds_t>(wait.count() * 1000)};
    amqp_envelope_t envelope;
    amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, &timeout, 0);
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) {
      if (batch.messages > 0 && !flush()) { exit_code = 1; break; }
      continue;
    }
    if (!Ok(reply, "basic.consume (receiving)")) { exit_code = 1; break; }
    if (batch.messages == 0) batch_started = std::chrono::steady_clock::now();
    if (!AddMessage(batch, static_cast<const char*>(envelope.message.body.bytes), envelope.message.body.len)) {
      ++bad;
    }
    batch.last_tag = envelope.delivery_tag;
    ++batch.messages;
    amqp_destroy_envelope(&envelope);
    if (static_cast<long>(batch.messages) >= batch_size && !flush()) { exit_code = 1; break; }
  }
  if (exit_code == 0 && !flush()) exit_code = 1;
  std::fprintf(stderr, "bench-raw-reference: %zu messages in %zu batches (%zu unusable bodies)\n", total, batches,
               bad);
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  return exit_code;
}
