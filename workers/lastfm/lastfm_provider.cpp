#include "workers/lastfm/lastfm_provider.hpp"

#include <utility>

namespace lastfm {

LastfmSettings LoadLastfmSettings(const config::Env& env, const runtime::ProviderSettings& provider) {
  LastfmSettings s;
  s.base_url = provider.policy.base_url;
  s.api_key = env.Secret("TUNEFLEET_LASTFM_API_KEY", "");
  if (s.api_key.empty()) {
    throw config::ConfigError(
        "TUNEFLEET_LASTFM_API_KEY is not set; set it (or TUNEFLEET_LASTFM_API_KEY_FILE) to a Last.fm API key "
        "(any value works against provider-sim)");
  }
  s.tags_ttl = provider.CacheTtl("TAGS_TTL");
  return s;
}

struct LastfmProvider::TrackFlow {
  json::TrackJob job;
  runtime::PendingJob done;
  TrackAnswers answers;
  int pending = 0;
  std::optional<core::Error> error;
};

struct LastfmProvider::AlbumFlow {
  json::AlbumJob job;
  runtime::PendingJob done;
  AlbumAnswers answers;
};

LastfmProvider::LastfmProvider(gateway::Gateway& gateway, LastfmSettings settings,
                               const normalize::Vocabulary& vocabulary)
    : gateway_(gateway), settings_(std::move(settings)), vocabulary_(vocabulary) {}

LastfmProvider::~LastfmProvider() { jobs_.Close(); }

void LastfmProvider::Close() { jobs_.Close(); }

void LastfmProvider::Call(const std::string& method, const Params& params, gateway::CallDone done) {
  http::Request request;
  request.url = MethodUrl(settings_.base_url, method, params, settings_.api_key);
  gateway::CallOptions options;
  options.endpoint = method;
  options.cache_key = method;
  for (const auto& [key, value] : params) {
    if (key != "autocorrect") options.cache_key += ":" + KeyPart(value);
  }
  options.cache_ttl = settings_.tags_ttl;
  options.classify = [method, logger = logger_, logged = key_error_logged_](const http::Response& response) {
    auto error = ClassifyBody(response.body, method);
    if (error && !*logged) {
      if (auto code = ErrorCode(response.body); code && IsApiKeyError(*code)) {
        *logged = true;
        logger.Error("Last.fm refuses the API key: check TUNEFLEET_LASTFM_API_KEY; every job is dead-lettered until then",
                     {{"error", *code}, {"message", error->message}});
      }
    }
    return error;
  };
  gateway_.Call(std::move(request), std::move(options), jobs_.Guard(std::move(done)));
}

void LastfmProvider::Enrich(const json::Job& job, runtime::EnrichDone done) {
  runtime::PendingJob pending = jobs_.Add(std::move(done));
  if (!pending.pending()) return;  // closed: answered already (shutting down), nothing is sent
  if (const auto* track = std::get_if<json::TrackJob>(&job)) {
    EnrichTrack(*track, std::move(pending));
  } else if (const auto* album = std::get_if<json::AlbumJob>(&job)) {
    EnrichAlbum(*album, std::move(pending));
  } else {
    pending.Finish(core::Error::InvalidInput("lastfm: only track and album jobs are enriched"));
  }
}

void LastfmProvider::EnrichTrack(const json::TrackJob& job, runtime::PendingJob done) {
  auto flow = std::make_shared<TrackFlow>();
  flow->job = job;
  flow->done = std::move(done);
  Call("track.getTopTags", {{"artist", job.artist}, {"track", job.title}, {"autocorrect", "1"}},
       [this, flow](core::Result<http::Response> result) { TrackTagsAnswered(flow, std::move(result)); });
}

void LastfmProvider::TrackTagsAnswered(const std::shared_ptr<TrackFlow>& flow, core::Result<http::Response> result) {
  if (!result) {
    if (result.error().kind == core::ErrorKind::kNotFound) {
      flow->done.Finish(runtime::Enrichment{{NotFoundTrack(flow->job)}, {}});
    } else {
      flow->done.Finish(result.error());
    }
    return;
  }
  auto tags = ParseTopTags(result->body, "track.getTopTags");
  if (!tags) {
    flow->done.Finish(tags.error());
    return;
  }
  flow->answers.track_tags = std::move(*tags);
  flow->answers.raw.emplace_back("track.getTopTags", std::move(result->body));
  const json::TrackJob& job = flow->job;
  bool want_info = !job.duration_ms || !job.mbid || !job.album;
  bool want_artist_tags = flow->answers.track_tags->tags.empty();
  flow->pending = (want_info ? 1 : 0) + (want_artist_tags ? 1 : 0);
  if (flow->pending == 0) {
    FinishTrack(flow);
    return;
  }
  // A second call that is not found only leaves its part out; any other error fails the job
  // (a retry is cheap: the answers that arrived are cached).
  auto settle = [this, flow](const core::Error* error) {
    if (error != nullptr && error->kind != core::ErrorKind::kNotFound && !flow->error) flow->error = *error;
    if (--flow->pending == 0) FinishTrack(flow);
  };
  if (want_info) {
    Call("track.getInfo", {{"artist", job.artist}, {"track", job.title}, {"autocorrect", "1"}},
         [flow, settle](core::Result<http::Response> r) {
           if (!r) return settle(&r.error());
           auto info = ParseTrackInfo(r->body, "track.getInfo");
           if (!info) return settle(&info.error());
           flow->answers.info = std::move(*info);
           flow->answers.raw.emplace_back("track.getInfo", std::move(r->body));
           settle(nullptr);
         });
  }
  if (want_artist_tags) {
    Call("artist.getTopTags", {{"artist", job.artist}, {"autocorrect", "1"}},
         [flow, settle](core::Result<http::Response> r) {
           if (!r) return settle(&r.error());
           auto artist_tags = ParseTopTags(r->body, "artist.getTopTags");
           if (!artist_tags) return settle(&artist_tags.error());
           flow->answers.artist_tags = std::move(*artist_tags);
           flow->answers.raw.emplace_back("artist.getTopTags", std::move(r->body));
           settle(nullptr);
         });
  }
}

void LastfmProvider::FinishTrack(const std::shared_ptr<TrackFlow>& flow) {
  if (flow->error) {
    flow->done.Finish(*flow->error);
    return;
  }
  flow->done.Finish(runtime::Enrichment{{TrackRecordFrom(flow->job, flow->answers, vocabulary_)}, {}});
}

void LastfmProvider::EnrichAlbum(const json::AlbumJob& job, runtime::PendingJob done) {
  auto flow = std::make_shared<AlbumFlow>();
  flow->job = job;
  flow->done = std::move(done);
  Call("album.getInfo", {{"artist", job.artist}, {"album", job.album}, {"autocorrect", "1"}},
       [this, flow](core::Result<http::Response> result) { AlbumInfoAnswered(flow, std::move(result)); });
}

void LastfmProvider::AlbumInfoAnswered(const std::shared_ptr<AlbumFlow>& flow, core::Result<http::Response> result) {
  if (!result) {
    if (result.error().kind == core::ErrorKind::kNotFound) {
      flow->done.Finish(runtime::Enrichment{{}, {NotFoundAlbum(flow->job)}});
    } else {
      flow->done.Finish(result.error());
    }
    return;
  }
  auto info = ParseAlbumInfo(result->body, "album.getInfo");
  if (!info) {
    flow->done.Finish(info.error());
    return;
  }
  flow->answers.info = std::move(*info);
  flow->answers.raw.emplace_back("album.getInfo", std::move(result->body));
  if (!flow->answers.info->tags.empty()) {
    flow->done.Finish(runtime::Enrichment{{}, {AlbumRecordFrom(flow->job, flow->answers, vocabulary_)}});
    return;
  }
  Call("artist.getTopTags", {{"artist", flow->job.artist}, {"autocorrect", "1"}},
       [this, flow](core::Result<http::Response> r) {
         if (!r && r.error().kind != core::ErrorKind::kNotFound) {
           flow->done.Finish(r.error());
           return;
         }
         if (r) {
           auto tags = ParseTopTags(r->body, "artist.getTopTags");
           if (!tags) {
             flow->done.Finish(tags.error());
             return;
           }
           flow->answers.artist_tags = std::move(*tags);
           flow->answers.raw.emplace_back("artist.getTopTags", std::move(r->body));
         }
         flow->done.Finish(runtime::Enrichment{{}, {AlbumRecordFrom(flow->job, flow->answers, vocabulary_)}});
       });
}

}  // namespace lastfm
