#include "common/runtime/pending_jobs.hpp"

#include <map>

namespace runtime {

struct PendingJobsState {
  std::string provider;
  std::map<std::uint64_t, EnrichDone> jobs;  // by id: Close finishes them in the order added
  std::uint64_t next_id = 0;
  bool closed = false;

  core::Error ShuttingDown() const { return core::Error::NotAttempted(provider + ": shutting down"); }
};

void PendingJob::Finish(core::Result<Enrichment> result) const {
  auto state = state_.lock();
  if (!state) return;
  auto it = state->jobs.find(id_);
  if (it == state->jobs.end()) return;  // finished already, or by Close
  EnrichDone done = std::move(it->second);
  state->jobs.erase(it);
  done(std::move(result));
}

bool PendingJob::pending() const {
  auto state = state_.lock();
  return state && state->jobs.count(id_) > 0;
}

PendingJobs::PendingJobs(std::string provider) : state_(std::make_shared<PendingJobsState>()) {
  state_->provider = std::move(provider);
}

PendingJobs::~PendingJobs() { Close(); }

PendingJob PendingJobs::Add(EnrichDone done) {
  std::uint64_t id = state_->next_id++;
  if (state_->closed) {
    done(state_->ShuttingDown());
  } else {
    state_->jobs.emplace(id, std::move(done));
  }
  return PendingJob(state_, id);
}

void PendingJobs::Close() {
  if (state_->closed) return;
  state_->closed = true;
  // Taken out first: a `done` that finishes another job, adds one or closes again finds
  // nothing left to answer twice.
  auto jobs = std::move(state_->jobs);
  state_->jobs.clear();
  // Held: a `done` may destroy the provider, and with it these jobs.
  auto state = state_;
  for (auto& [id, done] : jobs) done(state->ShuttingDown());
}

bool PendingJobs::closed() const { return state_->closed; }

std::size_t PendingJobs::size() const { return state_->jobs.size(); }

std::shared_ptr<PendingJobsState> PendingJobs::Open(const std::weak_ptr<PendingJobsState>& state) {
  auto open = state.lock();
  if (!open || open->closed) return nullptr;
  return open;
}

}  // namespace runtime
