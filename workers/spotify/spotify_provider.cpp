#include "workers/spotify/spotify_provider.hpp"

#include <set>

#include "common/gateway/gateway.hpp"
#include "common/gateway/micro_batcher.hpp"
#include "common/http/url.hpp"
#include "common/logging/logger.hpp"
#include "common/metrics/gateway_metrics.hpp"
#include "common/runtime/pending_jobs.hpp"
#include "workers/spotify/spotify_parse.hpp"

namespace spotify {
namespace {

constexpr std::size_t kAudioFeaturesMaxIds = 100;
constexpr std::size_t kArtistsMaxIds = 50;

using Values = gateway::MicroBatcher::Values;

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// A cache-key part: ASCII lower case, whitespace collapsed, then percent-encoded so parts
// joined with ':' cannot collide. The same key always means the same request.
std::string KeyPart(std::string_view text) {
  std::string folded;
  bool space = false;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u == ' ' || u == '\t' || u == '\n' || u == '\r' || u == '\v' || u == '\f') {
      space = !folded.empty();
      continue;
    }
    if (space) folded += ' ';
    space = false;
    folded += (u < 0x80) ? static_cast<char>(std::tolower(u)) : c;
  }
  return http::PercentEncode(folded);
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ',';
    out += http::PercentEncode(id);
  }
  return out;
}

}  // namespace

SpotifySettings LoadSpotifySettings(const config::Env& env, const runtime::ProviderSettings& provider) {
  SpotifySettings s;
  s.base_url = TrimSlash(provider.policy.base_url);
  s.auth_url = TrimSlash(env.Url("TUNEFLEET_SPOTIFY_AUTH_URL", s.auth_url, {"http", "https"}));
  s.client_id = env.Secret("TUNEFLEET_SPOTIFY_CLIENT_ID", "");
  if (s.client_id.empty()) {
    throw config::ConfigError(
        "TUNEFLEET_SPOTIFY_CLIENT_ID is not set (or TUNEFLEET_SPOTIFY_CLIENT_ID_FILE): the client id of a Spotify app");
  }
  s.client_secret = env.Secret("TUNEFLEET_SPOTIFY_CLIENT_SECRET", "");
  if (s.client_secret.empty()) {
    throw config::ConfigError(
        "TUNEFLEET_SPOTIFY_CLIENT_SECRET is not set (or TUNEFLEET_SPOTIFY_CLIENT_SECRET_FILE): the app's client secret");
  }
  s.track_ttl = provider.CacheTtl("TRACK_TTL");
  s.album_ttl = provider.CacheTtl("ALBUM_TTL");
  s.search_ttl = provider.CacheTtl("SEARCH_TTL");
  s.batch_window = env.Duration("TUNEFLEET_SPOTIFY_BATCH_WINDOW", s.batch_window);
  if (s.batch_window > std::chrono::milliseconds{60000}) {
    throw config::ConfigError("TUNEFLEET_SPOTIFY_BATCH_WINDOW is longer than 60s; jobs would wait that long");
  }
  return s;
}

// Every callback handed to the gateway, a micro-batcher or the token waiters runs under
// jobs.Guard (provider.hpp's lifetime rule), so it may use `this`.
struct SpotifyProvider::Impl {
  using TokenDone = std::function<void(core::Result<std::string>)>;

  Impl(SpotifySettings s, runtime::ProviderContext& context, const resilience::Clock& c)
      : settings(std::move(s)), gateway(*context.gateway), metrics(context.metrics), clock(c) {
    features_batcher = context.make_batcher(
        kAudioFeaturesMaxIds, settings.batch_window,
        jobs.Guard([this](const std::vector<std::string>& ids, gateway::MicroBatcher::FetchDone done) {
          FetchAudioFeatures(ids, std::move(done));
        }));
    artists_batcher = context.make_batcher(
        kArtistsMaxIds, settings.batch_window,
        jobs.Guard([this](const std::vector<std::string>& ids, gateway::MicroBatcher::FetchDone done) {
          FetchArtists(ids, std::move(done));
        }));
  }

