#include "workers/aoty/aoty_provider.hpp"

#include <utility>

#include "common/core/redact.hpp"
#include "common/http/url.hpp"

namespace aoty {

AotySettings LoadAotySettings(const runtime::ProviderSettings& provider) {
  AotySettings s;
  s.base_url = provider.policy.base_url;
  while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
  s.page_ttl = provider.CacheTtl("PAGE_TTL");
  return s;
}

struct AotyProvider::AlbumFlow {
  json::AlbumJob job;
  runtime::PendingJob done;
  std::string path;       // the album page picked from the search
  std::string cache_key;  // of the page being read, for the error of a changed page
};

AotyProvider::AotyProvider(gateway::Gateway& gateway, AotySettings settings)
    : gateway_(gateway), settings_(std::move(settings)) {}

AotyProvider::~AotyProvider() { jobs_.Close(); }

void AotyProvider::Close() { jobs_.Close(); }

void AotyProvider::Get(std::string url, std::string endpoint, std::string cache_key, gateway::CallDone done) {
  http::Request request;
  request.url = std::move(url);
  request.headers = {{"Accept", "text/html"}, {"Accept-Language", "en"}};
  gateway::CallOptions options;
  options.endpoint = std::move(endpoint);
  options.cache_key = std::move(cache_key);
  options.cache_ttl = settings_.page_ttl;
  // A page cut off in transit, or a page that is not AOTY's (a proxy's error page served with
  // status 200, a bot challenge, an empty body), is retried and never cached (a cached one
  // would fail every retry, or read as "no results" for the page TTL); every complete AOTY
  // page is cached, the ones that changed shape included.
  PageKind kind = options.endpoint == "search" ? PageKind::kSearch : PageKind::kAlbum;
  options.classify = [endpoint = options.endpoint, kind,
                      url = core::Redact(request.url)](const http::Response& response) -> std::optional<core::Error> {
    if (!response.body.empty() && !PageComplete(response.body)) {
      return core::Error::Transient("aoty " + endpoint + " page cut off (" + std::to_string(response.body.size()) +
                                    " bytes, no </html>) at " + url);
    }
    if (auto missing = MissingMarker(kind, response.body)) {
      return core::Error::Transient("aoty " + endpoint + ": unexpected page at " + url + ": " + *missing);
    }
    return std::nullopt;
  };
  gateway_.Call(std::move(request), std::move(options), jobs_.Guard(std::move(done)));
}

void AotyProvider::Enrich(const json::Job& job, runtime::EnrichDone done) {
  runtime::PendingJob pending = jobs_.Add(std::move(done));
  if (!pending.pending()) return;  // closed: answered already (shutting down), nothing is sent
  if (const auto* album = std::get_if<json::AlbumJob>(&job)) {
    EnrichAlbum(*album, std::move(pending));
  } else if (std::holds_alternative<json::TrackJob>(job)) {
    pending.Finish(runtime::Enrichment{});  // AOTY scores albums; a track job (track.all) stores nothing
  } else {
    pending.Finish(core::Error::InvalidInput("aoty: only album jobs are enriched"));
  }
}

void AotyProvider::EnrichAlbum(const json::AlbumJob& job, runtime::PendingJob done) {
  auto flow = std::make_shared<AlbumFlow>();
  flow->job = job;
  flow->done = std::move(done);
  flow->cache_key = "search:" + http::PercentEncode(MatchKey(job.artist, true)) + ":" +
                    http::PercentEncode(MatchKey(job.album));
  Get(SearchUrl(settings_.base_url, job.artist, job.album), "search", flow->cache_key,
      [this, flow](core::Result<http::Response> result) { SearchAnswered(flow, std::move(result)); });
}

void AotyProvider::SearchAnswered(const std::shared_ptr<AlbumFlow>& flow, core::Result<http::Response> result) {
  if (!result) {
    if (result.error().kind == core::ErrorKind::kNotFound) {
      flow->done.Finish(runtime::Enrichment{{}, {NotFoundAlbum(flow->job)}});
    } else {
      flow->done.Finish(result.error());
    }
    return;
  }
  auto candidates = ParseSearch(result->body);
  if (!candidates) {
    core::Error error = candidates.error();
    error.message += " (the page is cached as aoty " + flow->cache_key + ")";
    if (error.kind == core::ErrorKind::kInvalidInput) logger_.Error("aoty search page changed shape", {{"error", error.message}, {"artist", flow->job.artist},
                                                      {"album", flow->job.album}});
    flow->done.Finish(std::move(error));
    return;
  }
  auto pick = PickCandidate(*candidates, flow->job.artist, flow->job.album);
  if (!pick) {
    flow->done.Finish(runtime::Enrichment{{}, {NotFoundAlbum(flow->job)}});
    return;
  }
  flow->path = pick->path;
  flow->cache_key = "album:" + pick->path;
  Get(settings_.base_url + pick->path, "album", flow->cache_key,
      [this, flow](core::Result<http::Response> r) { PageAnswered(flow, std::move(r)); });
}

void AotyProvider::PageAnswered(const std::shared_ptr<AlbumFlow>& flow, core::Result<http::Response> result) {
  if (!result) {
    if (result.error().kind == core::ErrorKind::kNotFound) {
      flow->done.Finish(runtime::Enrichment{{}, {NotFoundAlbum(flow->job)}});
    } else {
      flow->done.Finish(result.error());
    }
    return;
  }
  auto page = ParseAlbumPage(result->body);
  if (!page) {
    core::Error error = page.error();
    error.message += " (" + flow->path + ", cached as aoty " + flow->cache_key + ")";
    if (error.kind == core::ErrorKind::kInvalidInput) logger_.Error("aoty album page changed shape", {{"error", error.message}, {"page", flow->path}});
    flow->done.Finish(std::move(error));
    return;
  }
  flow->done.Finish(runtime::Enrichment{{}, {AlbumRecordFrom(flow->job, flow->path, *page)}});
}

}  // namespace aoty
