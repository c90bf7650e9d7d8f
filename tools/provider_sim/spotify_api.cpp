// Spotify Web API shapes (fixtures: ../shared/fixtures/providers/spotify/): client
// credentials token, search paging objects, full track/album/artist objects, audio features.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "tools/provider_sim/ids.hpp"
#include "tools/provider_sim/json_out.hpp"
#include "tools/provider_sim/provider_api.hpp"

namespace provider_sim {
namespace {

constexpr std::string_view kApi = "https://api.spotify.com/v1/";
constexpr std::string_view kOpen = "https://open.spotify.com/";
constexpr std::array<std::string_view, 20> kMarkets = {"AD", "AR", "AT", "AU", "BE", "BR", "CA", "CH", "DE", "DK",
                                                       "ES", "FI", "FR", "GB", "IT", "JP", "MX", "NL", "SE", "US"};

std::string ErrorBody(int status, std::string_view message) {
  JsonOut out;
  out.BeginObject();
  out.Key("error").BeginObject();
  out.Field("status", status);
  out.Field("message", message);
  out.EndObject();
  out.EndObject();
  return out.Take();
}

Response Error(int status, std::string_view message, bool not_found = false) {
  return {status, ErrorBody(status, message), {}, not_found};
}

std::string ImageHash(std::uint64_t key) {
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(Mix(key)));
  return std::string(hex.data(), 16);
}

std::vector<std::string_view> SplitIds(std::string_view ids) {
  std::vector<std::string_view> out;
  while (!ids.empty()) {
    std::size_t comma = ids.find(',');
    out.push_back(ids.substr(0, comma));
    ids = comma == std::string_view::npos ? std::string_view{} : ids.substr(comma + 1);
  }
  return out;
}

class SpotifyApi final : public ProviderApi {
 public:
  explicit SpotifyApi(Catalog& catalog) : catalog_(catalog) {}

  // ProviderApi
  std::string_view Endpoint(const Request& request, std::string_view path) const override {
    std::string_view method = request.method;
    if (path == "/api/token") return method == "POST" ? "token" : "";
    if (method != "GET") return "";
    if (path == "/v1/search") return "search";
    if (path == "/v1/tracks") return "tracks";
    if (path.starts_with("/v1/tracks/")) return "track";
    if (path.starts_with("/v1/albums/") && path.ends_with("/tracks")) return "album-tracks";
    if (path.starts_with("/v1/albums/")) return "album";
    if (path == "/v1/artists") return "artists";
    if (path.starts_with("/v1/artists/")) return "artist";
    if (path == "/v1/audio-features") return "audio-features";
    if (path.starts_with("/v1/audio-features/")) return "audio-feature";
    return "";
  }

  // The accounts service has its own limits; only the Web API is limited here.
  bool Limited(std::string_view endpoint) const override { return endpoint != "token"; }

  std::optional<Response> CheckAuth(std::string_view endpoint, const Request& request) const override {
    if (endpoint == "token") {
      if (!request.authorization.starts_with("Basic ") || request.authorization.size() <= 6) {
        return Response{400, R"({"error":"invalid_client","error_description":"Invalid client"})", {}, false};
      }
      return std::nullopt;
    }
    if (request.authorization.empty()) return Error(401, "No token provided");
    std::string_view auth = request.authorization;
    if (!auth.starts_with("Bearer ") || !ValidToken(auth.substr(7))) return Error(401, "Invalid access token");
    return std::nullopt;
  }

  Response Handle(std::string_view endpoint, std::string_view path, const Request& request) override {
    if (endpoint == "token") return Token(request);
    if (endpoint == "search") return Search(request.target.query);
    if (endpoint == "tracks") return Several(request.target.query, "tracks", 50, IdKind::kTrack);
    if (endpoint == "artists") return Several(request.target.query, "artists", 50, IdKind::kArtist);
    if (endpoint == "audio-features") return Several(request.target.query, "audio_features", 100, IdKind::kTrack);
    if (endpoint == "album-tracks") return AlbumTracks(path, request.target.query);
    std::string_view id = path.substr(path.rfind('/') + 1);
    if (endpoint == "track") return One(id, IdKind::kTrack, [this](JsonOut& out, std::uint64_t key) { WriteTrack(out, key, true); });
    if (endpoint == "album") return One(id, IdKind::kAlbum, [this](JsonOut& out, std::uint64_t key) { WriteAlbum(out, key, true); });
    if (endpoint == "artist") return One(id, IdKind::kArtist, [this](JsonOut& out, std::uint64_t key) { WriteArtist(out, key, true); });
    return One(id, IdKind::kTrack, [this](JsonOut& out, std::uint64_t key) { WriteFeatures(out, key); });
  }