  // The pending jobs end first, as "spotify: shutting down", while the rest is still alive.
  ~Impl() { jobs.Close(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // --- token --------------------------------------------------------------------------

  void WithToken(TokenDone done) {
    if (token && clock.Now() < token_refresh_at) {
      done(*token);
      return;
    }
    token_waiters.push_back(std::move(done));
    if (token_waiters.size() == 1) FetchToken();  // otherwise a fetch is already in flight
  }

  void ForgetToken(const std::string& used) {
    if (token && *token == used) token.reset();
  }

  void FetchToken() {
    http::Request request{.method = "POST",
                          .url = settings.auth_url + "/api/token",
                          .headers = {{"Authorization", BasicAuthorization(settings.client_id, settings.client_secret)},
                                      {"Content-Type", "application/x-www-form-urlencoded"}},
                          .body = "grant_type=client_credentials"};
    gateway::CallOptions options{.endpoint = "token", .use_cache = false, .pass_statuses = {400, 401, 403}};
    gateway.Call(std::move(request), std::move(options),
                 jobs.Guard([this](core::Result<http::Response> response) { OnToken(std::move(response)); }));
  }

  void OnToken(core::Result<http::Response> response) {
    auto waiters = std::move(token_waiters);
    token_waiters.clear();
    core::Result<std::string> outcome = core::Error::Transient("spotify token: no answer");
    if (!response) {
      // A refused token says nothing about the job: never dead-letter for it.
      core::Error error = response.error();
      error.kind = core::ErrorKind::kTransient;
      outcome = error;
    } else if (response->status != 200) {
      auto error = ParseError(response->body);
      std::string why = "spotify token: HTTP " + std::to_string(response->status) +
                        (error ? " " + error->type + " " + error->message : std::string()) +
                        " (check TUNEFLEET_SPOTIFY_CLIENT_ID and TUNEFLEET_SPOTIFY_CLIENT_SECRET)";
      logger.Error("cannot get a Spotify access token", {{"status", response->status}, {"why", why}});
      outcome = core::Error::Transient(why, std::chrono::milliseconds{60000});
    } else if (auto parsed = ParseToken(response->body); !parsed) {
      outcome = core::Error::Transient(parsed.error().message);
    } else {
      token = parsed->access_token;
      auto lifetime = std::chrono::duration_cast<std::chrono::steady_clock::duration>(parsed->expires_in);
      auto margin = std::min<std::chrono::steady_clock::duration>(settings.token_margin, lifetime / 2);
      token_refresh_at = clock.Now() + lifetime - margin;
      ++tokens_fetched;
      outcome = *token;
    }
    for (auto& done : waiters) done(outcome);
  }

  // --- API calls ----------------------------------------------------------------------

  // GET {base}{path} with the bearer token; a 401 drops the token and tries once more with a
  // fresh one. A 2xx body that is not a JSON object is kInvalidInput and never cached.
  void ApiGet(std::string path, gateway::CallOptions options, gateway::CallDone done, bool refreshed = false) {
    WithToken(jobs.Guard([this, path = std::move(path), options = std::move(options), done = std::move(done),
                          refreshed](core::Result<std::string> bearer) mutable {
      if (!bearer) {
        done(bearer.error());
        return;
      }
      http::Request request{.url = settings.base_url + path, .headers = {{"Authorization", "Bearer " + *bearer}}};
      gateway::CallOptions call = options;
      call.pass_statuses.insert(401);
      call.classify = [endpoint = call.endpoint](const http::Response& r) -> std::optional<core::Error> {
        if (r.status < 200 || r.status >= 300) return std::nullopt;
        return CheckBody(r.body, endpoint);
      };
      gateway.Call(std::move(request), std::move(call),
                   jobs.Guard([this, path, options, done = std::move(done), refreshed,
                               used = *bearer](core::Result<http::Response> response) mutable {
                     if (response && response->status == 401) {
                       ForgetToken(used);
                       if (refreshed) {
                         done(core::Error::Transient("spotify " + options.endpoint +
                                                     ": HTTP 401 even with a fresh token"));
                         return;
                       }
                       ApiGet(std::move(path), std::move(options), std::move(done), true);
                       return;
                     }
                     done(std::move(response));
                   }));
    }));
  }

  void CountBatch(std::size_t ids) {
    if (metrics == nullptr) return;
    metrics->BatchedCalls().Increment();
    metrics->BatchedItems().Increment(static_cast<double>(ids));
  }

  // Until the first answer says whether this app may read audio features, one call is in
  // flight and later batches wait for it; so a 403 is seen once, not once per queued batch.
  void FetchAudioFeatures(const std::vector<std::string>& ids, gateway::MicroBatcher::FetchDone done) {
    if (!audio_features_available) {
      done(Values{});
      return;
    }
    if (features_probing && !features_confirmed) {
      parked_batches.push_back({ids, std::move(done)});
      return;
    }
    features_probing = !features_confirmed;
    CountBatch(ids.size());
    ApiGet("/v1/audio-features?ids=" + JoinIds(ids), {.endpoint = "audio_features", .pass_statuses = {403}},
           [this, done = std::move(done)](core::Result<http::Response> response) {
             features_probing = false;
             if (!response) {
               done(response.error());
             } else if (response->status == 403) {
               DisableAudioFeatures(response->body);
               done(Values{});
             } else if (auto split = SplitAudioFeatures(response->body); !split) {
               done(split.error());
             } else {
               features_confirmed = true;
               done(std::move(*split));
             }
             ReleaseParkedBatches();
           });
  }

  void ReleaseParkedBatches() {
    auto parked = std::move(parked_batches);
    parked_batches.clear();
    for (auto& [ids, done] : parked) FetchAudioFeatures(ids, std::move(done));
  }

  void DisableAudioFeatures(const std::string& body) {
    if (!audio_features_available) return;
    audio_features_available = false;
    auto error = ParseError(body);
    logger.Warn("Spotify refuses audio features for this app (403; apps registered after November 2024 have no "
                "access); tracks are written without them until the worker restarts",
                {{"message", error ? error->message : std::string()}});
  }

  void FetchArtists(const std::vector<std::string>& ids, gateway::MicroBatcher::FetchDone done) {
    CountBatch(ids.size());
    ApiGet("/v1/artists?ids=" + JoinIds(ids), {.endpoint = "artists"},
           [done = std::move(done)](core::Result<http::Response> response) {
             if (!response) {
               done(response.error());
               return;
             }
             auto split = SplitArtists(response->body);
             if (!split) done(split.error());
             else done(std::move(*split));
           });
  }

  // --- track jobs ---------------------------------------------------------------------

  struct TrackFlow {
    json::TrackJob job;
    runtime::PendingJob done;
    Track track;
    std::optional<std::string> features;
    std::vector<std::optional<Artist>> artists;
    int pending = 0;
    std::optional<core::Error> error;
  };

  void StartTrack(const json::TrackJob& job, runtime::PendingJob done) {
    auto flow = std::make_shared<TrackFlow>();
    flow->job = job;
    flow->done = std::move(done);
    if (job.spotify_id && !job.spotify_id->empty()) LookupTrack(flow);
    else if (job.isrc && !NormalizeIsrc(*job.isrc).empty()) SearchTrackByIsrc(flow);
    else SearchTrackByName(flow);
  }

  static void Fail(const std::shared_ptr<TrackFlow>& flow, core::Error error) {
    flow->done.Finish(std::move(error));
  }

  void LookupTrack(const std::shared_ptr<TrackFlow>& flow) {
    const std::string& id = *flow->job.spotify_id;
    ApiGet("/v1/tracks/" + http::PercentEncode(id),
           {.endpoint = "track", .cache_key = "track:" + id, .cache_ttl = settings.track_ttl},
           [this, flow](core::Result<http::Response> response) {
             if (!response) {
               if (response.error().kind != core::ErrorKind::kNotFound) return Fail(flow, response.error());
               // An unknown spotify_id: look the track up as if the job had none.
               if (flow->job.isrc && !NormalizeIsrc(*flow->job.isrc).empty()) return SearchTrackByIsrc(flow);
               return SearchTrackByName(flow);
             }
             auto track = ParseTrack(response->body);
             if (!track) return Fail(flow, track.error());
             OnTrack(flow, std::move(*track));
           });
  }

  void SearchTrackByIsrc(const std::shared_ptr<TrackFlow>& flow) {
    std::string isrc = NormalizeIsrc(*flow->job.isrc);
    ApiGet("/v1/search?q=" + http::PercentEncode(IsrcQuery(isrc)) + "&type=track&limit=" +
               std::to_string(settings.search_limit),
           {.endpoint = "search", .cache_key = "search:track:isrc:" + http::PercentEncode(isrc),
            .cache_ttl = settings.search_ttl},
           [this, flow](core::Result<http::Response> response) {
             if (!response) return Fail(flow, response.error());
             auto items = ParseTrackSearch(response->body);
             if (!items) return Fail(flow, items.error());
             // Spotify does not know every ISRC; the names may still find the track.
             if (items->empty()) return SearchTrackByName(flow);
             auto best = PickTrack(*items, flow->job.title, flow->job.artist);
             OnTrack(flow, std::move((*items)[*best]));
           });
  }

  void SearchTrackByName(const std::shared_ptr<TrackFlow>& flow) {
    const auto& job = flow->job;
    ApiGet("/v1/search?q=" + http::PercentEncode(TrackQuery(job.title, job.artist)) + "&type=track&limit=" +
               std::to_string(settings.search_limit),
           {.endpoint = "search", .cache_key = "search:track:" + KeyPart(job.artist) + ":" + KeyPart(job.title),
            .cache_ttl = settings.search_ttl},
           [this, flow](core::Result<http::Response> response) {
             if (!response) return Fail(flow, response.error());
             auto items = ParseTrackSearch(response->body);
             if (!items) return Fail(flow, items.error());
             auto best = PickTrack(*items, flow->job.title, flow->job.artist);
             if (!best) {
               runtime::Enrichment out;
               out.tracks.push_back(NotFoundTrack(flow->job));
               return flow->done.Finish(std::move(out));
             }
             OnTrack(flow, std::move((*items)[*best]));
           });
  }

  void OnTrack(const std::shared_ptr<TrackFlow>& flow, Track track) {
    flow->track = std::move(track);
    std::vector<std::string> artist_ids;
    for (const auto& a : flow->track.artists) {
      if (!a.id.empty() && std::find(artist_ids.begin(), artist_ids.end(), a.id) == artist_ids.end()) {
        artist_ids.push_back(a.id);
      }
    }
    flow->artists.resize(artist_ids.size());
    flow->pending = static_cast<int>(artist_ids.size()) + 1;
    auto finish_one = [flow] {
      if (--flow->pending > 0) return;
      if (flow->error) return flow->done.Finish(*flow->error);
      std::vector<Artist> artists;
      for (auto& a : flow->artists) {
        if (a) artists.push_back(std::move(*a));
      }
      runtime::Enrichment out;
      out.tracks.push_back(TrackRecordOf(flow->job, flow->track, flow->features, artists));
      flow->done.Finish(std::move(out));
    };
    if (audio_features_available) {
      features_batcher->Get(flow->track.id,
                            jobs.Guard([flow, finish_one](core::Result<std::optional<std::string>> features) {
                              if (!features) flow->error = features.error();
                              else flow->features = std::move(*features);
                              finish_one();
                            }));
    } else {
      finish_one();
    }
    for (std::size_t i = 0; i < artist_ids.size(); ++i) {
      artists_batcher->Get(artist_ids[i], jobs.Guard([flow, finish_one, i](core::Result<std::optional<std::string>> json) {
        if (!json) {
          flow->error = json.error();
        } else if (*json) {
          auto artist = ParseArtist(**json);
          if (!artist) flow->error = artist.error();
          else flow->artists[i] = std::move(*artist);
        }
        finish_one();
      }));
    }
  }

  // --- album jobs ---------------------------------------------------------------------

  struct AlbumFlow {
    json::AlbumJob job;
    runtime::PendingJob done;
    Album album;
    std::vector<std::optional<Artist>> artists;
    int pending = 0;
    std::optional<core::Error> error;
  };

  void StartAlbum(const json::AlbumJob& job, runtime::PendingJob done) {
    auto flow = std::make_shared<AlbumFlow>();
    flow->job = job;
    flow->done = std::move(done);
    if (job.spotify_id && !job.spotify_id->empty()) LookupAlbum(flow, *job.spotify_id, true);
    else SearchAlbum(flow);
  }

  static void NotFound(const std::shared_ptr<AlbumFlow>& flow) {
    runtime::Enrichment out;
    out.albums.push_back(NotFoundAlbum(flow->job));
    flow->done.Finish(std::move(out));
  }

  void SearchAlbum(const std::shared_ptr<AlbumFlow>& flow) {
    const auto& job = flow->job;
    ApiGet("/v1/search?q=" + http::PercentEncode(AlbumQuery(job.album, job.artist)) + "&type=album&limit=" +
               std::to_string(settings.search_limit),
           {.endpoint = "search", .cache_key = "search:album:" + KeyPart(job.artist) + ":" + KeyPart(job.album),
            .cache_ttl = settings.search_ttl},
           [this, flow](core::Result<http::Response> response) {
             if (!response) return flow->done.Finish(response.error());
             auto items = ParseAlbumSearch(response->body);
             if (!items) return flow->done.Finish(items.error());
             auto best = PickAlbum(*items, flow->job.album, flow->job.artist);
             if (!best) return NotFound(flow);
             LookupAlbum(flow, (*items)[*best].id, false);
           });
  }

  void LookupAlbum(const std::shared_ptr<AlbumFlow>& flow, const std::string& id, bool from_job) {
    ApiGet("/v1/albums/" + http::PercentEncode(id),
           {.endpoint = "album", .cache_key = "album:" + id, .cache_ttl = settings.album_ttl},
           [this, flow, from_job](core::Result<http::Response> response) {
             if (!response) {
               if (response.error().kind != core::ErrorKind::kNotFound) return flow->done.Finish(response.error());
               // The job's spotify_id is unknown: search by name. A search hit that then 404s
               // is not there either.
               if (from_job) return SearchAlbum(flow);
               return NotFound(flow);
             }
             auto album = ParseAlbum(response->body);
             if (!album) return flow->done.Finish(album.error());
             flow->album = std::move(*album);
             if (flow->album.tracks_more) return MoreAlbumTracks(flow);
             OnAlbum(flow);
           });
  }

  // The album object carries the first page of its tracks (50); longer albums page through
  // /v1/albums/{id}/tracks (limit 50, at most kMaxTrackPages pages in all).
  void MoreAlbumTracks(const std::shared_ptr<AlbumFlow>& flow) {
    constexpr std::size_t kPageSize = 50;
    constexpr std::size_t kMaxTrackPages = 20;
    const Album& album = flow->album;
    std::size_t offset = album.tracks.size();
    if (offset == 0 || offset >= kPageSize * kMaxTrackPages) return OnAlbum(flow);
    std::string path = "/v1/albums/" + http::PercentEncode(album.id) + "/tracks?offset=" + std::to_string(offset) +
                       "&limit=" + std::to_string(kPageSize);
    ApiGet(path,
           {.endpoint = "album_tracks", .cache_key = "album_tracks:" + album.id + ":" + std::to_string(offset),
            .cache_ttl = settings.album_ttl},
           [this, flow](core::Result<http::Response> response) {
             if (!response) return flow->done.Finish(response.error());
             const Album& so_far = flow->album;
             auto page = ParseAlbumTracks(response->body, so_far.name,
                                          so_far.artists.empty() ? std::string() : so_far.artists.front().name);
             if (!page) return flow->done.Finish(page.error());
             if (page->tracks.empty()) return OnAlbum(flow);
             for (auto& entry : page->tracks) flow->album.tracks.push_back(std::move(entry));
             if (page->more) return MoreAlbumTracks(flow);
             OnAlbum(flow);
           });
  }

  void OnAlbum(const std::shared_ptr<AlbumFlow>& flow) {
    std::vector<std::string> artist_ids;
    for (const auto& a : flow->album.artists) {
      if (!a.id.empty() && std::find(artist_ids.begin(), artist_ids.end(), a.id) == artist_ids.end()) {
        artist_ids.push_back(a.id);
      }
    }
    auto finish = [flow] {
      if (flow->error) return flow->done.Finish(*flow->error);
      std::vector<Artist> artists;
      for (auto& a : flow->artists) {
        if (a) artists.push_back(std::move(*a));
      }
      runtime::Enrichment out;
      out.albums.push_back(AlbumRecordOf(flow->job, flow->album, artists));
      flow->done.Finish(std::move(out));
    };
    if (artist_ids.empty()) return finish();
    flow->artists.resize(artist_ids.size());
    flow->pending = static_cast<int>(artist_ids.size());
    for (std::size_t i = 0; i < artist_ids.size(); ++i) {
      artists_batcher->Get(artist_ids[i], jobs.Guard([flow, finish, i](core::Result<std::optional<std::string>> json) {
        if (!json) {
          flow->error = json.error();
        } else if (*json) {
          auto artist = ParseArtist(**json);
          if (!artist) flow->error = artist.error();
          else flow->artists[i] = std::move(*artist);
        }
        if (--flow->pending == 0) finish();
      }));
    }
  }

  SpotifySettings settings;
  gateway::Gateway& gateway;
  metrics::GatewayMetrics* metrics;
  const resilience::Clock& clock;
  logging::Logger logger{logging::Logger("spotify").With({{"provider", "spotify"}})};
  std::optional<std::string> token;
  resilience::Clock::TimePoint token_refresh_at{};
  std::vector<TokenDone> token_waiters;
  int tokens_fetched = 0;
  bool audio_features_available = true;
  bool features_confirmed = false;  // an audio-features call succeeded: no more probing
  bool features_probing = false;    // the first call is in flight; batches park until it answers
  std::vector<std::pair<std::vector<std::string>, gateway::MicroBatcher::FetchDone>> parked_batches;
  std::unique_ptr<gateway::MicroBatcher> features_batcher;
  std::unique_ptr<gateway::MicroBatcher> artists_batcher;
  runtime::PendingJobs jobs{"spotify"};
};

SpotifyProvider::SpotifyProvider(SpotifySettings settings, runtime::ProviderContext& context,
                                 const resilience::Clock& clock) {
  if (context.gateway == nullptr) throw config::ConfigError("spotify: the worker was built without a network gateway");
  impl_ = std::make_unique<Impl>(std::move(settings), context, clock);
}

SpotifyProvider::~SpotifyProvider() = default;

void SpotifyProvider::Close() { impl_->jobs.Close(); }

bool SpotifyProvider::audio_features_available() const { return impl_->audio_features_available; }

void SpotifyProvider::Enrich(const json::Job& job, runtime::EnrichDone done) {
  runtime::PendingJob pending = impl_->jobs.Add(std::move(done));
  if (!pending.pending()) return;  // closed: answered already (shutting down), nothing is sent
  if (const auto* track = std::get_if<json::TrackJob>(&job)) {
    impl_->StartTrack(*track, std::move(pending));
  } else if (const auto* album = std::get_if<json::AlbumJob>(&job)) {
    impl_->StartAlbum(*album, std::move(pending));
  } else {
    pending.Finish(core::Error::InvalidInput("spotify: " + std::string(json::TypeName(job)) + " is not a track or album job"));
  }
}

}  // namespace spotify
