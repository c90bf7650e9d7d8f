#include "workers/discogs/discogs_provider.hpp"

#include <utility>
#include <variant>

#include "common/gateway/gateway.hpp"
#include "common/http/url.hpp"
#include "workers/discogs/discogs_parse.hpp"

namespace discogs {
namespace {

core::Error Within(core::Error error, const std::string& what) {
  error.message = "discogs GET " + what + ": " + error.message;
  return error;
}

runtime::Enrichment One(catalog::TrackRecord record) {
  runtime::Enrichment out;
  out.tracks.push_back(std::move(record));
  return out;
}

runtime::Enrichment One(catalog::AlbumRecord record) {
  runtime::Enrichment out;
  out.albums.push_back(std::move(record));
  return out;
}

}  // namespace

// One GET through the gateway. `kind` is the metric label and the cache key's prefix.
void DiscogsProvider::Get(const std::string& path, const std::string& kind, std::chrono::seconds ttl,
                          gateway::CallDone done) {
  const DiscogsSettings& s = settings_;
  http::Request request;
  request.url = s.base_url + path;
  request.headers = {{"Authorization", "Discogs token=" + s.token},
                     {"Accept", "application/vnd.discogs.v2.discogs+json"}};
  gateway::CallOptions options;
  options.endpoint = kind;
  options.use_cache = s.cache;
  // Reached for 2xx answers only (no pass_statuses): other statuses are classified first.
  options.classify = [kind](const http::Response& response) { return CheckBody(response.body, kind); };
  if (s.cache) {
    // The path names the resource; the token is not part of it, so the fleet shares entries.
    options.cache_key = kind + ":" + path;
    options.cache_ttl = ttl;
    options.not_found_ttl = s.not_found_ttl;
  }
  gateway_.Call(std::move(request), std::move(options), jobs_.Guard(std::move(done)));
}

// GET /releases/{id}, parsed; `on_release` gets the release or nullopt for a 404.
void DiscogsProvider::FetchRelease(std::int64_t id, ReleaseDone on_release, bool master) {
  std::string path = (master ? "/masters/" : "/releases/") + std::to_string(id);
  Get(path, master ? "master" : "release", settings_.release_ttl,
      [path, master, on_release = std::move(on_release)](core::Result<http::Response> response) {
        if (!response) {
          if (response.error().kind == core::ErrorKind::kNotFound) on_release(std::optional<Release>());
          else on_release(Within(response.error(), path));
          return;
        }
        auto release = master ? ParseMaster(response->body) : ParseRelease(response->body);
        if (!release) on_release(Within(release.error(), path));
        else on_release(std::optional<Release>(std::move(*release)));
      });
}

// GET /database/search..., then the best release's id (nullopt: nothing suitable).
void DiscogsProvider::Search(const std::string& path, std::string artist, std::string title,
                             std::optional<std::int64_t> year, HitDone on_hit) {
  Get(path, "search", settings_.search_ttl,
      [path, artist = std::move(artist), title = std::move(title), year,
       on_hit = std::move(on_hit)](core::Result<http::Response> response) {
        if (!response) {
          if (response.error().kind == core::ErrorKind::kNotFound) on_hit(std::optional<std::int64_t>());
          else on_hit(Within(response.error(), path));
          return;
        }
        auto page = ParseSearch(response->body);
        if (!page) {
          on_hit(Within(page.error(), path));
          return;
        }
        const SearchHit* hit = BestHit(*page, artist, title, year);
        on_hit(hit != nullptr ? std::optional<std::int64_t>(hit->id) : std::nullopt);
      });
}

void DiscogsProvider::EnrichTrack(const json::TrackJob& job, runtime::PendingJob done) {
  auto with_release = [job, done](core::Result<std::optional<Release>> release) {
    if (!release) return done.Finish(release.error());
    if (!*release) return done.Finish(One(TrackNotFound(job)));
    done.Finish(One(TrackFromRelease(job, **release)));
  };
  if (job.discogs_id) return FetchRelease(*job.discogs_id, std::move(with_release));
  Search(TrackSearchPath(job, settings_.per_page), job.artist, job.album.value_or(""), std::nullopt,
         [this, job, done, with_release = std::move(with_release)](core::Result<std::optional<std::int64_t>> hit) mutable {
           if (!hit) return done.Finish(hit.error());
           if (!*hit) return done.Finish(One(TrackNotFound(job)));
           FetchRelease(**hit, std::move(with_release));
         });
}

void DiscogsProvider::EnrichAlbum(const json::AlbumJob& job, runtime::PendingJob done) {
  auto with_release = [job, done](core::Result<std::optional<Release>> release) {
    if (!release) return done.Finish(release.error());
    if (!*release) return done.Finish(One(AlbumNotFound(job)));
    done.Finish(One(AlbumFromRelease(job, **release)));
  };
  if (job.discogs_id) {
    // An album job's discogs_id may name a release or a master (schemas/README.md).
    std::int64_t id = *job.discogs_id;
    return FetchRelease(id, [this, id, with_release](core::Result<std::optional<Release>> release) {
      if (!release || *release) return with_release(std::move(release));
      FetchRelease(id, with_release, /*master=*/true);
    });
  }
  Search(AlbumSearchPath(job, settings_.per_page), job.artist, job.album, job.year,
         [this, job, done, with_release = std::move(with_release)](core::Result<std::optional<std::int64_t>> hit) mutable {
           if (!hit) return done.Finish(hit.error());
           if (!*hit) return done.Finish(One(AlbumNotFound(job)));
           FetchRelease(**hit, std::move(with_release));
         });
}

namespace {

std::string Query(std::initializer_list<std::pair<std::string_view, std::string_view>> params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += std::string(key) + "=" + http::PercentEncode(value);
  }
  return out;
}

}  // namespace

