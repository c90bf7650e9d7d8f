#include "workers/discogs/discogs_provider.hpp"

#include <algorithm>
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

// GET /artists/{id}, parsed; `on_artist` gets the artist or nullopt for a 404. Cached
// artist_ttl (30 days) under "artist:/artists/{id}", so the fleet looks each artist up once.
void DiscogsProvider::FetchArtist(std::int64_t id, ArtistDone on_artist) {
  std::string path = "/artists/" + std::to_string(id);
  Get(path, "artist", settings_.artist_ttl,
      [path, on_artist = std::move(on_artist)](core::Result<http::Response> response) {
        if (!response) {
          if (response.error().kind == core::ErrorKind::kNotFound) on_artist(std::optional<Artist>());
          else on_artist(Within(response.error(), path));
          return;
        }
        auto artist = ParseArtist(response->body);
        if (!artist) on_artist(Within(artist.error(), path));
        else on_artist(std::optional<Artist>(std::move(*artist)));
      });
}

// What a search keeps between its pages.
struct DiscogsProvider::SearchState {
  std::string path;  // page 1's
  std::string artist;
  std::string title;
  std::optional<std::int64_t> year;
  int page = 1;
  SearchPage seen;  // the rows of every page read, in order
};

void DiscogsProvider::SearchPages(std::shared_ptr<SearchState> state, HitsDone on_hits) {
  std::string path = PagePath(state->path, state->page);
  Get(path, "search", settings_.search_ttl,
      [this, path, state, on_hits = std::move(on_hits)](core::Result<http::Response> response) mutable {
        auto ranked = [&state] { return RankedHits(state->seen, state->artist, state->title, state->year, kMaxCandidates); };
        if (!response) {
          // A 404 for a later page (the results shrank since page 1): what was read stands.
          if (response.error().kind == core::ErrorKind::kNotFound) return on_hits(ranked());
          return on_hits(Within(response.error(), path));
        }
        auto page = ParseSearch(response->body);
        if (!page) return on_hits(Within(page.error(), path));
        bool match = std::any_of(page->results.begin(), page->results.end(),
                                 [&state](const SearchHit& hit) { return IsMatch(hit, state->artist, state->title); });
        for (auto& hit : page->results) state->seen.results.push_back(std::move(hit));
        if (match || !page->HasNext() || state->page >= settings_.search_pages) return on_hits(ranked());
        ++state->page;
        SearchPages(std::move(state), std::move(on_hits));
      });
}

void DiscogsProvider::WithArtist(Release release, std::string artist, ResolvedDone done) {
  if (!release.artist_id) return done(std::optional<Resolved>(Resolved{std::move(release), std::nullopt}));
  std::int64_t artist_id = *release.artist_id;
  FetchArtist(artist_id, [release = std::move(release), artist = std::move(artist),
                          done = std::move(done)](core::Result<std::optional<Artist>> found) mutable {
    if (!found) return done(found.error());
    std::optional<std::int64_t> id;
    if (*found && AnswersTo(**found, artist)) id = (*found)->id;
    done(std::optional<Resolved>(Resolved{std::move(release), id}));
  });
}

// The candidates of one search, tried in rank order.
struct DiscogsProvider::ResolveState {
  std::vector<SearchHit> candidates;
  std::string artist;
  std::size_t next = 0;
  std::optional<Resolved> fallback;  // the first candidate's release: taken when no artist answers
  ResolvedDone done;
};

void DiscogsProvider::ResolveCandidates(std::shared_ptr<ResolveState> state) {
  if (state->next >= state->candidates.size()) return state->done(std::move(state->fallback));
  std::int64_t id = state->candidates[state->next++].id;
  FetchRelease(id, [this, state](core::Result<std::optional<Release>> release) {
    if (!release) return state->done(release.error());
    if (!*release) return ResolveCandidates(state);  // gone since the search: the next one
    WithArtist(std::move(**release), state->artist, [this, state](core::Result<std::optional<Resolved>> resolved) {
      if (!resolved) return state->done(resolved.error());
      if ((*resolved)->artist_id) return state->done(std::move(*resolved));
      if (!state->fallback) state->fallback = std::move(*resolved);
      ResolveCandidates(state);
    });
  });
}

