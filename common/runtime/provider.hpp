#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/catalog/records.hpp"
#include "common/core/result.hpp"
#include "common/json/job.hpp"

namespace runtime {

// What one job produced: each provider's contribution rows (usually one track or album).
struct Enrichment {
  std::vector<catalog::TrackRecord> tracks;
  std::vector<catalog::AlbumRecord> albums;
};

using EnrichDone = std::function<void(core::Result<Enrichment>)>;

// What the runtime remembers of a job's earlier deliveries (from its headers, topology.hpp).
struct JobHistory {
  int pending_rounds = 0;  // deliveries that ended core::Error::Pending
  std::optional<std::chrono::system_clock::time_point> pending_since;  // the first of them
};

// A provider plug-in: how a job becomes requests and how responses become records. The
// runtime owns everything else (consume, validate, batch, persist, ack, retry, dead-letter).
//
// The lifetime rule, one for every provider. A provider that answers later than inside
// Enrich owns a runtime::PendingJobs (pending_jobs.hpp) and:
//   - Enrich registers `done` there (PendingJobs::Add); the flow finishes the job only through
//     the returned PendingJob, never by calling `done` itself;
//   - every callback it hands to something that answers later (the gateway, a micro-batcher,
//     its own list of waiters) is wrapped in PendingJobs::Guard, which runs it only while the
//     provider is open; so the callback may use `this`, and no other keep-alive (shared_ptr
//     to the provider, weak_ptr, alive flag) is needed or used;
//   - Close() and the destructor close the PendingJobs first: every job still pending gets
//     its `done` once, with NotAttempted("<name>: shutting down") (kTransient; the job's
//     attempts are not used up), the provider starts no new request, and answers arriving
//     later are dropped unrun.
// A provider that always answers inside Enrich (noop) has nothing pending and keeps the
// default Close.
class Provider {
 public:
  virtual ~Provider() = default;
  // "spotify": queue suffix, metric label, config prefix.
  virtual std::string_view Name() const = 0;
  // Runs on the loop thread; must call `done` exactly once, from the loop thread. Errors:
  // kTransient (retried through the delay queues), kInvalidInput (dead-lettered). A
  // provider that has no such entity returns a record with SourceStatus::kNotFound.
  virtual void Enrich(const json::Job& job, EnrichDone done) = 0;
  // The runtime calls this one: a provider that gives up on work that stays pending (Cyanite's
  // analyses) reads `history`; the others keep Enrich.
  virtual void EnrichWithHistory(const json::Job& job, const JobHistory& /*history*/, EnrichDone done) {
    Enrich(job, std::move(done));
  }
  // The worker is stopping: called by the provider pipeline once the consumer has stopped
  // (its connection is closed, so the jobs still here are redelivered by the broker), before
  // RunWorker closes the gateway. Ends every pending job as above. An explicit hook, not only
  // the destructor: the provider is destroyed after the loop has run out, and by then the
  // gateway's Close would have answered its calls with errors of its own. Enrich is not called
  // after it (if it is, `done` is answered at once with the same error).
  virtual void Close() {}
};

}  // namespace runtime
