#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/config/env.hpp"
#include "common/gateway/gateway.hpp"
#include "common/logging/logger.hpp"
#include "common/normalize/vocabulary.hpp"
#include "common/runtime/pending_jobs.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/provider_settings.hpp"
#include "workers/cyanite/cyanite_parse.hpp"

namespace cyanite {

struct CyaniteSettings {
  std::string base_url = "https://api.cyanite.ai";  // TUNEFLEET_CYANITE_BASE_URL (policy)
  std::string access_token{};  // TUNEFLEET_CYANITE_ACCESS_TOKEN[_FILE]; never logged
  // TUNEFLEET_CYANITE_PENDING_WAIT: how long a job whose analysis is pending waits in the delay
  // tiers before it asks again (the tier at least that long).
  std::chrono::milliseconds pending_wait{30000};
  // TUNEFLEET_CYANITE_PENDING_MAX: how long after its first pending round a job gives up on an
  // analysis that never finishes: it ends not_found (never dead-lettered, never asked forever).
  std::chrono::milliseconds pending_max{std::chrono::hours(24)};
};

// Reads the access token (required: a missing token is a config::ConfigError naming it) and
// the pending wait and cap; the base URL comes from the provider settings.
CyaniteSettings LoadCyaniteSettings(const config::Env& env, const runtime::ProviderSettings& provider);

// Cyanite as a provider, for track jobs with a spotify_id (the job's: docs/providers/CYANITE.md).
// spotifyTrack(id) first: a finished analysis is the record; a failed one, or a track Cyanite
// does not know, a not_found record; NotStarted sends spotifyTrackEnqueue; a pending analysis
// (Enqueued, Processing, or just enqueued) ends the attempt with a transient, not-attempted
// error whose retry_after is the pending wait: the runtime republishes the job to a delay tier
// and acks the delivery (nothing is held while Cyanite works), and the count of attempts is
// kept, so waiting never dead-letters the job; once the job has been pending for pending_max
// (runtime::JobHistory, counted by the runtime in its headers), it ends not_found with the
// reason in `raw`: the analysis never finished. An enqueue refused for good (no preview) is
// not_found. A job without a spotify_id is not_found without a call. Loop thread only; jobs
// end by provider.hpp's lifetime rule ("cyanite: shutting down").
class CyaniteProvider : public runtime::Provider {
 public:
  CyaniteProvider(gateway::Gateway& gateway, CyaniteSettings settings,
                  const normalize::Vocabulary& vocabulary = normalize::Vocabulary::Default());
  ~CyaniteProvider() override;
  CyaniteProvider(const CyaniteProvider&) = delete;
  CyaniteProvider& operator=(const CyaniteProvider&) = delete;

  // runtime::Provider
  std::string_view Name() const override { return "cyanite"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override;
  void EnrichWithHistory(const json::Job& job, const runtime::JobHistory& history, runtime::EnrichDone done) override;
  void Close() override;

 private:
  struct Flow;
  // One GraphQL operation through the gateway (POST <base>/graphql, not cached); `done` runs
  // under jobs_.Guard.
  void Call(const std::string& endpoint, std::string body, gateway::CallDone done);
  void TrackAnswered(const std::shared_ptr<Flow>& flow, core::Result<http::Response> result);
  void EnqueueAnswered(const std::shared_ptr<Flow>& flow, core::Result<http::Response> result);
  // Ends the job by the analysis' state (not NotStarted).
  void FinishWith(const std::shared_ptr<Flow>& flow, const Analysis& analysis, std::string raw);
  void FinishError(const std::shared_ptr<Flow>& flow, const core::Error& error);

  gateway::Gateway& gateway_;
  CyaniteSettings settings_;
  const normalize::Vocabulary& vocabulary_;
  logging::Logger logger_{"cyanite"};
  std::shared_ptr<bool> auth_error_logged_ = std::make_shared<bool>(false);
  runtime::PendingJobs jobs_{"cyanite"};
};

}  // namespace cyanite
