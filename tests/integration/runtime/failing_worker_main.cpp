// A test-only worker: the noop provider, except that titles starting with "fail-" fail
// transiently every time, so tests can watch the retry tiers and the attempt limit; titles
// starting with "pending-" answer core::Error::Pending until the runtime's JobHistory says
// three rounds were pending (then the job is stored), so tests can watch the runtime count them.
#include <chrono>
#include <string>
#include <utility>

#include "common/runtime/run_worker.hpp"
#include "workers/fleet/fleet.hpp"
#include "workers/noop/noop_provider.hpp"
#include "workers/noop/noop_spec.hpp"

namespace {

class FailingProvider : public runtime::Provider {
 public:
  // runtime::Provider
  std::string_view Name() const override { return "noop"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override {
    EnrichWithHistory(job, runtime::JobHistory{}, std::move(done));
  }
  void EnrichWithHistory(const json::Job& job, const runtime::JobHistory& history, runtime::EnrichDone done) override {
    const auto* track = std::get_if<json::TrackJob>(&job);
    if (track != nullptr && track->title.rfind("fail-", 0) == 0) {
      done(core::Error::Transient("test provider: " + track->title + " always fails"));
      return;
    }
    if (track != nullptr && track->title.rfind("pending-", 0) == 0 && history.pending_rounds < 3) {
      if (history.pending_rounds > 0 &&
          (!history.pending_since || *history.pending_since > std::chrono::system_clock::now())) {
        done(core::Error::InvalidInput("test provider: pending round without a plausible pending_since"));
        return;
      }
      done(core::Error::Pending("test provider: " + track->title + " still pending", std::chrono::seconds(1)));
      return;
    }
    done(noop::NoopEnrichment(job));
  }
};

}  // namespace

int main(int argc, char* argv[]) {
  runtime::WorkerSpec worker;
  worker.provider = noop::Spec();
  worker.make = [](runtime::ProviderContext&) { return std::make_unique<FailingProvider>(); };
  return runtime::RunWorker(argc, argv, worker, fleet::Providers());
}