  Response RateLimited(int retry_after_seconds) const override {
    Response response = Error(429, "API rate limit exceeded");
    response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
    return response;
  }
  Response ServerError(int status) const override {
    return Error(status, status == 503 ? "Service unavailable" : "Server error");
  }
  Response UnknownPath() const override { return Error(404, "Service not found"); }

 private:
  bool ValidToken(std::string_view token) const {
    return token.size() == 24 && token.starts_with("BQ") &&
           ParseSpotifyId(token.substr(2), IdKind::kToken, catalog_.seed()).has_value();
  }

  Response Token(const Request& request) {
    QueryParams form = ParseQueryString(request.body);
    if (form.GetOr("grant_type", "") != "client_credentials") {
      return {400, R"({"error":"unsupported_grant_type","error_description":"grant_type parameter is missing"})", {},
              false};
    }
    JsonOut out;
    out.BeginObject();
    out.Field("access_token", "BQ" + SpotifyId(Mix(++tokens_issued_ ^ 0x746f6b), IdKind::kToken, catalog_.seed()));
    out.Field("token_type", "Bearer");
    out.Field("expires_in", 3600);
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  // GET /v1/albums/{id}/tracks?offset=&limit=: a paging object of simplified tracks (limit
  // 1..50, default 20, as Spotify documents it), `next` set while tracks remain.
  Response AlbumTracks(std::string_view path, const QueryParams& params) {
    std::string_view rest = path.substr(std::string_view("/v1/albums/").size());
    std::string_view id = rest.substr(0, rest.find('/'));
    auto number = [&params](std::string_view name, int fallback) {
      std::string_view text = params.GetOr(name, "");
      int value = fallback;
      if (!text.empty() && std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc{}) return -1;
      return value;
    };
    int offset = number("offset", 0);
    int limit = number("limit", 20);
    if (offset < 0 || limit < 1 || limit > 50) return Error(400, "Invalid limit or offset");
    auto key = ParseSpotifyId(id, IdKind::kAlbum, catalog_.seed());
    if (!key) return Error(400, "invalid id");
    if (catalog_.NotFound(*key)) return Error(404, "Resource not found", true);
    AlbumRecord album = catalog_.Album(*key);
    auto track_keys = catalog_.AlbumTrackKeys(album);
    auto total = static_cast<int>(track_keys.size());
    auto page_url = [&id, limit](int at) {
      return std::string(kApi) + "albums/" + std::string(id) + "/tracks?offset=" + std::to_string(at) +
             "&limit=" + std::to_string(limit);
    };
    JsonOut out;
    out.BeginObject();
    out.Field("href", page_url(offset));
    out.Key("items").BeginArray();
    for (int i = offset; i < total && i < offset + limit; ++i) {
      WriteTrack(out, track_keys[static_cast<std::size_t>(i)], false, i + 1);
    }
    out.EndArray();
    out.Field("limit", limit);
    if (offset + limit < total) out.Field("next", page_url(offset + limit));
    else out.NullField("next");
    out.Field("offset", offset);
    if (offset > 0) out.Field("previous", page_url(std::max(0, offset - limit)));
    else out.NullField("previous");
    out.Field("total", static_cast<std::int64_t>(total));
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  template <typename WriteFn>
  Response One(std::string_view id, IdKind kind, WriteFn write) {
    auto key = ParseSpotifyId(id, kind, catalog_.seed());
    if (!key) return Error(400, "invalid id");
    if (catalog_.NotFound(*key)) return Error(404, "Resource not found", true);
    JsonOut out;
    write(out, *key);
    return {200, out.Take(), {}, false};
  }

  Response Several(const QueryParams& query, std::string_view field, std::size_t max, IdKind kind) {
    auto ids_param = query.Get("ids");
    if (!ids_param || ids_param->empty()) return Error(400, "invalid request");
    auto ids = SplitIds(*ids_param);
    if (ids.size() > max) return Error(400, "Too many ids requested");
    bool any_found = false;
    JsonOut out;
    out.BeginObject();
    out.Key(field).BeginArray();
    for (auto id : ids) {
      auto key = ParseSpotifyId(id, kind, catalog_.seed());
      if (!key || catalog_.NotFound(*key)) {
        out.Null();
        continue;
      }
      any_found = true;
      if (field == "tracks") WriteTrack(out, *key, true);
      else if (field == "artists") WriteArtist(out, *key, true);
      else WriteFeatures(out, *key);
    }
    out.EndArray();
    out.EndObject();
    return {200, out.Take(), {}, !any_found};
  }

  Response Search(const QueryParams& query) {
    auto q = query.Get("q");
    auto type = query.Get("type");
    if (!q || q->empty()) return Error(400, "No search query");
    if (!type) return Error(400, "Missing parameter type");
    int limit = 20;
    int offset = 0;
    if (auto text = query.Get("limit")) {
      limit = std::atoi(std::string(*text).c_str());
      if (limit < 1 || limit > 50) return Error(400, "Invalid limit");
    }
    if (auto text = query.Get("offset")) {
      offset = std::atoi(std::string(*text).c_str());
      if (offset < 0 || offset > 1000) return Error(400, "Invalid offset");
    }
    FieldQuery fields = ParseFieldQuery(*q);
    std::string_view artist = fields.Field("artist").value_or("");
    std::vector<std::uint64_t> keys;
    std::string_view kind;
    if (*type == "track") {
      kind = "tracks";
      std::uint64_t key = 0;
      if (auto isrc = fields.Field("isrc")) {
        key = catalog_.IsrcKey(*isrc);
        if (!catalog_.NotFound(key)) keys.push_back(key);
      } else {
        key = catalog_.TrackKey(artist, fields.Field("track").value_or(fields.text));
        if (!catalog_.NotFound(key)) keys = catalog_.SearchResults(key);
      }
    } else if (*type == "album") {
      kind = "albums";
      std::uint64_t key = catalog_.AlbumKey(artist, fields.Field("album").value_or(fields.text));
      if (!catalog_.NotFound(key)) keys.push_back(key);
    } else if (*type == "artist") {
      kind = "artists";
      std::uint64_t key = catalog_.ArtistKey(fields.Field("artist").value_or(fields.text));
      if (!catalog_.NotFound(key)) keys.push_back(key);
    } else {
      return Error(400, "Bad search type field " + std::string(*type));
    }
    std::string href = std::string(kApi) + "search?query=" + std::string(*q) + "&type=" + std::string(*type);
    JsonOut out;
    out.BeginObject();
    out.Key(kind).BeginObject();
    out.Field("href", href + "&offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit));
    out.Key("items").BeginArray();
    for (std::size_t i = static_cast<std::size_t>(offset);
         i < keys.size() && i < static_cast<std::size_t>(offset + limit); ++i) {
      if (kind == "tracks") WriteTrack(out, keys[i], true);
      else if (kind == "albums") WriteAlbum(out, keys[i], false);
      else WriteArtist(out, keys[i], true);
    }
    out.EndArray();
    out.Field("limit", limit);
    if (static_cast<std::size_t>(offset + limit) < keys.size()) {
      out.Field("next", href + "&offset=" + std::to_string(offset + limit) + "&limit=" + std::to_string(limit));
    } else {
      out.NullField("next");
    }
    out.Field("offset", offset);
    if (offset > 0) {
      out.Field("previous", href + "&offset=" + std::to_string(std::max(0, offset - limit)) +
                                "&limit=" + std::to_string(limit));
    } else {
      out.NullField("previous");
    }
    out.Field("total", static_cast<std::int64_t>(keys.size()));
    out.EndObject();
    out.EndObject();
    return {200, out.Take(), {}, keys.empty()};
  }

  void WriteLinks(JsonOut& out, std::string_view type, const std::string& id) {
    out.Key("external_urls").BeginObject();
    out.Field("spotify", std::string(kOpen) + std::string(type) + "/" + id);
    out.EndObject();
    out.Field("href", std::string(kApi) + std::string(type) + "s/" + id);
    out.Field("id", id);
  }

  void WriteMarkets(JsonOut& out) {
    out.Key("available_markets").BeginArray();
    for (auto market : kMarkets) out.Str(market);
    out.EndArray();
  }

  void WriteImages(JsonOut& out, std::uint64_t key) {
    out.Key("images").BeginArray();
    for (int size : {640, 300, 64}) {
      out.BeginObject();
      out.Field("height", size);
      out.Field("url", "https://i.scdn.co/image/ab67616d0000b273" + ImageHash(key ^ static_cast<std::uint64_t>(size)));
      out.Field("width", size);
      out.EndObject();
    }
    out.EndArray();
  }

  // Simplified artist when !full (inside tracks and albums), full artist object otherwise.
  void WriteArtist(JsonOut& out, std::uint64_t key, bool full) {
    ArtistRecord artist = catalog_.Artist(key);
    std::string id = SpotifyId(key, IdKind::kArtist, catalog_.seed());
    out.BeginObject();
    WriteLinks(out, "artist", id);
    if (full) {
      out.Key("followers").BeginObject();
      out.NullField("href");
      out.Field("total", artist.followers);
      out.EndObject();
      out.Key("genres").BeginArray();
      for (const auto& genre : artist.genres) out.Str(genre);
      out.EndArray();
      WriteImages(out, key);
      out.Field("popularity", artist.popularity);
    }
    out.Field("name", artist.name);
    out.Field("type", "artist");
    out.Field("uri", "spotify:artist:" + id);
    out.EndObject();
  }

  void WriteAlbum(JsonOut& out, std::uint64_t key, bool full) {
    AlbumRecord album = catalog_.Album(key);
    std::string id = SpotifyId(key, IdKind::kAlbum, catalog_.seed());
    std::array<char, 16> date{};
    std::snprintf(date.data(), date.size(), "%04d-%02d-%02d", album.year, album.month, album.day);
    out.BeginObject();
    out.Field("album_type", album.album_type);
    out.Key("artists").BeginArray();
    WriteArtist(out, album.artist_key, false);
    out.EndArray();
    WriteMarkets(out);
    WriteLinks(out, "album", id);
    WriteImages(out, key);
    out.Field("name", album.title);
    out.Field("release_date", date.data());
    out.Field("release_date_precision", "day");
    out.Field("total_tracks", album.total_tracks);
    out.Field("type", "album");
    out.Field("uri", "spotify:album:" + id);
    if (full) {
      out.Key("copyrights").BeginArray();
      out.BeginObject();
      out.Field("text", std::to_string(album.year) + " " + album.label);
      out.Field("type", "C");
      out.EndObject();
      out.EndArray();
      out.Key("external_ids").BeginObject();
      out.Field("upc", album.upc);
      out.EndObject();
      out.EmptyArray("genres");  // Spotify leaves album genres empty; artists carry them
      out.Field("label", album.label);
      out.Field("popularity", album.popularity);
      auto track_keys = catalog_.AlbumTrackKeys(album);
      out.Key("tracks").BeginObject();
      out.Field("href", std::string(kApi) + "albums/" + id + "/tracks?offset=0&limit=50");
      out.Key("items").BeginArray();
      for (std::size_t i = 0; i < track_keys.size(); ++i) WriteTrack(out, track_keys[i], false, static_cast<int>(i + 1));
      out.EndArray();
      out.Field("limit", 50);
      out.NullField("next");
      out.Field("offset", 0);
      out.NullField("previous");
      out.Field("total", static_cast<std::int64_t>(track_keys.size()));
      out.EndObject();
    }
    out.EndObject();
  }

  // Full track (with album, external_ids, popularity) or the simplified one albums list.
  void WriteTrack(JsonOut& out, std::uint64_t key, bool full, int track_number = 0) {
    TrackRecord track = catalog_.Track(key);
    std::string id = SpotifyId(key, IdKind::kTrack, catalog_.seed());
    out.BeginObject();
    if (full) {
      out.Key("album");
      WriteAlbum(out, track.album_key, false);
    }
    out.Key("artists").BeginArray();
    WriteArtist(out, track.artist_key, false);
    out.EndArray();
    WriteMarkets(out);
    out.Field("disc_number", track.disc_number);
    out.Field("duration_ms", track.duration_ms);
    out.Field("explicit", track.explicit_content);
    if (full) {
      out.Key("external_ids").BeginObject();
      out.Field("isrc", track.isrc);
      out.EndObject();
    }
    WriteLinks(out, "track", id);
    out.Field("is_local", false);
    out.Field("name", track.title);
    if (full) out.Field("popularity", track.popularity);
    out.NullField("preview_url");
    out.Field("track_number", track_number > 0 ? track_number : track.track_number);
    out.Field("type", "track");
    out.Field("uri", "spotify:track:" + id);
    out.EndObject();
  }

  void WriteFeatures(JsonOut& out, std::uint64_t key) {
    AudioFeatures f = catalog_.Features(key);
    std::string id = SpotifyId(key, IdKind::kTrack, catalog_.seed());
    out.BeginObject();
    out.Field("danceability", f.danceability);
    out.Field("energy", f.energy);
    out.Field("key", f.key);
    out.Field("loudness", f.loudness);
    out.Field("mode", f.mode);
    out.Field("speechiness", f.speechiness);
    out.Field("acousticness", f.acousticness);
    out.Field("instrumentalness", f.instrumentalness);
    out.Field("liveness", f.liveness);
    out.Field("valence", f.valence);
    out.Field("tempo", f.tempo);
    out.Field("type", "audio_features");
    out.Field("id", id);
    out.Field("uri", "spotify:track:" + id);
    out.Field("track_href", std::string(kApi) + "tracks/" + id);
    out.Field("analysis_url", std::string(kApi) + "audio-analysis/" + id);
    out.Field("duration_ms", f.duration_ms);
    out.Field("time_signature", f.time_signature);
    out.EndObject();
  }

  Catalog& catalog_;
  std::uint64_t tokens_issued_ = 0;
};

}  // namespace

std::unique_ptr<ProviderApi> MakeSpotifyApi(Catalog& catalog) { return std::make_unique<SpotifyApi>(catalog); }

}  // namespace provider_sim
