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
#include "workers/lastfm/lastfm_parse.hpp"

namespace lastfm {

struct LastfmSettings {
  std::string base_url = "https://ws.audioscrobbler.com";  // TUNEFLEET_LASTFM_BASE_URL (policy)
  std::string api_key{};                                    // TUNEFLEET_LASTFM_API_KEY[_FILE]; never logged
  std::chrono::seconds tags_ttl{};  // TUNEFLEET_LASTFM_TAGS_TTL: cache of every answer (lastfm_spec.cpp)
};

// Reads the API key (required: a missing key is a config::ConfigError naming it); the base
// URL and the cache TTL come from the provider settings.
LastfmSettings LoadLastfmSettings(const config::Env& env, const runtime::ProviderSettings& provider);

// Last.fm as a provider. A track job: track.getTopTags, then track.getInfo when the job
// lacks a duration, an mbid or an album, and artist.getTopTags when the track has no tags
// (both at once). An album job: album.getInfo, then artist.getTopTags when it has no tags.
// Error 6 becomes a not_found record. Loop thread only; jobs end by provider.hpp's lifetime
// rule (Close or destruction finishes the pending ones as "lastfm: shutting down").
class LastfmProvider : public runtime::Provider {
 public:
  LastfmProvider(gateway::Gateway& gateway, LastfmSettings settings,
                 const normalize::Vocabulary& vocabulary = normalize::Vocabulary::Default());
  ~LastfmProvider() override;
  LastfmProvider(const LastfmProvider&) = delete;
  LastfmProvider& operator=(const LastfmProvider&) = delete;

  // runtime::Provider
  std::string_view Name() const override { return "lastfm"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override;
  void Close() override;

 private:
  struct TrackFlow;
  struct AlbumFlow;
  using Params = std::vector<std::pair<std::string, std::string>>;
  // One method call through the gateway, cached under method:<key parts>; `done` runs under
  // jobs_.Guard.
  void Call(const std::string& method, const Params& params, gateway::CallDone done);
  void EnrichTrack(const json::TrackJob& job, runtime::PendingJob done);
  void TrackTagsAnswered(const std::shared_ptr<TrackFlow>& flow, core::Result<http::Response> result);
  void FinishTrack(const std::shared_ptr<TrackFlow>& flow);
  void EnrichAlbum(const json::AlbumJob& job, runtime::PendingJob done);
  void AlbumInfoAnswered(const std::shared_ptr<AlbumFlow>& flow, core::Result<http::Response> result);

  gateway::Gateway& gateway_;
  LastfmSettings settings_;
  const normalize::Vocabulary& vocabulary_;
  logging::Logger logger_{"lastfm"};
  std::shared_ptr<bool> key_error_logged_ = std::make_shared<bool>(false);
  runtime::PendingJobs jobs_{"lastfm"};
};

}  // namespace lastfm