void DiscogsProvider::SearchAndResolve(const std::string& path, std::string artist, std::string title,
                                       std::optional<std::int64_t> year, ResolvedDone done) {
  auto search = std::make_shared<SearchState>();
  search->path = path;
  search->artist = artist;
  search->title = std::move(title);
  search->year = year;
  SearchPages(std::move(search), [this, artist = std::move(artist),
                                  done = std::move(done)](core::Result<std::vector<SearchHit>> hits) mutable {
    if (!hits) return done(hits.error());
    auto state = std::make_shared<ResolveState>();
    state->candidates = std::move(*hits);
    state->artist = std::move(artist);
    state->done = std::move(done);
    ResolveCandidates(std::move(state));
  });
}

void DiscogsProvider::EnrichTrack(const json::TrackJob& job, runtime::PendingJob done) {
  auto with_release = [job, done](core::Result<std::optional<Resolved>> resolved) {
    if (!resolved) return done.Finish(resolved.error());
    if (!*resolved) return done.Finish(One(TrackNotFound(job)));
    catalog::TrackRecord record = TrackFromRelease(job, (*resolved)->release);
    record.fields.artist_discogs_id = (*resolved)->artist_id;
    done.Finish(One(std::move(record)));
  };
  if (job.discogs_id) {
    return FetchRelease(*job.discogs_id, [this, job, with_release](core::Result<std::optional<Release>> release) {
      if (!release) return with_release(release.error());
      if (!*release) return with_release(std::optional<Resolved>());
      WithArtist(std::move(**release), job.artist, with_release);
    });
  }
  SearchAndResolve(TrackSearchPath(job, settings_.per_page), job.artist, job.album.value_or(""), std::nullopt,
                   std::move(with_release));
}

void DiscogsProvider::EnrichAlbum(const json::AlbumJob& job, runtime::PendingJob done) {
  auto with_release = [job, done](core::Result<std::optional<Resolved>> resolved) {
    if (!resolved) return done.Finish(resolved.error());
    if (!*resolved) return done.Finish(One(AlbumNotFound(job)));
    catalog::AlbumRecord record = AlbumFromRelease(job, (*resolved)->release);
    record.fields.artist_discogs_id = (*resolved)->artist_id;
    done.Finish(One(std::move(record)));
  };
  if (job.discogs_id) {
    // An album job's discogs_id may name a release or a master (schemas/README.md).
    std::int64_t id = *job.discogs_id;
    auto checked = [this, job, with_release](core::Result<std::optional<Release>> release) {
      if (!release) return with_release(release.error());
      if (!*release) return with_release(std::optional<Resolved>());
      WithArtist(std::move(**release), job.artist, with_release);
    };
    return FetchRelease(id, [this, id, checked](core::Result<std::optional<Release>> release) {
      if (!release || *release) return checked(std::move(release));
      FetchRelease(id, checked, /*master=*/true);
    });
  }
  SearchAndResolve(AlbumSearchPath(job, settings_.per_page), job.artist, job.album, job.year, std::move(with_release));
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
  s.artist_ttl = provider.CacheTtl("ARTIST_CACHE_TTL");
  s.not_found_ttl = provider.CacheTtl("NOT_FOUND_TTL");
  s.per_page = static_cast<int>(env.Int("TUNEFLEET_DISCOGS_PER_PAGE", s.per_page, 1, 100));
  s.search_pages = static_cast<int>(env.Int("TUNEFLEET_DISCOGS_SEARCH_PAGES", s.search_pages, 1, 100));
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

std::string PagePath(const std::string& search_path, int page) {
  if (page <= 1) return search_path;
  return search_path + (search_path.find('?') == std::string::npos ? "?" : "&") + "page=" + std::to_string(page);
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
