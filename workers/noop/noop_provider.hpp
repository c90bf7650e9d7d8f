#pragma once

#include "common/runtime/provider.hpp"

namespace noop {

// A provider without HTTP: returns a deterministic record derived from the job itself, at
// once. For runtime tests and benchmarks of everything but the provider calls. Nothing is
// ever pending, so it needs no runtime::PendingJobs and keeps Provider's default Close
// (provider.hpp's lifetime rule).
class NoopProvider : public runtime::Provider {
 public:
  // runtime::Provider
  std::string_view Name() const override { return "noop"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override;
};

// Pure: the record the noop provider writes for a job.
runtime::Enrichment NoopEnrichment(const json::Job& job);

}  // namespace noop
