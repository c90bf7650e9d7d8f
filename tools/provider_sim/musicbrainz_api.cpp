// MusicBrainz WS/2 JSON shapes (fixtures: ../shared/fixtures/providers/musicbrainz/):
// lookups include only what `inc=` asks for; searches answer {created, count, offset, ...}.
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "tools/provider_sim/ids.hpp"
#include "tools/provider_sim/json_out.hpp"
#include "tools/provider_sim/provider_api.hpp"

namespace provider_sim {
namespace {

constexpr std::string_view kHelp = "For usage, please see: https://musicbrainz.org/development/mmd";
constexpr std::string_view kOfficialStatusId = "4e304316-386d-3409-af2e-78857eec5cfe";
constexpr std::string_view kAlbumTypeId = "f529b476-6e62-324f-b0aa-1f3e33d313fc";
constexpr std::string_view kSingleTypeId = "d6038452-8ee0-3f68-affc-2de9a1ede0b9";
// Searches report when they ran; a fixed instant keeps bodies deterministic.
constexpr std::string_view kCreated = "2024-01-01T00:00:00.000Z";

Response MbError(int status, std::string_view error, bool not_found = false) {
  JsonOut out;
  out.BeginObject();
  out.Field("error", error);
  out.Field("help", kHelp);
  out.EndObject();
  return {status, out.Take(), {}, not_found};
}

bool ValidIsrc(std::string_view isrc) {
  if (isrc.size() != 12) return false;
  for (std::size_t i = 0; i < 12; ++i) {
    auto c = static_cast<unsigned char>(isrc[i]);
    bool ok = i < 2 ? std::isupper(c) != 0 : (i < 5 ? (std::isupper(c) != 0 || std::isdigit(c) != 0) : std::isdigit(c) != 0);
    if (!ok) return false;
  }
  return true;
}

// "The Killers" -> "Killers, The".
std::string SortName(const std::string& name) {
  if (name.starts_with("The ")) return name.substr(4) + ", The";
  return name;
}

// The set of `inc=` words ("tags+genres+isrcs"; '+' arrives decoded as ' ').
struct Includes {
  explicit Includes(std::string_view inc) : text(" " + std::string(inc) + " ") {
    for (char& c : text) c = c == '+' ? ' ' : c;
  }
  bool Has(std::string_view word) const { return text.find(" " + std::string(word) + " ") != std::string::npos; }
  std::string text;
};

class MusicBrainzApi final : public ProviderApi {
 public:
  explicit MusicBrainzApi(Catalog& catalog) : catalog_(catalog) {}

  // ProviderApi
  std::string_view Endpoint(const Request& request, std::string_view path) const override {
    if (request.method != "GET" || !path.starts_with("/ws/2/")) return "";
    path.remove_prefix(6);
    if (path.starts_with("isrc/")) return "isrc";
    if (path == "recording" || path == "recording/") return "recording-search";
    if (path.starts_with("recording/")) return "recording";
    if (path == "release-group" || path == "release-group/") return "release-group-search";
    if (path.starts_with("release-group/")) return "release-group";
    if (path == "release" || path == "release/") return "release-browse";
    if (path.starts_with("release/")) return "release";
    return "";
  }

  std::optional<Response> CheckAuth(std::string_view /*endpoint*/, const Request& request) const override {
    // MusicBrainz refuses anonymous clients: "Provide meaningful User-Agent strings".
    if (request.user_agent.empty()) {
      return Response{403,
                      R"({"error":"Your requests are being blocked: a User-Agent header is required. See https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting","help":"For usage, please see: https://musicbrainz.org/development/mmd"})",
                      {},
                      false};
    }
    return std::nullopt;
  }