DiscogsSettings LoadDiscogsSettings(const config::Env& env, const runtime::ProviderSettings& provider) {
  DiscogsSettings s;
  s.base_url = provider.policy.base_url;
  while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
  s.token = env.Secret("TUNEFLEET_DISCOGS_TOKEN", "");
  if (s.token.empty()) {
    throw config::ConfigError(
        "TUNEFLEET_DISCOGS_TOKEN is not set; Discogs needs a personal access token "
        "(TUNEFLEET_DISCOGS_TOKEN or TUNEFLEET_DISCOGS_TOKEN_FILE)");
  }
  for (char c : s.token) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      throw config::ConfigError("TUNEFLEET_DISCOGS_TOKEN contains a space or control character; expected a token");
    }
  }
  s.cache = env.Bool("TUNEFLEET_DISCOGS_CACHE", s.cache);
  s.release_ttl = provider.CacheTtl("RELEASE_CACHE_TTL");
  s.search_ttl = provider.CacheTtl("SEARCH_CACHE_TTL");
  s.not_found_ttl = provider.CacheTtl("NOT_FOUND_TTL");
  s.per_page = static_cast<int>(env.Int("TUNEFLEET_DISCOGS_PER_PAGE", s.per_page, 1, 100));
  return s;
}

std::string TrackSearchPath(const json::TrackJob& job, int per_page) {
  std::string pages = std::to_string(per_page);
  if (job.album && !job.album->empty()) {
    return "/database/search" +
           Query({{"type", "release"}, {"artist", job.artist}, {"release_title", *job.album}, {"per_page", pages}});
  }
  return "/database/search" + Query({{"type", "release"}, {"artist", job.artist}, {"track", job.title}, {"per_page", pages}});
}

std::string AlbumSearchPath(const json::AlbumJob& job, int per_page) {
  return "/database/search" + Query({{"type", "release"},
                                     {"artist", job.artist},
                                     {"release_title", job.album},
                                     {"per_page", std::to_string(per_page)}});
}

DiscogsProvider::DiscogsProvider(gateway::Gateway& gateway, DiscogsSettings settings)
    : gateway_(gateway), settings_(std::move(settings)) {}

DiscogsProvider::~DiscogsProvider() { jobs_.Close(); }

void DiscogsProvider::Close() { jobs_.Close(); }

void DiscogsProvider::Enrich(const json::Job& job, runtime::EnrichDone done) {
  runtime::PendingJob pending = jobs_.Add(std::move(done));
  if (!pending.pending()) return;  // closed: answered already (shutting down), nothing is sent
  if (const auto* track = std::get_if<json::TrackJob>(&job)) return EnrichTrack(*track, std::move(pending));
  if (const auto* album = std::get_if<json::AlbumJob>(&job)) return EnrichAlbum(*album, std::move(pending));
  pending.Finish(
      core::Error::InvalidInput("discogs: handles track and album jobs, not " + std::string(json::TypeName(job))));
}

}  // namespace discogs
