#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/config/env.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/provider_settings.hpp"

namespace gateway {
class Gateway;
}

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
// result or a 404 gives a kNotFound record. Loop thread only; calls may outlive the provider
// (they hold shared state, never `this`).
class DiscogsProvider : public runtime::Provider {
 public:
  DiscogsProvider(gateway::Gateway& gateway, DiscogsSettings settings);
  ~DiscogsProvider() override;

  // runtime::Provider
  std::string_view Name() const override { return "discogs"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace discogs
