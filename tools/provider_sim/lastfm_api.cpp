// Last.fm API 2.0 shapes (fixtures: ../shared/fixtures/providers/lastfm/): errors are
// {"error":N,"message":...} with HTTP 200, tag counts are strings, `@attr` names the query.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>

#include "tools/provider_sim/ids.hpp"
#include "tools/provider_sim/json_out.hpp"
#include "tools/provider_sim/provider_api.hpp"
#include "tools/provider_sim/scrobbles.hpp"

namespace provider_sim {
namespace {

constexpr std::string_view kSite = "https://www.last.fm/";

Response LastfmError(int code, std::string_view message, bool not_found = false) {
  JsonOut out;
  out.BeginObject();
  out.Field("error", code);
  out.Field("message", message);
  out.EmptyArray("links");
  out.EndObject();
  return {200, out.Take(), {}, not_found};
}

// Last.fm URL path segment: spaces as '+', other reserved bytes percent-encoded.
std::string UrlPart(std::string_view text, bool lower) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.') {
      out += lower ? static_cast<char>(std::tolower(u)) : c;
    } else if (c == ' ') {
      out += lower ? "%20" : "+";
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

class LastfmApi final : public ProviderApi {
 public:
  LastfmApi(Catalog& catalog, ScrobbleBook& scrobbles) : catalog_(catalog), scrobbles_(scrobbles) {}

  // ProviderApi
  std::string_view Endpoint(const Request& request, std::string_view path) const override {
    if ((path != "/2.0/" && path != "/2.0") || (request.method != "GET" && request.method != "POST")) return "";
    return MethodName(request.target.query);
  }

  std::optional<Response> CheckAuth(std::string_view /*endpoint*/, const Request& request) const override {
    if (request.target.query.GetOr("api_key", "").empty()) {
      return LastfmError(10, "Invalid API key - You must be granted a valid key by last.fm");
    }
    return std::nullopt;
  }

  Response Handle(std::string_view /*endpoint*/, std::string_view /*path*/, const Request& request) override {
    const QueryParams& q = request.target.query;
    std::string method = Lower(q.GetOr("method", ""));
    if (method == "track.gettoptags") return TrackTags(q);
    if (method == "track.getinfo") return TrackInfo(q);
    if (method == "album.getinfo") return AlbumInfo(q);
    if (method == "album.gettoptags") return AlbumTags(q);
    if (method == "artist.gettoptags") return ArtistTags(q);
    if (method == "user.getrecenttracks") return RecentTracks(q);
    return LastfmError(3, "Invalid Method - No method with that name in this package");
  }

  Response RateLimited(int /*retry_after_seconds*/) const override {
    return LastfmError(29, "Rate Limit Exceeded - Your IP has made too many requests in a short period");
  }
  Response ServerError(int status) const override {
    Response response = status == 503 ? LastfmError(11, "Service Offline - This service is temporarily offline. Try again later.")
                                      : LastfmError(8, "Operation failed - Most likely the backend service failed. Please try again.");
    response.status = status;
    return response;
  }
  Response UnknownPath() const override { return {404, R"({"error":"not found"})", {}, false}; }

  // The stats name of a request under /2.0/: its canonical method name.
  static std::string_view MethodName(const QueryParams& q) {
    std::string method = Lower(q.GetOr("method", ""));
    if (method == "track.gettoptags") return "track.getTopTags";
    if (method == "track.getinfo") return "track.getInfo";
    if (method == "album.getinfo") return "album.getInfo";
    if (method == "album.gettoptags") return "album.getTopTags";
    if (method == "artist.gettoptags") return "artist.getTopTags";
    if (method == "user.getrecenttracks") return "user.getRecentTracks";
    return "invalid-method";
  }

 private:
  static std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  // The track a request names: by MusicBrainz recording id (mbid=) or artist + track.
  std::optional<std::uint64_t> TrackKeyOf(const QueryParams& q) {
    if (auto mbid = q.Get("mbid"); mbid && !mbid->empty()) {
      return ParseMbid(*mbid, IdKind::kTrack, catalog_.seed());
    }
    auto artist = q.Get("artist");
    auto track = q.Get("track");
    if (!artist || !track || artist->empty() || track->empty()) return std::nullopt;
    return catalog_.TrackKey(*artist, *track);
  }

  void WriteTags(JsonOut& out, const std::vector<Tag>& tags, bool with_counts) {
    out.Key("tag").BeginArray();
    for (const auto& tag : tags) {
      out.BeginObject();
      if (with_counts) out.Field("count", std::to_string(tag.count));
      out.Field("name", tag.name);
      out.Field("url", std::string(kSite) + "tag/" + UrlPart(tag.name, true));
      out.EndObject();
    }
    out.EndArray();
  }

  Response TopTags(const std::vector<Tag>& tags, std::initializer_list<std::pair<std::string_view, std::string>> attr) {
    JsonOut out;
    out.BeginObject();
    out.Key("toptags").BeginObject();
    WriteTags(out, tags, true);
    out.Key("@attr").BeginObject();
    for (const auto& [key, value] : attr) out.Field(key, value);
    out.EndObject();
    out.EndObject();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  Response TrackTags(const QueryParams& q) {
    auto key = TrackKeyOf(q);
    if (!key) return LastfmError(6, "You must supply either an artist and track name OR a musicbrainz id.");
    if (catalog_.NotFound(*key)) return LastfmError(6, "Track not found", true);
    TrackRecord track = catalog_.Track(*key);
    return TopTags(catalog_.LastfmTags(track.key, track.artist_key), {{"artist", track.artist}, {"track", track.title}});
  }

  void WriteImages(JsonOut& out, std::uint64_t key) {
    out.Key("image").BeginArray();
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kSizes = {
        {{"small", "34s"}, {"medium", "64s"}, {"large", "174s"}, {"extralarge", "300x300"}}};
    for (const auto& [size, path] : kSizes) {
      out.BeginObject();
      out.Field("#text", "https://lastfm.freetls.fastly.net/i/u/" + std::string(path) + "/" +
                             std::to_string(Mix(key) % 1'000'000'007) + ".png");
      out.Field("size", size);
      out.EndObject();
    }
    out.EndArray();
  }

  Response TrackInfo(const QueryParams& q) {
    auto key = TrackKeyOf(q);
    if (!key) return LastfmError(6, "You must supply either an artist and track name OR a musicbrainz id.");
    if (catalog_.NotFound(*key)) return LastfmError(6, "Track not found", true);
    TrackRecord track = catalog_.Track(*key);
    AlbumRecord album = catalog_.Album(track.album_key);
    SplitMix r(Mix(*key ^ 0x6c666d));
    int listeners = r.Int(50, 2'000'000);
    JsonOut out;
    out.BeginObject();
    out.Key("track").BeginObject();
    out.Field("name", track.title);
    out.Field("mbid", Mbid(track.key, IdKind::kTrack, catalog_.seed()));
    out.Field("url", std::string(kSite) + "music/" + UrlPart(track.artist, false) + "/_/" + UrlPart(track.title, false));
    out.Field("duration", std::to_string(track.duration_ms));
    out.Key("streamable").BeginObject();
    out.Field("#text", "0");
    out.Field("fulltrack", "0");
    out.EndObject();
    out.Field("listeners", std::to_string(listeners));
    out.Field("playcount", std::to_string(static_cast<std::int64_t>(listeners) * r.Int(2, 40)));
    out.Key("artist").BeginObject();
    out.Field("name", track.artist);
    out.Field("mbid", Mbid(track.artist_key, IdKind::kArtist, catalog_.seed()));
    out.Field("url", std::string(kSite) + "music/" + UrlPart(track.artist, false));
    out.EndObject();
    out.Key("album").BeginObject();
    out.Field("artist", album.artist);
    out.Field("title", album.title);
    out.Field("mbid", Mbid(album.key, IdKind::kRelease, catalog_.seed()));
    out.Field("url", std::string(kSite) + "music/" + UrlPart(album.artist, false) + "/" + UrlPart(album.title, false));
    WriteImages(out, album.key);
    out.Key("@attr").BeginObject();
    out.Field("position", std::to_string(track.track_number));
    out.EndObject();
    out.EndObject();
    out.Key("toptags").BeginObject();
    auto tags = catalog_.LastfmTags(track.key, track.artist_key);
    if (tags.size() > 5) tags.resize(5);
    WriteTags(out, tags, false);
    out.EndObject();
    out.EndObject();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  std::optional<std::uint64_t> AlbumKeyOf(const QueryParams& q) {
    auto artist = q.Get("artist");
    auto album = q.Get("album");
    if (!artist || !album || artist->empty() || album->empty()) return std::nullopt;
    return catalog_.AlbumKey(*artist, *album);
  }

  Response AlbumInfo(const QueryParams& q) {
    auto key = AlbumKeyOf(q);
    if (!key) return LastfmError(6, "You must supply either an artist and album name OR a musicbrainz id.");
    if (catalog_.NotFound(*key)) return LastfmError(6, "Album not found", true);
    AlbumRecord album = catalog_.Album(*key);
    SplitMix r(Mix(*key ^ 0x6c666d));
    int listeners = r.Int(50, 2'000'000);
    std::string album_url = std::string(kSite) + "music/" + UrlPart(album.artist, false) + "/" + UrlPart(album.title, false);
    JsonOut out;
    out.BeginObject();
    out.Key("album").BeginObject();
    out.Field("artist", album.artist);
    out.Field("mbid", Mbid(album.key, IdKind::kRelease, catalog_.seed()));
    out.Key("tags").BeginObject();
    auto tags = catalog_.LastfmTags(album.key, album.artist_key);
    if (tags.size() > 5) tags.resize(5);
    WriteTags(out, tags, false);
    out.EndObject();
    out.Field("name", album.title);
    WriteImages(out, album.key);
    out.Key("tracks").BeginObject();
    out.Key("track").BeginArray();
    int rank = 0;
    for (auto track_key : catalog_.AlbumTrackKeys(album)) {
      TrackRecord track = catalog_.Track(track_key);
      out.BeginObject();
      out.Key("streamable").BeginObject();
      out.Field("fulltrack", "0");
      out.Field("#text", "0");
      out.EndObject();
      out.Field("duration", track.duration_ms / 1000);
      out.Field("url", album_url + "/" + UrlPart(track.title, false));
      out.Field("name", track.title);
      out.Key("@attr").BeginObject();
      out.Field("rank", ++rank);
      out.EndObject();
      out.Key("artist").BeginObject();
      out.Field("url", std::string(kSite) + "music/" + UrlPart(album.artist, false));
      out.Field("name", album.artist);
      out.Field("mbid", Mbid(album.artist_key, IdKind::kArtist, catalog_.seed()));
      out.EndObject();
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
    out.Field("listeners", std::to_string(listeners));
    out.Field("playcount", std::to_string(static_cast<std::int64_t>(listeners) * r.Int(5, 60)));
    out.Field("url", album_url);
    if (q.Get("username")) out.Field("userplaycount", r.Int(0, 200));
    out.Key("wiki").BeginObject();
    out.Field("published", "01 Jan 2010, 00:00");
    std::string summary = album.title + " is an album by " + album.artist + ", released in " +
                          std::to_string(album.year) + ". <a href=\"" + album_url + "\">Read more on Last.fm</a>.";
    out.Field("summary", summary);
    out.Field("content", summary);
    out.EndObject();
    out.EndObject();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  Response AlbumTags(const QueryParams& q) {
    auto key = AlbumKeyOf(q);
    if (!key) return LastfmError(6, "You must supply either an artist and album name OR a musicbrainz id.");
    if (catalog_.NotFound(*key)) return LastfmError(6, "Album not found", true);
    AlbumRecord album = catalog_.Album(*key);
    return TopTags(catalog_.LastfmTags(album.key, album.artist_key), {{"artist", album.artist}, {"album", album.title}});
  }

  Response ArtistTags(const QueryParams& q) {
    auto artist = q.Get("artist");
    if (!artist || artist->empty()) return LastfmError(6, "You must supply either an artist name OR a musicbrainz id.");
    std::uint64_t key = catalog_.ArtistKey(*artist);
    if (catalog_.NotFound(key)) return LastfmError(6, "The artist you supplied could not be found", true);
    ArtistRecord record = catalog_.Artist(key);
    return TopTags(catalog_.LastfmTags(key, key), {{"artist", record.name}});
  }

  static std::optional<std::int64_t> IntParam(const QueryParams& q, std::string_view name) {
    auto text = q.Get(name);
    if (!text || text->empty()) return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size()) return std::nullopt;
    return value;
  }

  // One entry of recenttracks.track; `uts` absent for the now-playing entry.
  void WriteRecentTrack(JsonOut& out, std::uint64_t key, bool with_mbid, std::optional<std::int64_t> uts) {
    TrackRecord track = catalog_.Track(key);
    AlbumRecord album = catalog_.Album(track.album_key);
    out.BeginObject();
    out.Key("artist").BeginObject();
    out.Field("mbid", "");
    out.Field("#text", track.artist);
    out.EndObject();
    out.Field("streamable", "0");
    WriteImages(out, album.key);
    out.Field("mbid", with_mbid ? Mbid(track.key, IdKind::kTrack, catalog_.seed()) : std::string());
    out.Key("album").BeginObject();
    out.Field("mbid", "");
    out.Field("#text", album.title);
    out.EndObject();
    out.Field("name", track.title);
    out.Field("url", std::string(kSite) + "music/" + UrlPart(track.artist, false) + "/_/" + UrlPart(track.title, false));
    if (uts) {
      const auto seconds = static_cast<std::time_t>(*uts);
      std::tm utc{};
      gmtime_r(&seconds, &utc);
      char text[32];
      std::strftime(text, sizeof text, "%d %b %Y, %H:%M", &utc);
      out.Key("date").BeginObject();
      out.Field("uts", std::to_string(*uts));
      out.Field("#text", text);
      out.EndObject();
    } else {
      out.Key("@attr").BeginObject();
      out.Field("nowplaying", "true");
      out.EndObject();
    }
    out.EndObject();
  }

  // user.getRecentTracks. The shape, the parameters (limit default 50, at most 200; from and
  // to in unix seconds) and the now-playing entry (first, "@attr":{"nowplaying":"true"}, no
  // date) follow Last.fm's method page as client libraries document it (rdrr.io lastfmr
  // user_getRecentTracks; the TypeScript RecentTracks type of dustycode-web-v2 src/types/
  // lastfm.ts: {recenttracks:{track:[...],"@attr":{user,totalPages,page,perPage,total}}},
  // artist {mbid,"#text"}, date {uts,"#text"}); numbers are strings, as Last.fm sends them.
  // Window: from inclusive, to exclusive. The now-playing entry comes on page 1 when the
  // window reaches the newest scrobble, and is not counted in total or perPage.
  Response RecentTracks(const QueryParams& q) {
    const std::string user(q.GetOr("user", ""));
    const std::vector<Scrobble>* history = user.empty() ? nullptr : scrobbles_.Find(user);
    if (history == nullptr) return LastfmError(6, "User not found", true);
    const std::int64_t limit = std::clamp<std::int64_t>(IntParam(q, "limit").value_or(50), 1, 200);
    const std::int64_t page = std::max<std::int64_t>(1, IntParam(q, "page").value_or(1));
    const auto from = IntParam(q, "from");
    const auto to = IntParam(q, "to");
    // The history is newest first: the window is one contiguous run of it.
    auto first = history->begin();
    auto last = history->end();
    if (to) first = std::partition_point(history->begin(), history->end(), [&](const Scrobble& s) { return s.uts >= *to; });
    if (from) last = std::partition_point(first, history->end(), [&](const Scrobble& s) { return s.uts >= *from; });
    const std::int64_t total = last - first;
    const std::int64_t total_pages = (total + limit - 1) / limit;
    const bool now_playing = page == 1 && first == history->begin();
    JsonOut out;
    out.BeginObject();
    out.Key("recenttracks").BeginObject();
    out.Key("track").BeginArray();
    if (now_playing) WriteRecentTrack(out, scrobbles_.NowPlaying(user), false, std::nullopt);
    for (std::int64_t i = (page - 1) * limit; i < std::min(total, page * limit); ++i) {
      const Scrobble& s = *(first + i);
      WriteRecentTrack(out, s.track_key, s.with_mbid, s.uts);
    }
    out.EndArray();
    out.Key("@attr").BeginObject();
    out.Field("user", user);
    out.Field("totalPages", std::to_string(total_pages));
    out.Field("page", std::to_string(page));
    out.Field("perPage", std::to_string(limit));
    out.Field("total", std::to_string(total));
    out.EndObject();
    out.EndObject();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  Catalog& catalog_;
  ScrobbleBook& scrobbles_;
};

}  // namespace

std::unique_ptr<ProviderApi> MakeLastfmApi(Catalog& catalog, ScrobbleBook& scrobbles) {
  return std::make_unique<LastfmApi>(catalog, scrobbles);
}

}  // namespace provider_sim
