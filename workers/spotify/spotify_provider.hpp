#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/config/env.hpp"
#include "common/resilience/clock.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/run_worker.hpp"

namespace spotify {

struct SpotifySettings {
  std::string base_url = "https://api.spotify.com";      // TUNEFLEET_SPOTIFY_BASE_URL (read by the runtime)
  std::string auth_url = "https://accounts.spotify.com";  // TUNEFLEET_SPOTIFY_AUTH_URL: POST {auth_url}/api/token
  std::string client_id{};      // TUNEFLEET_SPOTIFY_CLIENT_ID or _FILE; required
  std::string client_secret{};  // TUNEFLEET_SPOTIFY_CLIENT_SECRET or _FILE; required, never logged
  // Cache TTLs: defaults in spotify_spec.cpp, read by the runtime (ProviderSettings::CacheTtl).
  std::chrono::seconds track_ttl{};   // _TRACK_TTL: /v1/tracks/{id}
  std::chrono::seconds album_ttl{};   // _ALBUM_TTL: /v1/albums/{id}
  std::chrono::seconds search_ttl{};  // _SEARCH_TTL: /v1/search (hits and misses)
  // _BATCH_WINDOW: how long the micro-batchers gather ids. Searches arrive at the rate limit
  // (10/s), so a short window sends one multi-id call per job; 1 s shares one call among ~8.
  std::chrono::milliseconds batch_window{1000};
  std::chrono::seconds token_margin{60};  // refresh the token this long before it expires
  int search_limit = 5;                   // items per search
};

// Reads TUNEFLEET_SPOTIFY_* (the runtime already read the policy, base URL and cache TTLs). Throws
// config::ConfigError naming the variable, e.g. when the client id or secret is missing.
SpotifySettings LoadSpotifySettings(const config::Env& env, const runtime::ProviderSettings& provider);

// The Spotify flow over the gateway. Track job: token (shared, cached until shortly before
// expiry, refreshed on 401) -> /v1/tracks/{id} when the job has a spotify_id, else search by
// ISRC, else by track:"..." artist:"..." -> audio features and artist genres through two
// micro-batchers shared by all jobs in flight. Album job: album search -> /v1/albums/{id} ->
// artist genres. A search without hits is a kNotFound record. A 403 on audio features (apps
// registered after November 2024) turns them off for the life of the process; tracks are then
// written without them. Loop thread only; jobs end by provider.hpp's lifetime rule (Close or
// destruction finishes the pending ones as "spotify: shutting down").
class SpotifyProvider : public runtime::Provider {
 public:
  SpotifyProvider(SpotifySettings settings, runtime::ProviderContext& context, const resilience::Clock& clock);
  ~SpotifyProvider() override;
  SpotifyProvider(const SpotifyProvider&) = delete;
  SpotifyProvider& operator=(const SpotifyProvider&) = delete;

  // runtime::Provider
  std::string_view Name() const override { return "spotify"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override;
  void Close() override;

  // False once Spotify answered 403 to an audio-features call.
  bool audio_features_available() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spotify
