#include "tools/tunefleet/status_queues.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "common/config/settings.hpp"
#include "common/control/protocol.hpp"
#include "common/json/members.hpp"
#include "workers/fleet/fleet.hpp"

namespace ops {
namespace {

using json::StringMember;

constexpr std::string_view kPrefix = "tunefleet.";
constexpr std::string_view kDeadSuffix = ".dead";
constexpr std::string_view kDelayPrefix = "delay.";
constexpr std::string_view kLegacyRetryPrefix = "retry.";  // classic tiers of earlier builds

std::int64_t IntMember(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsNumber()) return 0;
  return it->value.IsInt64() ? it->value.GetInt64() : static_cast<std::int64_t>(it->value.GetDouble());
}

// message_stats.<what>_details.rate; absent until the queue has seen that kind of traffic.
double Rate(const rapidjson::Value& queue, const char* details) {
  const auto stats = queue.FindMember("message_stats");
  if (stats == queue.MemberEnd() || !stats->value.IsObject()) return 0;
  const auto detail = stats->value.FindMember(details);
  if (detail == stats->value.MemberEnd() || !detail->value.IsObject()) return 0;
  const auto rate = detail->value.FindMember("rate");
  if (rate == detail->value.MemberEnd() || !rate->value.IsNumber()) return 0;
  return rate->value.GetDouble();
}

// "500ms", "5s", "2m", "1h" -> milliseconds, for ordering retry tiers; unknown shapes last.
std::int64_t TierMillis(std::string_view tier) {
  std::size_t digits = 0;
  while (digits < tier.size() && tier[digits] >= '0' && tier[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return INT64_MAX;
  const std::int64_t n = std::stoll(std::string(tier.substr(0, digits)));
  const std::string_view unit = tier.substr(digits);
  if (unit == "ms") return n;
  if (unit == "s") return n * 1000;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  return INT64_MAX;
}

int KindOrder(QueueKind kind) {
  switch (kind) {
    case QueueKind::kJobs: return 0;
    case QueueKind::kBuilder: return 1;
    case QueueKind::kRetry: return 2;
    case QueueKind::kDead: return 3;
    case QueueKind::kOther: return 4;
  }
  return 4;
}

std::string FormatRateCell(double rate) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", rate);
  return buffer;
}

std::string PadLeft(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string PadRight(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

}  // namespace

const char* const kQueueColumns =
    "name,type,state,messages_ready,messages_unacknowledged,consumers,"
    "message_stats.publish_details.rate,message_stats.deliver_get_details.rate";

std::string_view ToString(QueueKind kind) {
  switch (kind) {
    case QueueKind::kJobs: return "jobs";
    case QueueKind::kBuilder: return "builder";
    case QueueKind::kRetry: return "retry";
    case QueueKind::kDead: return "dead";
    case QueueKind::kOther: return "other";
  }
  return "other";
}

QueueKind ClassifyQueue(std::string_view name, std::string* owner) {
  owner->clear();
  if (!name.starts_with(kPrefix)) return QueueKind::kOther;
  std::string_view rest = name.substr(kPrefix.size());
  for (std::string_view prefix : {kDelayPrefix, kLegacyRetryPrefix}) {
    if (rest.starts_with(prefix) && rest.size() > prefix.size()) {
      *owner = rest.substr(prefix.size());
      return QueueKind::kRetry;
    }
  }
  if (rest.ends_with(kDeadSuffix) && rest.size() > kDeadSuffix.size()) {
    const std::string_view consumer = rest.substr(0, rest.size() - kDeadSuffix.size());
    if (consumer.find('.') != std::string_view::npos) return QueueKind::kOther;
    *owner = consumer;
    return QueueKind::kDead;
  }
  if (rest.empty() || rest.find('.') != std::string_view::npos) return QueueKind::kOther;
  *owner = rest;
  const auto& providers = fleet::Names().known;
  // Every other single-segment consumer queue (tunefleet.recommend, tunefleet.features) is a
  // builder's: the runtime declares no other kind.
  return std::find(providers.begin(), providers.end(), *owner) != providers.end() ? QueueKind::kJobs
                                                                                   : QueueKind::kBuilder;
}

core::Result<std::vector<QueueRow>> ParseQueues(std::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) {
    return core::Error::InvalidInput("the management API's queue list is not JSON (offset " +
                                     std::to_string(document.GetErrorOffset()) + ")");
  }
  if (!document.IsArray()) return core::Error::InvalidInput("the management API's queue list is not a JSON array");
  std::vector<QueueRow> rows;
  for (const auto& queue : document.GetArray()) {
    if (!queue.IsObject()) return core::Error::InvalidInput("the management API's queue list holds a non-object");
    QueueRow row;
    row.name = StringMember(queue, "name");
    row.kind = ClassifyQueue(row.name, &row.owner);
    if (!row.name.starts_with(kPrefix)) continue;
    // One per running process and CLI (the control channel, `tunefleet workers` lists them).
    if (row.name.starts_with(std::string(control::kCommandExchange) + ".")) continue;
    row.type = StringMember(queue, "type");
    row.state = StringMember(queue, "state");
    row.ready = IntMember(queue, "messages_ready");
    row.unacked = IntMember(queue, "messages_unacknowledged");
    row.consumers = IntMember(queue, "consumers");
    row.publish_rate = Rate(queue, "publish_details");
    row.deliver_rate = Rate(queue, "deliver_get_details");
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const QueueRow& a, const QueueRow& b) {
    const auto key = [](const QueueRow& r) {
      return std::make_tuple(KindOrder(r.kind), r.kind == QueueKind::kRetry ? TierMillis(r.owner) : 0, r.name);
    };
    return key(a) < key(b);
  });
  return rows;
}

StatusReport BuildReport(std::string vhost, std::string api, std::string at, std::vector<QueueRow> queues) {
  StatusReport report{.vhost = std::move(vhost), .api = std::move(api), .at = std::move(at),
                      .queues = std::move(queues), .dead_letters = {}, .totals = {}};
  for (const auto& row : report.queues) {
    report.totals.ready += row.ready;
    report.totals.unacked += row.unacked;
    report.totals.consumers += row.consumers;
    report.totals.publish_rate += row.publish_rate;
    report.totals.deliver_rate += row.deliver_rate;
    if (row.kind == QueueKind::kDead) {
      report.dead_letters[row.owner] = row.ready + row.unacked;
      report.totals.dead_letters += row.ready + row.unacked;
    }
  }
  return report;
}

std::string FormatTable(const StatusReport& report) {
  const std::vector<std::string> header = {"QUEUE", "KIND", "READY", "UNACKED", "CONSUMERS", "PUBLISH/S", "DELIVER/S"};
  std::vector<std::vector<std::string>> cells;
  std::vector<bool> flagged;
  for (const auto& row : report.queues) {
    cells.push_back({row.name, std::string(ToString(row.kind)), std::to_string(row.ready), std::to_string(row.unacked),
                     std::to_string(row.consumers), FormatRateCell(row.publish_rate),
                     FormatRateCell(row.deliver_rate)});
    flagged.push_back(row.kind == QueueKind::kDead && row.ready + row.unacked > 0);
  }
  const auto& t = report.totals;
  const std::vector<std::string> totals = {"TOTAL", "", std::to_string(t.ready), std::to_string(t.unacked),
                                           std::to_string(t.consumers), FormatRateCell(t.publish_rate),
                                           FormatRateCell(t.deliver_rate)};
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) {
    width[i] = std::max(header[i].size(), totals[i].size());
    for (const auto& line : cells) width[i] = std::max(width[i], line[i].size());
  }
  // Two text columns aligned left, the numbers right; a two-character flag column first.
  const auto render = [&](const std::vector<std::string>& line, bool flag) {
    std::string out = flag ? "! " : "  ";
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i > 0) out += "  ";
      out += i < 2 ? PadRight(line[i], width[i]) : PadLeft(line[i], width[i]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = "vhost " + report.vhost + " (RabbitMQ management API " + report.api + ", " + report.at + ")\n\n";
  if (report.queues.empty()) {
    return out + "no tunefleet queues in this vhost (no worker or `tunefleet publish` has declared them yet)\n";
  }
  out += render(header, false);
  for (std::size_t i = 0; i < cells.size(); ++i) out += render(cells[i], flagged[i]);
  out += render(totals, false);
  out += "\n";
  std::string dead;
  for (const auto& [owner, count] : report.dead_letters) {
    if (count > 0) dead += (dead.empty() ? "" : ", ") + owner + " " + std::to_string(count);
  }
  if (dead.empty()) {
    out += "dead letters: none\n";
  } else {
    out += "! dead letters: " + dead + " (see tunefleet dlq list --provider P)\n";
  }
  return out;
}

std::string FormatJson(const StatusReport& report) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto string = [&w](const std::string& s) { w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("vhost");
  string(report.vhost);
  w.Key("api");
  string(report.api);
  w.Key("at");
  string(report.at);
  w.Key("queues");
  w.StartArray();
  for (const auto& row : report.queues) {
    w.StartObject();
    w.Key("name");
    string(row.name);
    w.Key("kind");
    string(std::string(ToString(row.kind)));
    w.Key("owner");
    string(row.owner);
    w.Key("type");
    string(row.type);
    w.Key("state");
    string(row.state);
    w.Key("ready");
    w.Int64(row.ready);
    w.Key("unacked");
    w.Int64(row.unacked);
    w.Key("consumers");
    w.Int64(row.consumers);
    w.Key("publish_rate");
    w.Double(row.publish_rate);
    w.Key("deliver_rate");
    w.Double(row.deliver_rate);
    w.EndObject();
  }
  w.EndArray();
  w.Key("dead_letters");
  w.StartObject();
  for (const auto& [owner, count] : report.dead_letters) {
    string(owner);
    w.Int64(count);
  }
  w.EndObject();
  const auto& t = report.totals;
  w.Key("totals");
  w.StartObject();
  w.Key("ready");
  w.Int64(t.ready);
  w.Key("unacked");
  w.Int64(t.unacked);
  w.Key("consumers");
  w.Int64(t.consumers);
  w.Key("publish_rate");
  w.Double(t.publish_rate);
  w.Key("deliver_rate");
  w.Double(t.deliver_rate);
  w.Key("dead_letters");
  w.Int64(t.dead_letters);
  w.EndObject();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace ops
