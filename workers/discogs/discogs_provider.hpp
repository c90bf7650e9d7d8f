#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  std::chrono::seconds artist_ttl{};                  // TUNEFLEET_DISCOGS_ARTIST_CACHE_TTL
  std::chrono::seconds not_found_ttl{};               // TUNEFLEET_DISCOGS_NOT_FOUND_TTL (404s)
  int per_page = 5;                                   // TUNEFLEET_DISCOGS_PER_PAGE: search results a page
  int search_pages = 3;                               // TUNEFLEET_DISCOGS_SEARCH_PAGES: pages read at most
};

// Search candidates whose artist is looked up before the best-ranked one is taken as it is.
constexpr std::size_t kMaxCandidates = 3;

// Reads the Discogs-only variables; throws config::ConfigError naming the variable (a
// missing token included). `provider` gives the base URL and cache TTLs already read by the runtime.
DiscogsSettings LoadDiscogsSettings(const config::Env& env, const runtime::ProviderSettings& provider);

// Request paths (with query strings) the flow sends; pure, for tests.
std::string TrackSearchPath(const json::TrackJob& job, int per_page);
std::string AlbumSearchPath(const json::AlbumJob& job, int per_page);
// Page `page` of a search path: page 1 is the path itself (so its cache key is the same as
// before paging), later pages append "&page=N".
std::string PagePath(const std::string& search_path, int page);

// The Discogs flow over the gateway. Track job: database search (artist + the job's album as
// release_title when present, else the title as track) or, with a discogs_id, the release at
// once; then GET /releases/{id} for genres, styles, date and the track's duration. Album job:
// search by release_title (or the discogs_id: release, else master), then the release. No
// result or a 404 gives a kNotFound record.
// Search pages: page after page (settings.search_pages at most) until one has a release row
// naming the job's artist and title (IsMatch) or pagination says there is no next page. Then
// the ranked candidates (kMaxCandidates): each one's release, then its first artist
// (GET /artists/{id}, cached artist_ttl); the first whose artist answers to the job's artist
// (name, real name, name variations, aliases) wins, else the best-ranked one. The winning
// artist's id goes into the record's artist_discogs_id (the artists row). Loop thread only;
// jobs end by provider.hpp's lifetime rule (Close or destruction finishes the pending ones as
// "discogs: shutting down").
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
  using HitsDone = std::function<void(core::Result<std::vector<SearchHit>>)>;
  using ArtistDone = std::function<void(core::Result<std::optional<Artist>>)>;
  // A release and, when its artist answers to the job's artist, that artist's Discogs id.
  struct Resolved {
    Release release;
    std::optional<std::int64_t> artist_id;
  };
  using ResolvedDone = std::function<void(core::Result<std::optional<Resolved>>)>;
  struct SearchState;
  struct ResolveState;
  // One GET through the gateway; `done` runs under jobs_.Guard.
  void Get(const std::string& path, const std::string& kind, std::chrono::seconds ttl, gateway::CallDone done);
  void FetchRelease(std::int64_t id, ReleaseDone on_release, bool master = false);
  void FetchArtist(std::int64_t id, ArtistDone on_artist);
  // Search pages from `state->page` on; `on_hits` gets the ranked candidates.
  void SearchPages(std::shared_ptr<SearchState> state, HitsDone on_hits);
  // Candidate `state->next` onwards: release, artist, the first answering to the artist wins.
  void ResolveCandidates(std::shared_ptr<ResolveState> state);
  // A release's artist checked against `artist`.
  void WithArtist(Release release, std::string artist, ResolvedDone done);
  // Search by `path`, then the candidates resolved.
  void SearchAndResolve(const std::string& path, std::string artist, std::string title,
                        std::optional<std::int64_t> year, ResolvedDone done);
  void EnrichTrack(const json::TrackJob& job, runtime::PendingJob done);
  void EnrichAlbum(const json::AlbumJob& job, runtime::PendingJob done);

  gateway::Gateway& gateway_;
  DiscogsSettings settings_;
  runtime::PendingJobs jobs_{"discogs"};
};

}  // namespace discogs
