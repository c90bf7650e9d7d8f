#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "common/runtime/provider.hpp"

namespace runtime {

struct PendingJobsState;

// One job a provider is working on; its flow finishes it through this handle. Copies name the
// same job. It never keeps the provider alive: once the provider closed (or is gone), Finish
// does nothing. Loop thread only.
class PendingJob {
 public:
  PendingJob() = default;  // no job: never pending
  // The first call runs the job's `done`; later calls, and calls after the provider closed,
  // do nothing.
  void Finish(core::Result<Enrichment> result) const;
  // Not finished yet, and the provider not closed.
  bool pending() const;

 private:
  friend class PendingJobs;
  PendingJob(std::weak_ptr<PendingJobsState> state, std::uint64_t id) : state_(std::move(state)), id_(id) {}

  std::weak_ptr<PendingJobsState> state_;
  std::uint64_t id_ = 0;
};

// The one lifetime rule for a provider's calls (provider.hpp): the jobs a provider has started
// and not finished, owned by the provider. Enrich registers each `done` here (Add) and the flow
// finishes through the returned PendingJob. Close (Provider::Close, and the provider's
// destructor) finishes every job still pending exactly once with a transient, not-attempted
// "<provider>: shutting down"; from then on Guard-ed callbacks are dropped without being run,
// so a late gateway answer never reaches the provider or a job twice. Loop thread only.
class PendingJobs {
 public:
  // `provider` names the provider in the shutting-down error ("spotify: shutting down").
  explicit PendingJobs(std::string provider);
  // Closes (see Close).
  ~PendingJobs();
  PendingJobs(const PendingJobs&) = delete;
  PendingJobs& operator=(const PendingJobs&) = delete;

  // Registers `done`. After Close, `done` is answered at once with the shutting-down error and
  // the returned job is not pending.
  PendingJob Add(EnrichDone done);

  // Wraps a callback handed to something that answers later (the gateway, a micro-batcher, a
  // list of waiters): it runs only while these jobs are open, so it may use the provider that
  // owns them; after Close or destruction it is dropped unrun.
  template <typename Callback>
  auto Guard(Callback callback) const {
    return [state = std::weak_ptr<PendingJobsState>(state_), callback = std::move(callback)](auto&&... args) mutable {
      auto open = Open(state);  // held while the callback runs
      if (!open) return;
      callback(std::forward<decltype(args)>(args)...);
    };
  }

  // Finishes every pending job once, in the order they were added, with the shutting-down
  // error, and drops Guard-ed callbacks from now on. Idempotent.
  void Close();
  bool closed() const;
  std::size_t size() const;  // jobs pending

 private:
  // The state when it exists and is not closed; null otherwise.
  static std::shared_ptr<PendingJobsState> Open(const std::weak_ptr<PendingJobsState>& state);

  std::shared_ptr<PendingJobsState> state_;
};

}  // namespace runtime
