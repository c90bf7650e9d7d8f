#pragma once

#include <functional>
#include <string_view>
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

// A provider plug-in: how a job becomes requests and how responses become records. The
// runtime owns everything else (consume, validate, batch, persist, ack, retry, dead-letter).
class Provider {
 public:
  virtual ~Provider() = default;
  // "spotify": queue suffix, metric label, config prefix.
  virtual std::string_view Name() const = 0;
  // Runs on the loop thread; must call `done` exactly once, from the loop thread. Errors:
  // kTransient (retried through the delay queues), kInvalidInput (dead-lettered). A
  // provider that has no such entity returns a record with SourceStatus::kNotFound.
  virtual void Enrich(const json::Job& job, EnrichDone done) = 0;
};

}  // namespace runtime