  Response Handle(std::string_view endpoint, std::string_view path, const Request& request) override {
    const QueryParams& q = request.target.query;
    std::string_view tail = path.substr(path.rfind('/') + 1);
    Includes inc(q.GetOr("inc", ""));
    if (endpoint == "isrc") return IsrcLookup(tail, inc);
    if (endpoint == "recording") return RecordingLookup(tail, inc);
    if (endpoint == "release-group") return ReleaseGroupLookup(tail, inc);
    if (endpoint == "release") return ReleaseLookup(tail, inc);
    if (endpoint == "release-browse") return ReleaseBrowse(q);
    if (endpoint == "recording-search") return RecordingSearch(q);
    return ReleaseGroupSearch(q);
  }

  Response RateLimited(int /*retry_after_seconds*/) const override {
    return MbError(503,
                   "Your requests are exceeding the allowable rate limit. Please see "
                   "https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting for more information.");
  }
  Response ServerError(int status) const override {
    return MbError(status, status == 503 ? "The MusicBrainz web server is temporarily unavailable." : "Internal server error");
  }
  Response UnknownPath() const override { return MbError(404, "Not Found"); }

 private:
  std::string Id(std::uint64_t key, IdKind kind) const { return Mbid(key, kind, catalog_.seed()); }

  void WriteArtistCredit(JsonOut& out, std::uint64_t artist_key, const std::string& name) {
    out.Key("artist-credit").BeginArray();
    out.BeginObject();
    out.Field("name", name);
    out.Field("joinphrase", "");
    out.Key("artist").BeginObject();
    out.Field("id", Id(artist_key, IdKind::kArtist));
    out.Field("name", name);
    out.Field("sort-name", SortName(name));
    out.Field("disambiguation", "");
    out.EndObject();
    out.EndObject();
    out.EndArray();
  }

  void WriteTags(JsonOut& out, std::string_view field, const std::vector<Tag>& tags, bool genres) {
    out.Key(field).BeginArray();
    for (const auto& tag : tags) {
      out.BeginObject();
      out.Field("count", tag.count);
      if (genres) out.Field("id", Id(Fnv1a(tag.name), IdKind::kGenre));
      out.Field("name", tag.name);
      if (genres) out.Field("disambiguation", "");
      out.EndObject();
    }
    out.EndArray();
  }

  static std::string Date(const AlbumRecord& album) {
    std::array<char, 16> date{};
    std::snprintf(date.data(), date.size(), "%04d-%02d-%02d", album.year, album.month, album.day);
    return date.data();
  }

  // A recording object: lookups pass `inc`; searches include everything and a score.
  void WriteRecording(JsonOut& out, std::uint64_t key, const Includes* inc, int score) {
    TrackRecord track = catalog_.Track(key);
    AlbumRecord album = catalog_.Album(track.album_key);
    bool all = inc == nullptr;
    out.BeginObject();
    out.Field("id", Id(key, IdKind::kTrack));
    if (score > 0) out.Field("score", score);
    out.Field("title", track.title);
    out.Field("length", track.duration_ms);
    out.Field("disambiguation", "");
    out.Field("video", false);
    out.Field("first-release-date", Date(album));
    if (all || inc->Has("artist-credits") || inc->Has("artists")) WriteArtistCredit(out, track.artist_key, track.artist);
    if (all || inc->Has("isrcs")) {
      out.Key("isrcs").BeginArray();
      out.Str(track.isrc);
      out.EndArray();
    }
    if (all || inc->Has("releases")) {
      out.Key("releases").BeginArray();
      out.BeginObject();
      WriteReleaseHead(out, album);
      out.Field("track-count", album.total_tracks);
      out.Key("release-group").BeginObject();
      out.Field("id", Id(album.key, IdKind::kReleaseGroup));
      out.Field("title", album.title);
      WriteType(out, album);
      out.EndObject();
      out.EndObject();
      out.EndArray();
    }
    if (all || inc->Has("tags")) WriteTags(out, "tags", catalog_.MusicBrainzTags(key, track.artist_key), false);
    if (!all && inc->Has("genres")) WriteTags(out, "genres", catalog_.MusicBrainzGenres(key, track.artist_key), true);
    out.EndObject();
  }

