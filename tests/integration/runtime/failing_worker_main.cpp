// A test-only worker: the noop provider, except that titles starting with "fail-" fail
// transiently every time, so tests can watch the retry tiers and the attempt limit.
#include <string>

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
    const auto* track = std::get_if<json::TrackJob>(&job);
    if (track != nullptr && track->title.rfind("fail-", 0) == 0) {
      done(core::Error::Transient("test provider: " + track->title + " always fails"));
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
