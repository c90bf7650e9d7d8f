#include "workers/musicbrainz/musicbrainz_provider.hpp"

#include <utility>

namespace musicbrainz {

MusicBrainzSettings LoadMusicBrainzSettings(const runtime::ProviderSettings& provider) {
  MusicBrainzSettings s;
  s.base_url = provider.policy.base_url;
  s.lookup_ttl = provider.CacheTtl("LOOKUP_TTL");
  s.search_ttl = provider.CacheTtl("SEARCH_TTL");
  if (provider.policy.user_agent.empty()) {
    throw config::ConfigError("TUNEFLEET_MUSICBRAINZ_USER_AGENT is empty; MusicBrainz blocks anonymous clients "
                              "(use \"app/version ( contact )\")");
  }
  return s;
}

struct MusicBrainzProvider::TrackFlow {
  json::TrackJob job;
  runtime::PendingJob done;
};

struct MusicBrainzProvider::AlbumFlow {
  json::AlbumJob job;
  runtime::PendingJob done;
};

MusicBrainzProvider::MusicBrainzProvider(gateway::Gateway& gateway, MusicBrainzSettings settings,
                                         const normalize::Vocabulary& vocabulary)
    : gateway_(gateway), settings_(std::move(settings)), vocabulary_(vocabulary) {}

MusicBrainzProvider::~MusicBrainzProvider() { jobs_.Close(); }

void MusicBrainzProvider::Close() { jobs_.Close(); }

void MusicBrainzProvider::Call(std::string url, std::string endpoint, std::string cache_key, std::chrono::seconds ttl,
                               gateway::CallDone done) {
  http::Request request;
  request.url = std::move(url);
  gateway::CallOptions options;
  options.endpoint = endpoint;
  options.cache_key = std::move(cache_key);
  options.cache_ttl = ttl;
  options.classify = [endpoint](const http::Response& response) { return ClassifyBody(response.body, endpoint); };
  gateway_.Call(std::move(request), std::move(options), jobs_.Guard(std::move(done)));
}

void MusicBrainzProvider::Enrich(const json::Job& job, runtime::EnrichDone done) {
  runtime::PendingJob pending = jobs_.Add(std::move(done));
  if (!pending.pending()) return;  // closed: answered already (shutting down), nothing is sent
  if (const auto* track = std::get_if<json::TrackJob>(&job)) {
    auto flow = std::make_shared<TrackFlow>(TrackFlow{*track, std::move(pending)});
    if (track->mbid) LookupRecording(flow, *track->mbid, std::nullopt, "");
    else if (track->isrc) LookupIsrc(flow);
    else SearchRecording(flow);
  } else if (const auto* album = std::get_if<json::AlbumJob>(&job)) {
    auto flow = std::make_shared<AlbumFlow>(AlbumFlow{*album, std::move(pending)});
    if (album->mbid) LookupReleaseGroup(flow, *album->mbid, std::nullopt, "");
    else SearchReleaseGroup(flow);
  } else {
    pending.Finish(core::Error::InvalidInput("musicbrainz: only track and album jobs are enriched"));
  }
}

void MusicBrainzProvider::FinishTrack(const std::shared_ptr<TrackFlow>& flow, const Recording& recording,
                                      std::string raw) {
  flow->done.Finish(runtime::Enrichment{{TrackRecordFrom(flow->job, recording, std::move(raw), vocabulary_)}, {}});
}

void MusicBrainzProvider::LookupRecording(const std::shared_ptr<TrackFlow>& flow, const std::string& mbid,
                                          std::optional<Recording> fallback, std::string fallback_raw) {
  Call(RecordingUrl(settings_.base_url, mbid), "recording", "recording:" + KeyPart(mbid), settings_.lookup_ttl,
       [this, flow, fallback = std::move(fallback), fallback_raw = std::move(fallback_raw)](
           core::Result<http::Response> result) mutable {
         if (!result) {
           if (result.error().kind != core::ErrorKind::kNotFound) return flow->done.Finish(result.error());
           // Found by search but gone by id (merged or deleted since): write what the search said.
           if (fallback) return FinishTrack(flow, *fallback, std::move(fallback_raw));
           return flow->done.Finish(runtime::Enrichment{{NotFoundTrack(flow->job)}, {}});
         }
         auto recording = ParseRecording(result->body, "recording");
         if (!recording) return flow->done.Finish(recording.error());
         FinishTrack(flow, *recording, std::move(result->body));
       });
}

void MusicBrainzProvider::LookupIsrc(const std::shared_ptr<TrackFlow>& flow) {
  const std::string& isrc = *flow->job.isrc;
  Call(IsrcUrl(settings_.base_url, isrc), "isrc", "isrc:" + KeyPart(isrc), settings_.lookup_ttl,
       [this, flow](core::Result<http::Response> result) {
         if (!result) {
           // An ISRC MusicBrainz does not know says nothing about the recording: search by name.
           if (result.error().kind == core::ErrorKind::kNotFound) return SearchRecording(flow);
           return flow->done.Finish(result.error());
         }
         auto recordings = ParseIsrc(result->body, "isrc");
         if (!recordings) return flow->done.Finish(recordings.error());
         const Recording* best = BestRecording(*recordings, flow->job.title);
         if (best == nullptr) return SearchRecording(flow);
         FinishTrack(flow, *best, std::move(result->body));
       });
}

void MusicBrainzProvider::SearchRecording(const std::shared_ptr<TrackFlow>& flow) {
  const json::TrackJob& job = flow->job;
  Call(RecordingSearchUrl(settings_.base_url, job.artist, job.title), "recording-search",
       "recording-search:" + KeyPart(job.artist) + ":" + KeyPart(job.title), settings_.search_ttl,
       [this, flow](core::Result<http::Response> result) {
         if (!result) {
           if (result.error().kind == core::ErrorKind::kNotFound) {
             return flow->done.Finish(runtime::Enrichment{{NotFoundTrack(flow->job)}, {}});
           }
           return flow->done.Finish(result.error());
         }
         auto recordings = ParseRecordingSearch(result->body, "recording-search");
         if (!recordings) return flow->done.Finish(recordings.error());
         const Recording* best = BestRecording(*recordings, flow->job.title);
         if (best == nullptr) return flow->done.Finish(runtime::Enrichment{{NotFoundTrack(flow->job)}, {}});
         if (NeedsLookup(*best)) return LookupRecording(flow, best->id, *best, std::move(result->body));
         FinishTrack(flow, *best, std::move(result->body));
       });
}

void MusicBrainzProvider::LookupReleaseGroup(const std::shared_ptr<AlbumFlow>& flow, const std::string& mbid,
                                             std::optional<ReleaseGroup> fallback, std::string fallback_raw) {
  // "releases:" in the key: entries cached before the lookup asked for inc=releases list none.
  Call(ReleaseGroupUrl(settings_.base_url, mbid), "release-group", "release-group:releases:" + KeyPart(mbid),
       settings_.lookup_ttl,
       [this, flow, fallback = std::move(fallback), fallback_raw = std::move(fallback_raw)](
           core::Result<http::Response> result) mutable {
         if (!result) {
           if (result.error().kind != core::ErrorKind::kNotFound) return flow->done.Finish(result.error());
           if (fallback) {
             return flow->done.Finish(runtime::Enrichment{
                 {}, {AlbumRecordFrom(flow->job, *fallback, std::move(fallback_raw), vocabulary_)}});
           }
           return flow->done.Finish(runtime::Enrichment{{}, {NotFoundAlbum(flow->job)}});
         }
         auto group = ParseReleaseGroup(result->body, "release-group");
         if (!group) return flow->done.Finish(group.error());
         auto record = AlbumRecordFrom(flow->job, *group, std::move(result->body), vocabulary_);
         FinishAlbum(flow, *group, std::move(record));
       });
}

void MusicBrainzProvider::FinishAlbum(const std::shared_ptr<AlbumFlow>& flow, const ReleaseGroup& group,
                                      catalog::AlbumRecord record) {
  const ReleaseSummary* release =
      settings_.tracklists ? PickRelease(group.releases, flow->job.album, flow->job.upc) : nullptr;
  if (release == nullptr) return flow->done.Finish(runtime::Enrichment{{}, {std::move(record)}});
  auto pending = std::make_shared<catalog::AlbumRecord>(std::move(record));
  Call(ReleaseUrl(settings_.base_url, release->id), "release", "release:" + KeyPart(release->id), settings_.lookup_ttl,
       [flow, pending](core::Result<http::Response> result) {
         if (!result) {
           // Gone since the group listed it (merged or deleted): the album without a tracklist.
           if (result.error().kind == core::ErrorKind::kNotFound) {
             return flow->done.Finish(runtime::Enrichment{{}, {std::move(*pending)}});
           }
           return flow->done.Finish(result.error());
         }
         auto parsed = ParseRelease(result->body, "release", flow->job.artist);
         if (!parsed) return flow->done.Finish(parsed.error());
         pending->tracklist = std::move(parsed->tracklist);
         flow->done.Finish(runtime::Enrichment{{}, {std::move(*pending)}});
       });
}

void MusicBrainzProvider::SearchReleaseGroup(const std::shared_ptr<AlbumFlow>& flow) {
  const json::AlbumJob& job = flow->job;
  Call(ReleaseGroupSearchUrl(settings_.base_url, job.artist, job.album), "release-group-search",
       "release-group-search:" + KeyPart(job.artist) + ":" + KeyPart(job.album), settings_.search_ttl,
       [this, flow](core::Result<http::Response> result) {
         if (!result) {
           if (result.error().kind == core::ErrorKind::kNotFound) {
             return flow->done.Finish(runtime::Enrichment{{}, {NotFoundAlbum(flow->job)}});
           }
           return flow->done.Finish(result.error());
         }
         auto groups = ParseReleaseGroupSearch(result->body, "release-group-search");
         if (!groups) return flow->done.Finish(groups.error());
         const ReleaseGroup* best = BestReleaseGroup(*groups, flow->job.album);
         if (best == nullptr) return flow->done.Finish(runtime::Enrichment{{}, {NotFoundAlbum(flow->job)}});
         // For a tracklist always looked up, tagged or not: only the lookup lists the group's
         // releases with their dates, and one of them brings the tracklist.
         if (settings_.tracklists || NeedsLookup(*best)) {
           return LookupReleaseGroup(flow, best->id, *best, std::move(result->body));
         }
         flow->done.Finish(
             runtime::Enrichment{{}, {AlbumRecordFrom(flow->job, *best, std::move(result->body), vocabulary_)}});
       });
}

}  // namespace musicbrainz