  static void WriteType(JsonOut& out, const AlbumRecord& album) {
    bool single = album.album_type == "single";
    out.Field("primary-type", single ? "Single" : "Album");
    out.Field("primary-type-id", single ? kSingleTypeId : kAlbumTypeId);
  }

  void WriteReleaseGroup(JsonOut& out, std::uint64_t key, const Includes* inc, int score) {
    AlbumRecord album = catalog_.Album(key);
    bool all = inc == nullptr;
    out.BeginObject();
    out.Field("id", Id(key, IdKind::kReleaseGroup));
    if (score > 0) out.Field("score", score);
    out.Field("title", album.title);
    out.Field("disambiguation", "");
    out.Field("first-release-date", Date(album));
    WriteType(out, album);
    out.EmptyArray("secondary-types");
    out.EmptyArray("secondary-type-ids");
    if (all || inc->Has("artist-credits") || inc->Has("artists")) WriteArtistCredit(out, album.artist_key, album.artist);
    if (all) {
      out.Field("count", 1);
      out.Key("releases").BeginArray();
      out.BeginObject();
      out.Field("id", Id(key, IdKind::kRelease));
      out.Field("status-id", kOfficialStatusId);
      out.Field("title", album.title);
      out.Field("status", "Official");
      out.EndObject();
      out.EndArray();
    } else if (inc->Has("releases")) {
      out.Key("releases").BeginArray();
      WriteReleaseSummary(out, album);
      out.EndArray();
    }
    if (all || inc->Has("tags")) WriteTags(out, "tags", catalog_.MusicBrainzTags(key, album.artist_key), false);
    if (!all && inc->Has("genres")) WriteTags(out, "genres", catalog_.MusicBrainzGenres(key, album.artist_key), true);
    out.EndObject();
  }

  // The fields a release begins with, in this order, wherever it is written in full: in a
  // recording's releases and in WriteReleaseFields.
  void WriteReleaseHead(JsonOut& out, const AlbumRecord& album) {
    out.Field("id", Id(album.key, IdKind::kRelease));
    out.Field("title", album.title);
    out.Field("status", "Official");
    out.Field("status-id", kOfficialStatusId);
    out.Field("date", Date(album));
    out.Field("country", "XW");
  }

  // A release as lookups with inc=releases and browses list it (the fixture's top level
  // without media): the album is the release group's one release.
  void WriteReleaseFields(JsonOut& out, const AlbumRecord& album) {
    WriteReleaseHead(out, album);
    out.Field("barcode", album.upc);
    out.Field("disambiguation", "");
    out.Field("packaging", "None");
    out.NullField("packaging-id");
    out.NullField("asin");
    out.Field("quality", "normal");
    out.Key("text-representation").BeginObject();
    out.Field("language", "eng");
    out.Field("script", "Latn");
    out.EndObject();
    out.Key("release-events").BeginArray();
    out.BeginObject();
    out.Field("date", Date(album));
    out.NullField("area");
    out.EndObject();
    out.EndArray();
  }

  void WriteReleaseSummary(JsonOut& out, const AlbumRecord& album) {
    out.BeginObject();
    WriteReleaseFields(out, album);
    out.EndObject();
  }

