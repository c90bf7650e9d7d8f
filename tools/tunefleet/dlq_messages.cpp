#include "tools/tunefleet/dlq_messages.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "common/core/redact.hpp"
#include "common/json/members.hpp"
#include "common/runtime/topology.hpp"

namespace ops {
namespace {

using json::IntMember;
using json::StringMember;

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// The body's "job_id", for dead letters published without a message id.
std::string JobIdFromBody(std::string_view body) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError() || !document.IsObject()) return "";
  return StringMember(document, "job_id");
}

std::string PadRight(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string PeekRequest(std::size_t count, std::size_t truncate) {
  return R"({"count":)" + std::to_string(count) + R"(,"ackmode":"ack_requeue_true","encoding":"auto","truncate":)" +
         std::to_string(truncate) + "}";
}

core::Result<Peek> ParsePeek(std::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsArray()) {
    return core::Error::InvalidInput("the management API's answer to the peek is not a JSON array of messages");
  }
  Peek peek;
  for (const auto& item : document.GetArray()) {
    if (!item.IsObject()) return core::Error::InvalidInput("the management API's peek holds a non-object");
    DeadLetter message;
    message.index = peek.messages.size() + 1;
    message.exchange = StringMember(item, "exchange");
    message.routing_key = StringMember(item, "routing_key");
    const auto redelivered = item.FindMember("redelivered");
    message.redelivered = redelivered != item.MemberEnd() && redelivered->value.IsBool() && redelivered->value.GetBool();
    message.body = StringMember(item, "payload");
    message.body_base64 = StringMember(item, "payload_encoding") == "base64";
    message.payload_bytes = IntMember(item, "payload_bytes", static_cast<std::int64_t>(message.body.size()));
    // message_count: what is left in the queue after this message was taken.
    if (peek.messages.empty()) peek.ready = IntMember(item, "message_count", 0) + 1;
    const auto properties = item.FindMember("properties");
    if (properties != item.MemberEnd() && properties->value.IsObject()) {
      message.job_id = StringMember(properties->value, "message_id");
      const auto headers = properties->value.FindMember("headers");
      if (headers != properties->value.MemberEnd() && headers->value.IsObject()) {
        for (const auto& header : headers->value.GetObject()) {
          std::string key(header.name.GetString(), header.name.GetStringLength());
          std::string value = header.value.IsString()
                                  ? std::string(header.value.GetString(), header.value.GetStringLength())
                                  : ToJson(header.value);
          // Dead letters written before the redaction rule may still carry a credential in
          // their reason: shown through the same rule.
          if (key == runtime::kReasonHeader) value = core::Redact(value);
          message.headers.emplace_back(std::move(key), std::move(value));
        }
        const auto& h = headers->value;
        message.reason = core::Redact(StringMember(h, runtime::kReasonHeader));
        message.last_status = StringMember(h, runtime::kLastStatusHeader);
        message.dead_at = StringMember(h, runtime::kDeadAtHeader);
        message.attempts = IntMember(h, runtime::kAttemptHeader, -1);
        message.replays = IntMember(h, kReplaysHeader, 0);
      }
    }
    std::sort(message.headers.begin(), message.headers.end());
    if (message.job_id.empty() && !message.body_base64) message.job_id = JobIdFromBody(message.body);
    peek.messages.push_back(std::move(message));
  }
  return peek;
}

std::string OneLine(std::string_view text, std::size_t width) {
  std::string flat;
  for (const char c : text) flat += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < flat.size(); ++i) {
    if (IsContinuationByte(flat[i])) continue;
    if (chars == width) {
      // Cut three characters earlier to make room for the ellipsis.
      std::size_t cut = i;
      for (int back = 0; back < 3 && cut > 0; ++back) {
        do {
          --cut;
        } while (cut > 0 && IsContinuationByte(flat[cut]));
      }
      return flat.substr(0, cut) + "...";
    }
    ++chars;
  }
  return flat;
}

