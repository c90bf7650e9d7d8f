#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/config/env.hpp"
#include "common/gateway/gateway.hpp"
#include "common/normalize/vocabulary.hpp"
#include "common/runtime/pending_jobs.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/provider_settings.hpp"
#include "workers/musicbrainz/musicbrainz_parse.hpp"

namespace musicbrainz {

struct MusicBrainzSettings {
  std::string base_url = "https://musicbrainz.org";  // TUNEFLEET_MUSICBRAINZ_BASE_URL (policy)
  // Cache TTLs: defaults in musicbrainz_spec.cpp, read by the runtime (ProviderSettings::CacheTtl).
  std::chrono::seconds lookup_ttl{};  // TUNEFLEET_MUSICBRAINZ_LOOKUP_TTL: ISRC and id lookups
  std::chrono::seconds search_ttl{};  // TUNEFLEET_MUSICBRAINZ_SEARCH_TTL: searches
  // Album jobs fetch a release's tracklist (TUNEFLEET_ALBUM_TRACKS, ProviderContext); false:
  // a tagged search hit is the album (no group lookup) and no release is looked up.
  bool tracklists = true;
};

// Everything comes from the provider settings: the base URL, the cache TTLs and the User-Agent
// (sent on every request; an empty one is a config::ConfigError). MusicBrainz has no variables
// of its own beyond those.
MusicBrainzSettings LoadMusicBrainzSettings(const runtime::ProviderSettings& provider);

// MusicBrainz as a provider. A track job: recording lookup when the job has an mbid; else
// ISRC lookup when it has an ISRC (a miss falls back to the search); else a recording search
// (Lucene, escaped), best score, and a lookup only when the hit carries neither tags nor
// genres. An album job: release-group lookup by mbid, or search then that lookup (it lists
// the group's releases, which searches do not date); then the lookup of one release
// (PickRelease) for the tracklist; with `tracklists` off (TUNEFLEET_ALBUM_TRACKS=false) a tagged
// search hit is the album and no release is looked up. 404 / no hits become not_found records; a release that is
// gone (404) leaves the album without a tracklist. Loop thread only; jobs end by provider.hpp's
// lifetime rule (Close or destruction finishes the pending ones as "musicbrainz: shutting down").
class MusicBrainzProvider : public runtime::Provider {
 public:
  MusicBrainzProvider(gateway::Gateway& gateway, MusicBrainzSettings settings,
                      const normalize::Vocabulary& vocabulary = normalize::Vocabulary::Default());
  ~MusicBrainzProvider() override;
  MusicBrainzProvider(const MusicBrainzProvider&) = delete;
  MusicBrainzProvider& operator=(const MusicBrainzProvider&) = delete;

  // runtime::Provider
  std::string_view Name() const override { return "musicbrainz"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override;
  void Close() override;

 private:
  struct TrackFlow;
  struct AlbumFlow;
  // One GET through the gateway; `done` runs under jobs_.Guard.
  void Call(std::string url, std::string endpoint, std::string cache_key, std::chrono::seconds ttl,
            gateway::CallDone done);
  void LookupRecording(const std::shared_ptr<TrackFlow>& flow, const std::string& mbid,
                       std::optional<Recording> fallback, std::string fallback_raw);
  void SearchRecording(const std::shared_ptr<TrackFlow>& flow);
  void LookupIsrc(const std::shared_ptr<TrackFlow>& flow);
  void FinishTrack(const std::shared_ptr<TrackFlow>& flow, const Recording& recording, std::string raw);
  void LookupReleaseGroup(const std::shared_ptr<AlbumFlow>& flow, const std::string& mbid,
                          std::optional<ReleaseGroup> fallback, std::string fallback_raw);
  void SearchReleaseGroup(const std::shared_ptr<AlbumFlow>& flow);
  // Looks up the release PickRelease chooses from `group` and finishes with `record` and its
  // tracklist (without one when the group lists no release or the release is not found).
  void FinishAlbum(const std::shared_ptr<AlbumFlow>& flow, const ReleaseGroup& group, catalog::AlbumRecord record);

  gateway::Gateway& gateway_;
  MusicBrainzSettings settings_;
  const normalize::Vocabulary& vocabulary_;
  runtime::PendingJobs jobs_{"musicbrainz"};
};

}  // namespace musicbrainz