  // GET /release/{mbid}: the album's tracks (Catalog::AlbumTrackKeys, the same Spotify's album
  // lists) on one "Digital Media" medium, positions 1..n; with inc=recordings each track carries
  // its recording (the id a recording lookup answers, isrcs with inc=isrcs).
  Response ReleaseLookup(std::string_view mbid, const Includes& inc) {
    auto key = ParseMbid(mbid, IdKind::kRelease, catalog_.seed());
    if (!key) return MbError(mbid.size() == 36 ? 404 : 400, mbid.size() == 36 ? "Not Found" : "Invalid mbid.", true);
    if (catalog_.NotFound(*key)) return MbError(404, "Not Found", true);
    AlbumRecord album = catalog_.Album(*key);
    bool credits = inc.Has("artist-credits") || inc.Has("artists");
    JsonOut out;
    out.BeginObject();
    WriteReleaseFields(out, album);
    if (credits) WriteArtistCredit(out, album.artist_key, album.artist);
    out.Key("cover-art-archive").BeginObject();
    out.Field("artwork", false);
    out.Field("count", 0);
    out.Field("front", false);
    out.Field("back", false);
    out.Field("darkened", false);
    out.EndObject();
    auto track_keys = catalog_.AlbumTrackKeys(album);
    out.Key("media").BeginArray();
    out.BeginObject();
    out.Field("id", Id(album.key, IdKind::kReleaseTrack));  // the medium's own id
    out.Field("position", 1);
    out.Field("title", "");
    out.Field("format", "Digital Media");
    out.Field("format-id", "907a28d9-b3b2-3ef6-89a8-7b18d91d4794");
    out.Field("track-offset", 0);
    out.Field("track-count", static_cast<std::int64_t>(track_keys.size()));
    if (inc.Has("recordings")) {
      out.Key("tracks").BeginArray();
      for (std::size_t i = 0; i < track_keys.size(); ++i) {
        TrackRecord track = catalog_.Track(track_keys[i]);
        out.BeginObject();
        out.Field("id", Id(track_keys[i], IdKind::kReleaseTrack));
        out.Field("position", static_cast<std::int64_t>(i + 1));
        out.Field("number", std::to_string(i + 1));
        out.Field("title", track.title);
        out.Field("length", track.duration_ms);
        if (credits) WriteArtistCredit(out, track.artist_key, track.artist);
        out.Key("recording").BeginObject();
        out.Field("id", Id(track_keys[i], IdKind::kTrack));
        out.Field("title", track.title);
        out.Field("length", track.duration_ms);
        out.Field("disambiguation", "");
        out.Field("video", false);
        out.Field("first-release-date", Date(album));
        if (credits) WriteArtistCredit(out, track.artist_key, track.artist);
        if (inc.Has("isrcs")) {
          out.Key("isrcs").BeginArray();
          out.Str(track.isrc);
          out.EndArray();
        }
        out.EndObject();
        out.EndObject();
      }
      out.EndArray();
    }
    out.EndObject();
    out.EndArray();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  // GET /release?release-group={mbid}[&status=official]: {"release-count","release-offset","releases"}.
  Response ReleaseBrowse(const QueryParams& q) {
    auto group = q.Get("release-group");
    if (!group || group->empty()) return MbError(400, "Missing required parameter: release-group");
    auto key = ParseMbid(*group, IdKind::kReleaseGroup, catalog_.seed());
    if (!key) return MbError(group->size() == 36 ? 404 : 400, group->size() == 36 ? "Not Found" : "Invalid mbid.", true);
    if (catalog_.NotFound(*key)) return MbError(404, "Not Found", true);
    AlbumRecord album = catalog_.Album(*key);
    JsonOut out;
    out.BeginObject();
    out.Field("release-count", 1);
    out.Field("release-offset", 0);
    out.Key("releases").BeginArray();
    WriteReleaseSummary(out, album);
    out.EndArray();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  Response IsrcLookup(std::string_view isrc, const Includes& inc) {
    if (!ValidIsrc(isrc)) return MbError(400, "Invalid isrc.");
    std::uint64_t key = catalog_.IsrcKey(isrc);
    if (catalog_.NotFound(key)) return MbError(404, "Not Found", true);
    JsonOut out;
    out.BeginObject();
    out.Field("isrc", isrc);
    out.Key("recordings").BeginArray();
    WriteRecording(out, key, &inc, 0);
    out.EndArray();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  Response RecordingLookup(std::string_view mbid, const Includes& inc) {
    auto key = ParseMbid(mbid, IdKind::kTrack, catalog_.seed());
    if (!key) return MbError(mbid.size() == 36 ? 404 : 400, mbid.size() == 36 ? "Not Found" : "Invalid mbid.", true);
    if (catalog_.NotFound(*key)) return MbError(404, "Not Found", true);
    JsonOut out;
    WriteRecording(out, *key, &inc, 0);
    return {200, out.Take(), {}, false};
  }

  Response ReleaseGroupLookup(std::string_view mbid, const Includes& inc) {
    auto key = ParseMbid(mbid, IdKind::kReleaseGroup, catalog_.seed());
    if (!key) return MbError(mbid.size() == 36 ? 404 : 400, mbid.size() == 36 ? "Not Found" : "Invalid mbid.", true);
    if (catalog_.NotFound(*key)) return MbError(404, "Not Found", true);
    JsonOut out;
    WriteReleaseGroup(out, *key, &inc, 0);
    return {200, out.Take(), {}, false};
  }

  template <typename WriteFn>
  Response SearchBody(std::string_view list, const std::vector<std::uint64_t>& keys, const QueryParams& q, WriteFn write) {
    int limit = std::atoi(std::string(q.GetOr("limit", "25")).c_str());
    int offset = std::atoi(std::string(q.GetOr("offset", "0")).c_str());
    if (limit < 1 || limit > 100) limit = 25;
    if (offset < 0) offset = 0;
    JsonOut out;
    out.BeginObject();
    out.Field("created", kCreated);
    out.Field("count", static_cast<std::int64_t>(keys.size()));
    out.Field("offset", offset);
    out.Key(list).BeginArray();
    for (std::size_t i = static_cast<std::size_t>(offset); i < keys.size() && i < static_cast<std::size_t>(offset + limit); ++i) {
      write(out, keys[i], 100 - static_cast<int>(i) * 12);
    }
    out.EndArray();
    out.EndObject();
    return {200, out.Take(), {}, keys.empty()};
  }

  Response RecordingSearch(const QueryParams& q) {
    auto query = q.Get("query");
    if (!query || query->empty()) return MbError(400, "Missing required parameter: query");
    FieldQuery fields = ParseFieldQuery(*query);
    std::vector<std::uint64_t> keys;
    if (auto isrc = fields.Field("isrc")) {
      std::uint64_t key = catalog_.IsrcKey(*isrc);
      if (!catalog_.NotFound(key)) keys.push_back(key);
    } else {
      std::string_view title = fields.Field("recording").value_or(fields.Field("recordingaccent").value_or(fields.text));
      std::string_view artist = fields.Field("artist").value_or(fields.Field("artistname").value_or(""));
      std::uint64_t key = catalog_.TrackKey(artist, title);
      if (!catalog_.NotFound(key)) keys = catalog_.SearchResults(key);
    }
    return SearchBody("recordings", keys, q, [this](JsonOut& out, std::uint64_t key, int score) {
      WriteRecording(out, key, nullptr, score);
    });
  }

  Response ReleaseGroupSearch(const QueryParams& q) {
    auto query = q.Get("query");
    if (!query || query->empty()) return MbError(400, "Missing required parameter: query");
    FieldQuery fields = ParseFieldQuery(*query);
    std::string_view title = fields.Field("releasegroup").value_or(fields.Field("release").value_or(fields.text));
    std::string_view artist = fields.Field("artist").value_or(fields.Field("artistname").value_or(""));
    std::uint64_t key = catalog_.AlbumKey(artist, title);
    std::vector<std::uint64_t> keys;
    if (!catalog_.NotFound(key)) keys.push_back(key);
    return SearchBody("release-groups", keys, q, [this](JsonOut& out, std::uint64_t k, int score) {
      WriteReleaseGroup(out, k, nullptr, score);
    });
  }

  Catalog& catalog_;
};

}  // namespace

std::unique_ptr<ProviderApi> MakeMusicBrainzApi(Catalog& catalog) { return std::make_unique<MusicBrainzApi>(catalog); }

}  // namespace provider_sim
