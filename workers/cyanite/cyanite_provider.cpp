#include "workers/cyanite/cyanite_provider.hpp"

#include <utility>

namespace cyanite {

CyaniteSettings LoadCyaniteSettings(const config::Env& env, const runtime::ProviderSettings& provider) {
  CyaniteSettings s;
  s.base_url = provider.policy.base_url;
  s.access_token = env.Secret("TUNEFLEET_CYANITE_ACCESS_TOKEN", "");
  if (s.access_token.empty()) {
    throw config::ConfigError(
        "TUNEFLEET_CYANITE_ACCESS_TOKEN is not set; set it (or TUNEFLEET_CYANITE_ACCESS_TOKEN_FILE) to a Cyanite "
        "integration access token (any value works against provider-sim)");
  }
  s.pending_wait = env.Duration("TUNEFLEET_CYANITE_PENDING_WAIT", s.pending_wait, std::chrono::milliseconds(1000));
  s.pending_max = env.Duration("TUNEFLEET_CYANITE_PENDING_MAX", s.pending_max, std::chrono::milliseconds(1000));
  return s;
}

struct CyaniteProvider::Flow {
  json::TrackJob job;
  std::string spotify_id;
  runtime::JobHistory history;
  runtime::PendingJob done;
};

CyaniteProvider::CyaniteProvider(gateway::Gateway& gateway, CyaniteSettings settings,
                                 const normalize::Vocabulary& vocabulary)
    : gateway_(gateway), settings_(std::move(settings)), vocabulary_(vocabulary) {}

CyaniteProvider::~CyaniteProvider() { jobs_.Close(); }

void CyaniteProvider::Close() { jobs_.Close(); }

void CyaniteProvider::Call(const std::string& endpoint, std::string body, gateway::CallDone done) {
  http::Request request;
  request.method = "POST";
  request.url = settings_.base_url;
  while (!request.url.empty() && request.url.back() == '/') request.url.pop_back();
  request.url += "/graphql";
  request.headers = {{"Authorization", "Bearer " + settings_.access_token},
                     {"Content-Type", "application/json"}};
  request.body = std::move(body);
  gateway::CallOptions options;
  options.endpoint = endpoint;
  options.use_cache = false;  // an analysis changes state between deliveries (cyanite_spec.cpp)
  options.classify = [endpoint, logger = logger_, logged = auth_error_logged_](const http::Response& response) {
    auto error = ClassifyBody(response.body, endpoint);
    if (error && !*logged) {
      if (auto code = ErrorCode(response.body); code && IsAuthError(*code)) {
        *logged = true;
        logger.Error("Cyanite refuses the access token: check TUNEFLEET_CYANITE_ACCESS_TOKEN; every job is "
                     "dead-lettered until then",
                     {{"code", *code}, {"message", error->message}});
      }
    }
    return error;
  };
  gateway_.Call(std::move(request), std::move(options), jobs_.Guard(std::move(done)));
}

void CyaniteProvider::Enrich(const json::Job& job, runtime::EnrichDone done) {
  EnrichWithHistory(job, runtime::JobHistory{}, std::move(done));
}

void CyaniteProvider::EnrichWithHistory(const json::Job& job, const runtime::JobHistory& history,
                                        runtime::EnrichDone done) {
  runtime::PendingJob pending = jobs_.Add(std::move(done));
  if (!pending.pending()) return;  // closed: answered already (shutting down), nothing is sent
  const auto* track = std::get_if<json::TrackJob>(&job);
  if (track == nullptr) {
    pending.Finish(core::Error::InvalidInput("cyanite: only track jobs are enriched (Cyanite analyses tracks)"));
    return;
  }
  if (!track->spotify_id || track->spotify_id->empty()) {
    // Nothing to analyse: Cyanite is asked by Spotify id only.
    pending.Finish(runtime::Enrichment{{NotFoundTrack(*track)}, {}});
    return;
  }
  auto flow = std::make_shared<Flow>();
  flow->job = *track;
  flow->spotify_id = *track->spotify_id;
  flow->history = history;
  flow->done = std::move(pending);
  Call("spotifyTrack", SpotifyTrackRequest(flow->spotify_id),
       [this, flow](core::Result<http::Response> result) { TrackAnswered(flow, std::move(result)); });
}

void CyaniteProvider::FinishError(const std::shared_ptr<Flow>& flow, const core::Error& error) {
  if (error.kind == core::ErrorKind::kNotFound) {
    flow->done.Finish(runtime::Enrichment{{NotFoundTrack(flow->job)}, {}});
  } else {
    flow->done.Finish(error);
  }
}

void CyaniteProvider::TrackAnswered(const std::shared_ptr<Flow>& flow, core::Result<http::Response> result) {
  if (!result) return FinishError(flow, result.error());
  auto answer = ParseSpotifyTrack(result->body);
  if (!answer) return FinishError(flow, answer.error());
  if (!answer->found) {
    return FinishError(flow, core::Error::NotFound("cyanite spotifyTrack: SpotifyTrackError " + answer->message));
  }
  if (answer->analysis.state == AnalysisState::kNotStarted) {
    Call("spotifyTrackEnqueue", SpotifyTrackEnqueueRequest(flow->spotify_id),
         [this, flow](core::Result<http::Response> r) { EnqueueAnswered(flow, std::move(r)); });
    return;
  }
  FinishWith(flow, answer->analysis, "{\"spotifyTrack\":" + result->body + "}");
}

void CyaniteProvider::EnqueueAnswered(const std::shared_ptr<Flow>& flow, core::Result<http::Response> result) {
  if (!result) return FinishError(flow, result.error());
  auto answer = ParseEnqueue(result->body);
  if (!answer) return FinishError(flow, answer.error());
  if (!answer->enqueued) return FinishError(flow, EnqueueErrorFor(*answer));
  Analysis analysis = answer->analysis;
  // Just enqueued: whatever the answer says, it is not finished before the next delivery.
  if (analysis.state == AnalysisState::kNotStarted) analysis.state = AnalysisState::kEnqueued;
  FinishWith(flow, analysis, "{\"spotifyTrackEnqueue\":" + result->body + "}");
}

void CyaniteProvider::FinishWith(const std::shared_ptr<Flow>& flow, const Analysis& analysis, std::string raw) {
  std::string what = "cyanite: analysis of spotify track " + flow->spotify_id + " is " +
                     std::string(StateName(analysis.state));
  switch (analysis.state) {
    case AnalysisState::kFinished:
      flow->done.Finish(runtime::Enrichment{
          {TrackRecordFrom(flow->job, flow->spotify_id, *analysis.result, std::move(raw), vocabulary_)}, {}});
      return;
    case AnalysisState::kFailed:
      // Cyanite could not analyse the audio (no preview, unreadable): it will not later either.
      logger_.Info("cyanite analysis failed; the track is not_found",
                   {{"job_id", flow->job.job_id}, {"spotify_id", flow->spotify_id}, {"message", analysis.message}});
      flow->done.Finish(runtime::Enrichment{{NotFoundTrack(flow->job)}, {}});
      return;
    case AnalysisState::kNotAuthorized:
      flow->done.Finish(core::Error::InvalidInput(
          what + (analysis.message.empty() ? "" : ": " + analysis.message) +
          " (the account behind TUNEFLEET_CYANITE_ACCESS_TOKEN may not analyse Spotify tracks)"));
      return;
    case AnalysisState::kNotStarted:
    case AnalysisState::kEnqueued:
    case AnalysisState::kProcessing:
      if (flow->history.pending_since &&
          std::chrono::system_clock::now() - *flow->history.pending_since >= settings_.pending_max) {
        // Cyanite never finished it: asking every pending wait forever helps nobody.
        auto waited = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() -
                                                                       *flow->history.pending_since);
        std::string reason = "the analysis never finished: still " + std::string(StateName(analysis.state)) +
                             " after " + std::to_string(waited.count()) + " s and " +
                             std::to_string(flow->history.pending_rounds) +
                             " pending rounds (TUNEFLEET_CYANITE_PENDING_MAX " +
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(settings_.pending_max).count()) +
                             " s)";
        logger_.Info("cyanite analysis never finished; the track is not_found",
                     {{"job_id", flow->job.job_id}, {"spotify_id", flow->spotify_id}, {"reason", reason}});
        catalog::TrackRecord record = NotFoundTrack(flow->job);
        record.raw_json = GaveUpRaw(reason, raw);
        flow->done.Finish(runtime::Enrichment{{std::move(record)}, {}});
        return;
      }
      // Not a failure and not a call to repeat now: the job waits in a delay tier, unacked by
      // nobody, and asks again; the attempt count is kept, so waiting never dead-letters it.
      flow->done.Finish(core::Error::Pending(what + ": pending, asking again later", settings_.pending_wait));
      return;
  }
}

}  // namespace cyanite
