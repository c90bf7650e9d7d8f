// Discogs API shapes (fixtures: ../shared/fixtures/providers/discogs/): database search
// with a pagination object (page, pages, per_page, items, urls.first/prev/next/last), releases
// with genres, styles and a tracklist, artists with their name variations and aliases (the
// documented GET /artists/{id} shape), errors as {"message": ...}. The simulator adds the
// X-Discogs-Ratelimit headers.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "tools/provider_sim/ids.hpp"
#include "tools/provider_sim/json_out.hpp"
#include "tools/provider_sim/provider_api.hpp"

namespace provider_sim {
namespace {

constexpr std::string_view kApi = "https://api.discogs.com/";

Response Message(int status, std::string_view message, bool not_found = false) {
  JsonOut out;
  out.BeginObject();
  out.Field("message", message);
  out.EndObject();
  return {status, out.Take(), {}, not_found};
}

// "Rick Astley - Never Gonna" -> "Rick-Astley-Never-Gonna", as in Discogs web URIs.
std::string Slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) out += c;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// RFC 3986 unreserved characters kept, everything else %XX: the query of a pagination link.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string Released(const DiscogsRelease& release) {
  std::array<char, 16> date{};
  if (release.month == 0) std::snprintf(date.data(), date.size(), "%04d", release.year);
  else std::snprintf(date.data(), date.size(), "%04d-%02d-%02d", release.year, release.month, release.day);
  return date.data();
}

class DiscogsApi final : public ProviderApi {
 public:
  DiscogsApi(Catalog& catalog, const SimSettings& settings) : catalog_(catalog), settings_(settings) {}

  // ProviderApi
  std::string_view Endpoint(const Request& request, std::string_view path) const override {
    if (request.method != "GET") return "";
    if (path == "/database/search") return "search";
    if (path.starts_with("/releases/")) return "release";
    if (path.starts_with("/artists/")) return "artist";
    return "";
  }

  std::optional<Response> CheckAuth(std::string_view /*endpoint*/, const Request& request) const override {
    std::string_view auth = request.authorization;
    bool header_ok = auth.starts_with("Discogs token=") ? auth.size() > 14 : auth.starts_with("Discogs key=");
    if (!header_ok && request.target.query.GetOr("token", "").empty()) {
      return Message(401, "You must authenticate to access this resource.");
    }
    return std::nullopt;
  }

