// Album of the Year's public pages, as the AOTY provider reads them (docs/providers/AOTY.md;
// the markup of tests/data/aoty/): the album search /search/albums/?q=<artist> - <title> and
// the album page /album/<id>-<slug>.php. HTML, not JSON; no key; over the limit a 429 page
// with Retry-After. The album id is the catalog's album key, so a page needs no registry.
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tools/provider_sim/ids.hpp"
#include "tools/provider_sim/provider_api.hpp"

namespace provider_sim {
namespace {

constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::uint64_t kScoreSalt = 0x616f7479;  // "aoty"

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string Page(std::string_view title, std::string_view content) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" + Escape(title) +
         " - Album of The Year</title></head>\n<body>\n<div id=\"nav\"><a href=\"/\">Album of The Year</a></div>\n"
         "<div id=\"centerContent\">\n" + std::string(content) + "</div>\n</body>\n</html>\n";
}

Response Html(int status, std::string body, bool not_found = false) {
  Response response{status, std::move(body), {}, not_found};
  response.content_type = std::string(kHtml);
  return response;
}

Response ErrorPage(int status, std::string_view message) {
  return Html(status, Page(message, "<h1>" + Escape(message) + "</h1>\n"));
}

std::string AlbumPath(const AlbumRecord& album) {
  return "/album/" + std::to_string(album.key) + "-" + Slug(album.artist) + "-" + Slug(album.title) + ".php";
}

std::string Block(const AlbumRecord& album, std::string_view type) {
  std::string path = AlbumPath(album);
  return "<div class=\"albumBlock\" data-type=\"lp\">\n"
         "  <div class=\"image\"><a href=\"" + path + "\"><img src=\"https://cdn.invalid/" + std::to_string(album.key) +
         ".jpg\" alt=\"\"></a></div>\n"
         "  <a href=\"/artist/" + std::to_string(album.artist_key % 1000000) + "-" + Slug(album.artist) +
         "/\"><div class=\"artistTitle\">" + Escape(album.artist) + "</div></a>\n"
         "  <a href=\"" + path + "\"><div class=\"albumTitle\">" + Escape(album.title) + "</div></a>\n"
         "  <div class=\"type\">" + std::to_string(album.year) + " &bull; " + std::string(type) + "</div>\n"
         "</div>\n";
}

std::string OneDecimal(double value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string Thousands(int n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

class AotyApi final : public ProviderApi {
 public:
  explicit AotyApi(Catalog& catalog) : catalog_(catalog) {}

  // ProviderApi
  std::string_view Endpoint(const Request& request, std::string_view path) const override {
    if (request.method != "GET") return "";
    if (path == "/search/albums/" || path == "/search/albums") return "search";
    if (path.starts_with("/album/") && path.ends_with(".php")) return "album";
    return "";
  }

  // No key; a request without a User-Agent is refused, as sites that want polite clients do.
  std::optional<Response> CheckAuth(std::string_view /*endpoint*/, const Request& request) const override {
    if (request.user_agent.empty()) return ErrorPage(403, "Forbidden: send a User-Agent that names you");
    return std::nullopt;
  }

  Response Handle(std::string_view endpoint, std::string_view path, const Request& request) override {
    if (endpoint == "search") return Search(request.target.query.GetOr("q", ""));
    return Album(path);
  }

  Response RateLimited(int retry_after_seconds) const override {
    Response response = ErrorPage(429, "Too Many Requests");
    response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
    return response;
  }
  Response ServerError(int status) const override {
    switch (status) {
      case 401: return ErrorPage(status, "Unauthorized");
      case 403: return ErrorPage(status, "Forbidden");
      case 503: return ErrorPage(status, "Service Temporarily Unavailable");
      default: return ErrorPage(status, "Internal Server Error");
    }
  }
  Response UnknownPath() const override { return ErrorPage(404, "Page Not Found"); }

 private:
  // q = "<artist> - <title>": results in page order, the match not first (a compilation of
  // the same title comes before it, another album of the artist after it); no match: a page
  // without results.
  Response Search(std::string_view q) {
    auto dash = q.find(" - ");
    std::string content = "<div class=\"section\">\n<div class=\"sectionHeading\"><h2>Albums</h2></div>\n";
    if (dash == std::string_view::npos) return Html(200, Page("Search Results", content + "</div>\n"), true);
    std::string_view artist = q.substr(0, dash);
    std::string_view title = q.substr(dash + 3);
    std::uint64_t key = catalog_.AlbumKey(artist, title);
    if (catalog_.NotFound(key)) {
      return Html(200, Page("Search Results", content + "<div class=\"noResults\">No albums found.</div>\n</div>\n"), true);
    }
    AlbumRecord match = catalog_.Album(key);
    AlbumRecord compilation = catalog_.Album(catalog_.AlbumKey("Various Artists", title));
    AlbumRecord other = catalog_.Album(catalog_.AlbumKey(artist, std::string(title) + " Sessions"));
    content += Block(compilation, "Compilation") + Block(match, "LP") + Block(other, "EP") + "</div>\n";
    return Html(200, Page("Search Results", content));
  }

  Response Album(std::string_view path) {
    std::string_view id = path.substr(7);  // after "/album/"
    std::uint64_t key = 0;
    auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), key);
    if (error != std::errc{} || end == id.data()) return Html(404, Page("Page Not Found", "<h1>Page Not Found</h1>\n"), true);
    if (catalog_.NotFound(key)) return Html(404, Page("Page Not Found", "<h1>Page Not Found</h1>\n"), true);
    AlbumRecord album = catalog_.Album(key);
    SplitMix r(Mix(key ^ kScoreSalt));
    bool has_critic = r.Unit() < 0.8;
    bool has_user = r.Unit() < 0.9;
    double critic = std::round(r.Between(45, 95) * 10) / 10;
    double user = std::round(r.Between(40, 92) * 10) / 10;
    int reviews = r.Int(4, 60);
    int ratings = has_user ? r.Int(25, 40000) : r.Int(0, 9);
    std::string critic_box =
        "  <div class=\"albumCriticScoreBox\">\n    <div class=\"heading\">Critic Score</div>\n" +
        (has_critic ? "    <div class=\"albumCriticScore\"><span itemprop=\"ratingValue\"><a href=\"#critics\" title=\"" +
                          OneDecimal(critic) + "\">" + std::to_string(std::lround(critic)) + "</a></span></div>\n"
                          "    <div class=\"text numReviews\">Based on <span itemprop=\"ratingCount\">" +
                          std::to_string(reviews) + "</span> reviews</div>\n"
                    : std::string("    <div class=\"text\">No critic reviews yet</div>\n")) +
        "  </div>\n";
    std::string user_box =
        "  <div class=\"albumUserScoreBox\">\n    <div class=\"heading\">User Score</div>\n" +
        (has_user ? "    <div class=\"albumUserScore\"><a href=\"" + AlbumPath(album) + "/user-reviews/\" title=\"" +
                        OneDecimal(user) + "\">" + std::to_string(std::lround(user)) + "</a></div>\n"
                  : std::string("    <div class=\"albumUserScore\">NR</div>\n")) +
        "    <div class=\"text numReviews\">Based on <strong>" + Thousands(ratings) + "</strong> ratings</div>\n  </div>\n";
    std::string content =
        "<div class=\"albumHeadline\">\n  <h1 class=\"albumTitle\"><span itemprop=\"name\">" + Escape(album.title) +
        "</span></h1>\n  <div class=\"artist\"><span itemprop=\"byArtist\"><span itemprop=\"name\"><a href=\"/artist/" +
        std::to_string(album.artist_key % 1000000) + "/\">" + Escape(album.artist) +
        "</a></span></span></div>\n</div>\n<div class=\"albumTopBox albumScoreBox\">\n" + critic_box + user_box + "</div>\n";
    return Html(200, Page(album.artist + " - " + album.title, content));
  }

  Catalog& catalog_;
};

}  // namespace

std::unique_ptr<ProviderApi> MakeAotyApi(Catalog& catalog) { return std::make_unique<AotyApi>(catalog); }

}  // namespace provider_sim
