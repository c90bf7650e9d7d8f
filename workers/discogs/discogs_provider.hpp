#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/config/env.hpp"
#include "common/gateway/gateway.hpp"
#include "common/runtime/pending_jobs.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/provider_settings.hpp"
#include "workers/discogs/discogs_parse.hpp"

namespace discogs {

// The Discogs knobs besides the shared policy (rate, burst, breaker, timeouts: runtime's
// ProviderPolicy, TUNEFLEET_DISCOGS_*).
struct DiscogsSettings {
  std::string base_url = "https://api.discogs.com";  // TUNEFLEET_DISCOGS_BASE_URL (no trailing '/')
  std::string token{};                                // TUNEFLEET_DISCOGS_TOKEN or _TOKEN_FILE; required
  bool cache = true;                                  // TUNEFLEET_DISCOGS_CACHE: use the Redis response cache
  // Cache TTLs: defaults in discogs_spec.cpp, read by the runtime (ProviderSettings::CacheTtl).
  std::chrono::seconds release_ttl{};                 // TUNEFLEET_DISCOGS_RELEASE_CACHE_TTL
  std::chrono::seconds search_ttl{};                  // TUNEFLEET_DISCOGS_SEARCH_CACHE_TTL
  std::chrono::seconds not_found_ttl{};               // TUNEFLEET_DISCOGS_NOT_FOUND_TTL (404s)
  int per_page = 5;                                   // TUNEFLEET_DISCOGS_PER_PAGE: search results looked at
};

// Reads the Discogs-only variables; throws config::ConfigError naming the variable (a
// missing token included). `provider` gives the base URL and cache TTLs already read by the runtime.
DiscogsSettings LoadDiscogsSettings(const config::Env& env, const runtime::ProviderSettings& provider);

// Request paths (with query strings) the flow sends; pure, for tests.
std::string TrackSearchPath(const json::TrackJob& job, int per_page);
std::string AlbumSearchPath(const json::AlbumJob& job, int per_page);

// The Discogs flow over the gateway. Track job: database search (artist + the job's album as
// release_title when present, else the title as track) or, with a discogs_id, the release at
// once; then GET /releases/{id} for genres, styles, date and the track's duration. Album job:
// search by release_title (or the discogs_id: release, else master), then the release. No
// result or a 404 gives a kNotFound record. Loop thread only; jobs end by provider.hpp's
// lifetime rule (Close or destruction finishes the pending ones as "discogs: shutting down").
class DiscogsProvider : public runtime::Provider {
 public:
  DiscogsProvider(gateway::Gateway& gateway, DiscogsSettings settings);
  ~DiscogsProvider() override;
  DiscogsProvider(const DiscogsProvider&) = delete;
  DiscogsProvider& operator=(const DiscogsProvider&) = delete;

  // runtime::Provider
  std::string_view Name() const override { return "discogs"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override;
  void Close() override;

 private:
  using ReleaseDone = std::function<void(core::Result<std::optional<Release>>)>;
  using HitDone = std::function<void(core::Result<std::optional<std::int64_t>>)>;
  // One GET through the gateway; `done` runs under jobs_.Guard.
  void Get(const std::string& path, const std::string& kind, std::chrono::seconds ttl, gateway::CallDone done);
  void FetchRelease(std::int64_t id, ReleaseDone on_release, bool master = false);
  void Search(const std::string& path, std::string artist, std::string title, std::optional<std::int64_t> year,
              HitDone on_hit);
  void EnrichTrack(const json::TrackJob& job, runtime::PendingJob done);
  void EnrichAlbum(const json::AlbumJob& job, runtime::PendingJob done);

  gateway::Gateway& gateway_;
  DiscogsSettings settings_;
  runtime::PendingJobs jobs_{"discogs"};
};

}  // namespace discogs
