#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

// `tunefleet status`: the management API's queue list turned into rows, and the rows into a
// table or JSON. Pure: no I/O, no clock (the caller passes the time it fetched at).
namespace ops {

// The columns we ask GET /api/queues/<vhost> for (?columns=...).
extern const char* const kQueueColumns;

enum class QueueKind { kJobs, kBuilder, kRetry, kDead, kOther };
std::string_view ToString(QueueKind kind);  // "jobs", "builder", "retry", "dead", "other"

struct QueueRow {
  std::string name;
  QueueKind kind = QueueKind::kOther;
  std::string owner;  // jobs/builder/dead: "noop", "recommend"; retry: the tier ("5s"); else ""
  std::string type;   // "quorum", "classic"
  std::string state;  // "running"; "" when the API did not say yet
  std::int64_t ready = 0;
  std::int64_t unacked = 0;
  std::int64_t consumers = 0;
  double publish_rate = 0;  // messages/s published into the queue (0 without traffic)
  double deliver_rate = 0;  // messages/s delivered to consumers or fetched by basic.get
};

// Classifies a tunefleet queue name: tunefleet.<p> (jobs, or builder for recommend/features),
// tunefleet.<p>.dead, tunefleet.delay.<tier> (and the classic tunefleet.retry.<tier> of earlier builds).
QueueKind ClassifyQueue(std::string_view name, std::string* owner);

// Parses the JSON array of GET /api/queues/<vhost>; keeps the tunefleet.* queues only and
// orders them jobs, builders, retry tiers (shortest first), dead-letter queues. Counts the
// API has not computed yet (a queue created a moment ago) are 0. kInvalidInput when the body
// is not the expected array.
core::Result<std::vector<QueueRow>> ParseQueues(std::string_view json);

struct StatusTotals {
  std::int64_t ready = 0;
  std::int64_t unacked = 0;
  std::int64_t consumers = 0;
  double publish_rate = 0;
  double deliver_rate = 0;
  std::int64_t dead_letters = 0;
};

struct StatusReport {
  std::string vhost;
  std::string api;  // host:port of the management API
  std::string at;   // RFC 3339 UTC time of the fetch
  std::vector<QueueRow> queues;
  std::map<std::string, std::int64_t> dead_letters;  // owner -> ready + unacked in its .dead queue
  StatusTotals totals;
};

StatusReport BuildReport(std::string vhost, std::string api, std::string at, std::vector<QueueRow> queues);

// The human table: a header line, aligned columns, a TOTAL line, non-empty dead-letter queues
// flagged with '!' and a closing line naming the providers with dead letters.
std::string FormatTable(const StatusReport& report);

// One line of JSON, the shape documented in docs/OPERATIONS.md:
// {"vhost","api","at","queues":[{name,kind,owner,type,state,ready,unacked,consumers,
//  publish_rate,deliver_rate}],"dead_letters":{owner:n},"totals":{...}}
std::string FormatJson(const StatusReport& report);

}  // namespace ops