  Response Handle(std::string_view endpoint, std::string_view path, const Request& request) override {
    if (endpoint == "search") return Search(request.target.query);
    bool artist = endpoint == "artist";
    std::string_view id_text = path.substr(artist ? 9 : 10);
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc{} || end != id_text.data() + id_text.size() || id < 1) {
      return Message(404, artist ? "Artist not found." : "Release not found.", true);
    }
    if (artist) {
      if (catalog_.ArtistNotFound(id)) return Message(404, "Artist not found.", true);
      return {200, ArtistBody(catalog_.Artist(id)), {}, false};
    }
    if (catalog_.ReleaseNotFound(id)) return Message(404, "Release not found.", true);
    return {200, ReleaseBody(catalog_.Release(id)), {}, false};
  }

  Response RateLimited(int retry_after_seconds) const override {
    Response response = Message(429, "You are making requests too quickly.");
    response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
    return response;
  }
  Response ServerError(int status) const override {
    return Message(status, status == 503 ? "Service temporarily unavailable." : "An internal server error occurred.");
  }
  Response UnknownPath() const override { return Message(404, "The requested resource was not found."); }

 private:
  Response Search(const QueryParams& q) {
    std::string_view type = q.GetOr("type", "release");
    int per_page = std::atoi(std::string(q.GetOr("per_page", "50")).c_str());
    if (per_page < 1 || per_page > 100) per_page = 50;
    std::string_view artist = q.GetOr("artist", "");
    std::string_view title = q.GetOr("release_title", q.GetOr("title", q.GetOr("q", "")));
    std::vector<DiscogsRelease> matches;
    if ((type == "release" || type == "master" || type.empty()) && (!artist.empty() || !title.empty())) {
      std::int64_t id = catalog_.DiscogsReleaseId(catalog_.AlbumKey(artist, title));
      if (!catalog_.ReleaseNotFound(id)) {
        // Decoys first: the same title by other artists, all found by their lookups.
        for (int n = 1; n <= 4 * settings_.discogs_search_decoys + 10 &&
                        static_cast<int>(matches.size()) < settings_.discogs_search_decoys;
             ++n) {
          std::string decoy_artist = std::string(artist.empty() ? "Various" : artist) + " Tribute " + std::to_string(n);
          std::int64_t decoy = catalog_.DiscogsReleaseId(catalog_.AlbumKey(decoy_artist, title));
          if (!catalog_.ReleaseNotFound(decoy)) matches.push_back(catalog_.Release(decoy));
        }
        matches.push_back(catalog_.Release(id));
      }
    }
    int page = std::atoi(std::string(q.GetOr("page", "1")).c_str());
    if (page < 1) page = 1;
    auto items = static_cast<int>(matches.size());
    int pages = std::max(1, (items + per_page - 1) / per_page);
    std::vector<DiscogsRelease> results;
    for (int i = (page - 1) * per_page; i < items && i < page * per_page; ++i) results.push_back(matches[static_cast<std::size_t>(i)]);
    // The links repeat the query with another page, on the real host (as Discogs sends them).
    auto link = [&q, per_page](int to) {
      std::string url = std::string(kApi) + "database/search?";
      for (const auto& [key, value] : q.items()) {
        if (key == "page" || key == "per_page" || key == "token") continue;
        url += key + "=" + PercentEncode(value) + "&";
      }
      return url + "per_page=" + std::to_string(per_page) + "&page=" + std::to_string(to);
    };
    JsonOut out;
    out.BeginObject();
    out.Key("pagination").BeginObject();
    out.Field("page", page);
    out.Field("pages", pages);
    out.Field("per_page", per_page);
    out.Field("items", static_cast<std::int64_t>(items));
    out.Key("urls").BeginObject();
    if (page > 1) {
      out.Field("first", link(1));
      out.Field("prev", link(std::min(page - 1, pages)));
    }
    if (page < pages) {
      out.Field("next", link(page + 1));
      out.Field("last", link(pages));
    }
    out.EndObject();
    out.EndObject();
    out.Key("results").BeginArray();
    for (const auto& release : results) {
      std::string id = std::to_string(release.id);
      out.BeginObject();
      out.Field("country", release.country);
      out.Field("year", std::to_string(release.year));
      out.Key("format").BeginArray();
      out.Str(release.format);
      out.Str("Album");
      out.EndArray();
      out.Key("label").BeginArray();
      out.Str(release.label);
      out.EndArray();
      out.Field("type", "release");
      out.Key("genre").BeginArray();
      for (const auto& genre : release.genres) out.Str(genre);
      out.EndArray();
      out.Key("style").BeginArray();
      for (const auto& style : release.styles) out.Str(style);
      out.EndArray();
      out.Field("id", release.id);
      out.EmptyArray("barcode");
      out.Key("user_data").BeginObject();
      out.Field("in_wantlist", false);
      out.Field("in_collection", false);
      out.EndObject();
      out.Field("master_id", release.master_id);
      out.Field("master_url", std::string(kApi) + "masters/" + std::to_string(release.master_id));
      out.Field("uri", "/release/" + id + "-" + Slug(release.artist + " " + release.title));
      out.Field("catno", release.catno);
      out.Field("title", release.artist + " - " + release.title);
      out.Field("thumb", "");
      out.Field("cover_image", "");
      out.Field("resource_url", std::string(kApi) + "releases/" + id);
      out.Key("community").BeginObject();
      out.Field("want", release.want);
      out.Field("have", release.have);
      out.EndObject();
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
    return {200, out.Take(), {}, results.empty()};
  }

  std::string ReleaseBody(const DiscogsRelease& release) {
    std::string id = std::to_string(release.id);
    std::string artist_url = std::string(kApi) + "artists/" + std::to_string(release.artist_id);
    JsonOut out;
    out.BeginObject();
    out.Field("id", release.id);
    out.Field("status", "Accepted");
    out.Field("year", release.year);
    out.Field("resource_url", std::string(kApi) + "releases/" + id);
    out.Field("uri", "https://www.discogs.com/release/" + id + "-" + Slug(release.artist + " " + release.title));
    out.Key("artists").BeginArray();
    out.BeginObject();
    out.Field("name", release.artist);
    out.Field("anv", "");
    out.Field("join", "");
    out.Field("role", "");
    out.Field("tracks", "");
    out.Field("id", release.artist_id);
    out.Field("resource_url", artist_url);
    out.Field("thumbnail_url", "");
    out.EndObject();
    out.EndArray();
    out.Field("artists_sort", release.artist);
    out.Key("labels").BeginArray();
    out.BeginObject();
    out.Field("name", release.label);
    out.Field("catno", release.catno);
    out.Field("entity_type", "1");
    out.Field("entity_type_name", "Label");
    out.Field("id", static_cast<std::int64_t>(Mix(Fnv1a(release.label)) % 1'000'000));
    out.Field("resource_url", std::string(kApi) + "labels/" + std::to_string(Mix(Fnv1a(release.label)) % 1'000'000));
    out.Field("thumbnail_url", "");
    out.EndObject();
    out.EndArray();
    out.EmptyArray("series");
    out.EmptyArray("companies");
    out.Key("formats").BeginArray();
    out.BeginObject();
    out.Field("name", release.format);
    out.Field("qty", "1");
    out.Key("descriptions").BeginArray();
    out.Str("Album");
    out.EndArray();
    out.EndObject();
    out.EndArray();
    out.Field("data_quality", "Needs Vote");
    out.Key("community").BeginObject();
    out.Field("have", release.have);
    out.Field("want", release.want);
    out.Key("rating").BeginObject();
    out.Field("count", release.have / 50);
    out.Field("average", 3.5 + static_cast<double>(release.want % 150) / 100.0);
    out.EndObject();
    out.Key("submitter").BeginObject();
    out.Field("username", "provider-sim");
    out.Field("resource_url", std::string(kApi) + "users/provider-sim");
    out.EndObject();
    out.EmptyArray("contributors");
    out.Field("data_quality", "Needs Vote");
    out.Field("status", "Accepted");
    out.EndObject();
    out.Field("format_quantity", 1);
    out.Field("date_added", "2010-01-01T00:00:00-08:00");
    out.Field("date_changed", "2020-01-01T00:00:00-08:00");
    out.Field("num_for_sale", release.want % 40);
    out.Field("lowest_price", static_cast<double>(release.have % 3000) / 100.0 + 1.0);
    out.Field("master_id", release.master_id);
    out.Field("master_url", std::string(kApi) + "masters/" + std::to_string(release.master_id));
    out.Field("title", release.title);
    out.Field("country", release.country);
    out.Field("released", Released(release));
    out.Field("released_formatted", Released(release));
    out.EmptyArray("identifiers");
    out.EmptyArray("videos");
    out.Key("genres").BeginArray();
    for (const auto& genre : release.genres) out.Str(genre);
    out.EndArray();
    out.Key("styles").BeginArray();
    for (const auto& style : release.styles) out.Str(style);
    out.EndArray();
    out.Key("tracklist").BeginArray();
    int position = 0;
    for (const auto& [title, seconds] : release.tracklist) {
      std::array<char, 16> duration{};
      std::snprintf(duration.data(), duration.size(), "%d:%02d", seconds / 60, seconds % 60);
      out.BeginObject();
      out.Field("position", std::to_string(++position));
      out.Field("type_", "track");
      out.Field("title", title);
      out.Field("duration", duration.data());
      out.EndObject();
    }
    out.EndArray();
    out.EmptyArray("extraartists");
    out.EmptyArray("images");
    out.Field("thumb", "");
    out.Field("estimated_weight", 230);
    out.Field("blocked_from_sale", false);
    out.Field("is_offensive", false);
    out.EndObject();
    return out.Take();
  }

  // GET /artists/{id} as documented: name, realname, profile, namevariations, aliases,
  // urls, images, resource_url, uri, releases_url, data_quality.
  std::string ArtistBody(const DiscogsArtist& artist) {
    std::string id = std::to_string(artist.id);
    JsonOut out;
    out.BeginObject();
    out.Key("namevariations").BeginArray();
    for (const auto& name : artist.name_variations) out.Str(name);
    out.EndArray();
    out.Field("profile", artist.profile);
    out.Field("releases_url", std::string(kApi) + "artists/" + id + "/releases");
    out.Field("resource_url", std::string(kApi) + "artists/" + id);
    out.Field("uri", "https://www.discogs.com/artist/" + id + "-" + Slug(artist.name));
    out.EmptyArray("urls");
    out.Field("data_quality", "Needs Vote");
    out.Field("id", artist.id);
    out.EmptyArray("images");
    if (!artist.realname.empty()) out.Field("realname", artist.realname);
    if (!artist.aliases.empty()) {
      out.Key("aliases").BeginArray();
      for (const auto& [alias_id, name] : artist.aliases) {
        out.BeginObject();
        out.Field("id", alias_id);
        out.Field("name", name);
        out.Field("resource_url", std::string(kApi) + "artists/" + std::to_string(alias_id));
        out.EndObject();
      }
      out.EndArray();
    }
    out.Field("name", artist.name);
    out.EndObject();
    return out.Take();
  }

  Catalog& catalog_;
  const SimSettings& settings_;
};

}  // namespace

std::unique_ptr<ProviderApi> MakeDiscogsApi(Catalog& catalog, const SimSettings& settings) {
  return std::make_unique<DiscogsApi>(catalog, settings);
}

}  // namespace provider_sim