std::string FormatList(const Peek& peek, std::string_view queue, std::size_t reason_width) {
  const std::string where(queue);
  if (peek.messages.empty()) return "no dead letters in " + where + "\n";
  std::vector<std::vector<std::string>> rows = {{"JOB ID", "DEAD AT", "STATUS", "ATTEMPTS", "REASON"}};
  for (const auto& m : peek.messages) {
    rows.push_back({m.job_id.empty() ? "-" : m.job_id, m.dead_at.empty() ? "-" : m.dead_at,
                    m.last_status.empty() ? "-" : m.last_status, m.attempts < 0 ? "-" : std::to_string(m.attempts),
                    m.reason.empty() ? "-" : OneLine(m.reason, reason_width)});
  }
  std::vector<std::size_t> width(4, 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < width.size(); ++i) out += PadRight(row[i], width[i]) + "  ";
    out += row[4] + "\n";
  }
  out += "\n" + std::to_string(peek.messages.size()) + " shown of " + std::to_string(peek.ready) +
         " dead letters in " + where;
  if (static_cast<std::int64_t>(peek.messages.size()) < peek.ready) out += " (--limit N shows more)";
  out += "\n";
  return out;
}

std::string PrettyJson(std::string_view body) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError()) return std::string(body);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  document.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string FormatShow(const DeadLetter& m, std::string_view queue, std::int64_t ready) {
  std::string out = "job " + (m.job_id.empty() ? std::string("-") : m.job_id) + ": message " +
                    std::to_string(m.index) + " of " + std::to_string(ready) + " in " + std::string(queue) + "\n";
  out += "exchange: " + (m.exchange.empty() ? std::string("(default)") : m.exchange) +
         "  routing key: " + m.routing_key + "  redelivered: " + (m.redelivered ? "yes" : "no") + "\n";
  out += "headers:\n";
  if (m.headers.empty()) out += "  (none)\n";
  for (const auto& [key, value] : m.headers) out += "  " + key + ": " + value + "\n";
  const auto shown = static_cast<std::int64_t>(m.body.size());
  out += "body (" + std::to_string(m.payload_bytes) + " bytes";
  if (m.body_base64) out += ", not UTF-8: base64";
  if (!m.body_base64 && shown < m.payload_bytes) out += ", first " + std::to_string(shown) + " shown";
  out += "):\n";
  out += (m.body_base64 ? m.body : PrettyJson(m.body)) + "\n";
  return out;
}

std::string ReplayRoutingKey(const amqp::Headers& dead, std::string_view provider) {
  // A builder's follow-ups go straight back to its own queue: through tunefleet.followups
  // they would reach the other builder too.
  if (runtime::IsBuilder(std::string(provider))) return runtime::JobQueue(std::string(provider));
  std::string key = amqp::HeaderString(dead, runtime::kRoutingKeyHeader);
  if (!key.empty()) return key;
  return runtime::ProviderRoutingKey("track", std::string(provider));
}

std::string ReplayExchange(std::string_view provider) {
  // "": the default exchange, which routes by queue name.
  return runtime::IsBuilder(std::string(provider)) ? std::string() : std::string(runtime::kJobsExchange);
}

amqp::Headers ReplayHeaders(const amqp::Headers& dead, std::string_view replayed_at) {
  amqp::Headers headers = dead;
  for (const char* key : {runtime::kAttemptHeader, runtime::kReasonHeader, runtime::kLastStatusHeader,
                          runtime::kDeadAtHeader, runtime::kDelayHeader}) {
    headers.erase(key);
  }
  // The broker's own bookkeeping: a quorum queue's redelivery count and the dead-lettering
  // history (tables, which our adapter does not read anyway).
  std::erase_if(headers, [](const auto& entry) {
    return entry.first == "x-delivery-count" || entry.first.starts_with("x-death") ||
           entry.first.starts_with("x-first-death") || entry.first.starts_with("x-last-death");
  });
  headers[kReplaysHeader] = amqp::HeaderInt(dead, kReplaysHeader, 0) + 1;
  headers[kReplayedAtHeader] = std::string(replayed_at);
  return headers;
}

amqp::OutgoingMessage ReplayMessage(const amqp::Delivery& dead, std::string_view provider,
                                    std::string_view replayed_at) {
  return {.exchange = ReplayExchange(provider),
          .routing_key = ReplayRoutingKey(dead.headers, provider),
          .message_id = dead.message_id,
          .body = dead.body,
          .headers = ReplayHeaders(dead.headers, replayed_at)};
}

}  // namespace ops
