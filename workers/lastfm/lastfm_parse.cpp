#include "workers/lastfm/lastfm_parse.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <chrono>
#include <cstdlib>

#include "common/http/url.hpp"
#include "common/json/body_reader.hpp"
#include "common/json/record_writer.hpp"

namespace lastfm {
namespace {

using json::Node;

std::string Where(std::string_view endpoint) { return "lastfm " + std::string(endpoint); }

core::Result<json::Body> Parse(std::string_view body, std::string_view endpoint) {
  return json::Body::Parse(body, Where(endpoint));
}

// Last.fm text: a string, or an object with "#text" (or "name"); "" otherwise.
std::string Text(Node node) {
  if (auto text = node.AsString()) return std::string(*text);
  if (auto text = node["#text"].AsString()) return std::string(*text);
  if (auto name = node["name"].AsString()) return std::string(*name);
  return "";
}

// A count that arrives as "100", 100 or 100.0; nullopt when absent or not a number.
std::optional<double> Number(Node node) {
  if (auto n = node.AsDouble()) return n;
  if (auto text = node.AsString()) {
    std::string copy(*text);
    char* end = nullptr;
    double n = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() && *end == '\0') return n;
  }
  return std::nullopt;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  return true;
}

std::optional<std::string> Uuid(Node node) {
  std::string text = Text(node);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (IsUuid(text)) return text;
  return std::nullopt;
}

std::optional<std::string> NonEmpty(std::string text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// `tags` / `toptags`: {"tag": [..] | {..} | absent}, or "" (no tags), or null.
std::vector<normalize::WeightedTag> Tags(Node node) {
  std::vector<normalize::WeightedTag> out;
  if (!node.Given() || node.IsString()) return out;
  if (!node.IsObject()) {
    node.WrongType("an object or a string");
    return out;
  }
  Node tag = node["tag"];
  if (!tag.Given() || tag.IsString()) return out;
  auto add = [&](Node t) {
    if (!t.IsObject()) {
      t.WrongType("an object");
      return;
    }
    std::string name = Text(t["name"]);
    if (name.empty()) return;
    auto count = Number(t["count"]);
    out.push_back({std::move(name), count ? *count : 1.0});
  };
  if (tag.IsObject()) {
    add(tag);
  } else if (tag.IsArray()) {
    for (Node t : tag.Items()) add(t);
  } else {
    tag.WrongType("an array or an object");
  }
  return out;
}

// The error an error object means, when `body` is one ({"error": N, "message": ...}).
std::optional<core::Error> ErrorObject(const json::Body& body, std::string_view endpoint) {
  Node code = body.Root()["error"];
  if (!code.Present()) return std::nullopt;
  auto n = Number(code);
  if (!n) {
    code.WrongType("a numeric error code");
    return body.Problem();
  }
  return ErrorFor(static_cast<int>(*n), Text(body.Root()["message"]), endpoint);
}

std::string RawJson(const std::vector<std::pair<std::string, std::string>>& raw) {
  if (raw.empty()) return "";
  std::string out = "{";
  for (const auto& [endpoint, body] : raw) {
    if (out.size() > 1) out += ',';
    out += '"' + endpoint + "\":" + body;
  }
  return out + "}";
}

template <typename Record>
void Classify(Record& record, const std::vector<normalize::WeightedTag>& tags, std::string_view artist,
              const normalize::Vocabulary& vocabulary) {
  auto classified = vocabulary.Classify(tags, artist);
  record.genres = std::move(classified.genres);
  record.moods = std::move(classified.moods);
}

}  // namespace

bool IsApiKeyError(int code) { return code == kErrorInvalidApiKey || code == kErrorSuspendedApiKey; }

core::Error ErrorFor(int code, std::string_view message, std::string_view endpoint) {
  std::string why = Where(endpoint) + ": error " + std::to_string(code) + " " + std::string(message);
  switch (code) {
    case kErrorNotFound:
      return core::Error::NotFound(why);
    case kErrorRateLimitExceeded:
      return core::Error::Transient(why, std::chrono::milliseconds(1000));
    case kErrorOperationFailed:
    case kErrorServiceOffline:
    case kErrorTemporarilyUnavailable:
      return core::Error::Transient(why);
    case kErrorInvalidApiKey:
    case kErrorSuspendedApiKey:
      return core::Error::InvalidInput(why + " (check TUNEFLEET_LASTFM_API_KEY)");
    default:
      return core::Error::InvalidInput(why);
  }
}

std::optional<core::Error> ClassifyBody(std::string_view body, std::string_view endpoint) {
  auto parsed = Parse(body, endpoint);
  if (!parsed) return parsed.error();
  return ErrorObject(*parsed, endpoint);
}

std::optional<int> ErrorCode(std::string_view body) {
  auto parsed = Parse(body, "answer");
  if (!parsed) return std::nullopt;
  auto n = Number(parsed->Root()["error"]);
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

core::Result<TopTags> ParseTopTags(std::string_view body, std::string_view endpoint) {
  auto parsed = Parse(body, endpoint);
  if (!parsed) return parsed.error();
  if (auto error = ErrorObject(*parsed, endpoint)) return *error;
  Node root = parsed->Root()["toptags"].RequireObject();
  TopTags out;
  Node attr = root["@attr"];
  // The empty form carries the artist beside "#text" instead of under @attr.
  out.artist = Text(attr.Present() ? attr["artist"] : root["artist"]);
  out.subject = Text(attr["track"]);
  if (out.subject.empty()) out.subject = Text(attr["album"]);
  out.tags = Tags(root);
  return parsed->Finish(std::move(out));
}

core::Result<TrackInfo> ParseTrackInfo(std::string_view body, std::string_view endpoint) {
  auto parsed = Parse(body, endpoint);
  if (!parsed) return parsed.error();
  if (auto error = ErrorObject(*parsed, endpoint)) return *error;
  Node t = parsed->Root()["track"].RequireObject();
  TrackInfo out;
  out.title = Text(t["name"]);
  out.artist = Text(t["artist"]);
  out.mbid = Uuid(t["mbid"]);
  out.url = NonEmpty(Text(t["url"]));
  if (auto duration = Number(t["duration"]); duration && *duration > 0 && *duration < 2e9) {
    out.duration_ms = static_cast<std::int32_t>(*duration);
  }
  if (Node album = t["album"]; album.IsObject()) out.album = NonEmpty(Text(album["title"]));
  out.tags = Tags(t["toptags"]);
  return parsed->Finish(std::move(out));
}

core::Result<AlbumInfo> ParseAlbumInfo(std::string_view body, std::string_view endpoint) {
  auto parsed = Parse(body, endpoint);
  if (!parsed) return parsed.error();
  if (auto error = ErrorObject(*parsed, endpoint)) return *error;
  Node a = parsed->Root()["album"].RequireObject();
  AlbumInfo out;
  out.title = Text(a["name"]);
  out.artist = Text(a["artist"]);
  out.mbid = Uuid(a["mbid"]);
  out.url = NonEmpty(Text(a["url"]));
  if (Node tracks = a["tracks"]; tracks.IsObject()) {
    Node track = tracks["track"];
    if (track.IsArray()) out.total_tracks = static_cast<std::int32_t>(track.Size());
    if (track.IsObject()) out.total_tracks = 1;
  }
  // Newer answers put tags under "tags", older ones under "toptags".
  Node tags = a["tags"];
  out.tags = Tags(tags.Present() ? tags : a["toptags"]);
  return parsed->Finish(std::move(out));
}

core::Result<ArtistInfo> ParseArtistInfo(std::string_view body, std::string_view endpoint) {
  auto parsed = Parse(body, endpoint);
  if (!parsed) return parsed.error();
  if (auto error = ErrorObject(*parsed, endpoint)) return *error;
  Node a = parsed->Root()["artist"].RequireObject();
  ArtistInfo out;
  out.name = Text(a["name"]);
  out.mbid = Uuid(a["mbid"]);
  out.url = NonEmpty(Text(a["url"]));
  out.tags = Tags(a["tags"]);
  return parsed->Finish(std::move(out));
}

catalog::TrackRecord NotFoundTrack(const json::TrackJob& job) {
  catalog::TrackRecord r;
  r.ref = {job.artist, job.title, job.album, job.isrc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = "lastfm";
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

catalog::AlbumRecord NotFoundAlbum(const json::AlbumJob& job) {
  catalog::AlbumRecord r;
  r.ref = {job.artist, job.album, job.upc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = "lastfm";
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

catalog::TrackRecord TrackRecordFrom(const json::TrackJob& job, const TrackAnswers& answers,
                                     const normalize::Vocabulary& vocabulary) {
  catalog::TrackRecord r = NotFoundTrack(job);
  r.status = catalog::SourceStatus::kOk;
  std::string artist = job.artist;
  if (answers.track_tags) {
    if (!answers.track_tags->subject.empty()) r.fields.title = answers.track_tags->subject;
    if (!answers.track_tags->artist.empty()) artist = answers.track_tags->artist;
  }
  if (answers.info) {
    const TrackInfo& info = *answers.info;
    if (!info.title.empty()) r.fields.title = info.title;
    if (!info.artist.empty()) artist = info.artist;
    r.fields.duration_ms = info.duration_ms;
    r.fields.mbid = info.mbid;
    r.external_id = info.url;
  }
  if (artist != job.artist) r.fields.artist_credit = artist;
  const std::vector<normalize::WeightedTag>* tags = nullptr;
  if (answers.track_tags && !answers.track_tags->tags.empty()) tags = &answers.track_tags->tags;
  else if (answers.info && !answers.info->tags.empty()) tags = &answers.info->tags;
  else if (answers.artist_tags) tags = &answers.artist_tags->tags;
  if (tags != nullptr) {
    // Both spellings of the artist are dropped: the job's and Last.fm's corrected one.
    std::vector<normalize::WeightedTag> kept;
    std::string folded = normalize::Vocabulary::Fold(job.artist);
    for (const auto& tag : *tags) {
      if (normalize::Vocabulary::Fold(tag.name) != folded) kept.push_back(tag);
    }
    Classify(r, kept, artist, vocabulary);
  }
  if (std::string raw = RawJson(answers.raw); !raw.empty()) r.raw_json = std::move(raw);
  return r;
}

catalog::AlbumRecord AlbumRecordFrom(const json::AlbumJob& job, const AlbumAnswers& answers,
                                     const normalize::Vocabulary& vocabulary) {
  catalog::AlbumRecord r = NotFoundAlbum(job);
  r.status = catalog::SourceStatus::kOk;
  std::string artist = job.artist;
  if (answers.info) {
    const AlbumInfo& info = *answers.info;
    if (!info.title.empty()) r.fields.title = info.title;
    if (!info.artist.empty()) artist = info.artist;
    r.fields.mbid = info.mbid;
    r.fields.total_tracks = info.total_tracks;
    r.external_id = info.url;
  }
  if (artist != job.artist) r.fields.artist_credit = artist;
  const std::vector<normalize::WeightedTag>* tags = nullptr;
  if (answers.info && !answers.info->tags.empty()) tags = &answers.info->tags;
  else if (answers.artist_tags) tags = &answers.artist_tags->tags;
  if (tags != nullptr) Classify(r, *tags, artist, vocabulary);
  if (std::string raw = RawJson(answers.raw); !raw.empty()) r.raw_json = std::move(raw);
  return r;
}

core::Result<Normalized> Normalize(std::string_view body, const normalize::Vocabulary& vocabulary) {
  auto parsed = Parse(body, "normalize");
  if (!parsed) return parsed.error();
  const Node d = parsed->Root();
  Normalized out;
  if (d["error"].Present()) {
    out.shape = "error";
    out.error_code = ErrorCode(body);
    out.error = *ErrorObject(*parsed, "answer");
    return out;
  }
  if (d["toptags"].Present()) {
    out.shape = "toptags";
    auto tags = ParseTopTags(body, "getTopTags");
    if (!tags) return tags.error();
    Node attr = d["toptags"]["@attr"];
    bool is_album = attr["album"].Present();
    bool is_track = attr["track"].Present();
    if (is_track) {
      json::TrackJob job{.job_id = "normalize", .artist = tags->artist, .title = tags->subject};
      out.track = TrackRecordFrom(job, {.track_tags = *tags, .raw = {}}, vocabulary);
    } else if (is_album) {
      json::AlbumJob job{.job_id = "normalize", .artist = tags->artist, .album = tags->subject};
      catalog::AlbumRecord r = NotFoundAlbum(job);
      r.status = catalog::SourceStatus::kOk;
      r.fields.title = tags->subject;
      Classify(r, tags->tags, tags->artist, vocabulary);
      out.album = std::move(r);
    } else {
      out.artist = tags->artist;
      out.artist_classified = vocabulary.Classify(tags->tags, tags->artist);
    }
    return out;
  }
  if (d["track"].Present()) {
    out.shape = "track";
    auto info = ParseTrackInfo(body, "track.getInfo");
    if (!info) return info.error();
    json::TrackJob job{.job_id = "normalize", .artist = info->artist, .title = info->title};
    out.track = TrackRecordFrom(job, {.info = *info, .raw = {}}, vocabulary);
    return out;
  }
  if (d["album"].Present()) {
    out.shape = "album";
    auto info = ParseAlbumInfo(body, "album.getInfo");
    if (!info) return info.error();
    json::AlbumJob job{.job_id = "normalize", .artist = info->artist, .album = info->title};
    out.album = AlbumRecordFrom(job, {.info = *info, .raw = {}}, vocabulary);
    return out;
  }
  if (d["artist"].Present()) {
    out.shape = "artist";
    auto info = ParseArtistInfo(body, "artist.getInfo");
    if (!info) return info.error();
    out.artist = info->name;
    out.artist_classified = vocabulary.Classify(info->tags, info->name);
    return out;
  }
  return json::InvalidResponse(Where("normalize"), "not a Last.fm answer this worker knows (expected toptags, track, album, artist or error)");
}

core::Result<runtime::NormalizedAnswer> NormalizeAnswer(std::string_view body) {
  auto n = Normalize(body, normalize::Vocabulary::Default());
  if (!n) return n.error();
  runtime::NormalizedAnswer out{.shape = n->shape, .error = n->error, .error_code = n->error_code};
  if (n->track) out.record_json = json::RecordJson(*n->track);
  if (n->album) out.record_json = json::RecordJson(*n->album);
  if (n->artist) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("name");
    w.String(n->artist->data(), static_cast<rapidjson::SizeType>(n->artist->size()));
    for (const auto& [key, list] : {std::pair{"genres", &n->artist_classified.genres},
                                    std::pair{"moods", &n->artist_classified.moods}}) {
      w.Key(key);
      w.StartArray();
      for (const auto& v : *list) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
      w.EndArray();
    }
    w.EndObject();
    out.record_json.assign(buffer.GetString(), buffer.GetSize());
  }
  return out;
}

std::string KeyPart(std::string_view name) {
  std::string folded;
  bool space = false;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = !folded.empty();
      continue;
    }
    if (space) folded += ' ';
    space = false;
    folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return http::PercentEncode(folded);
}

std::string MethodUrl(std::string_view base_url, std::string_view method,
                      const std::vector<std::pair<std::string, std::string>>& params, std::string_view api_key) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/2.0/?method=" + http::PercentEncode(method);
  for (const auto& [key, value] : params) url += "&" + key + "=" + http::PercentEncode(value);
  url += "&api_key=" + http::PercentEncode(api_key) + "&format=json";
  return url;
}

}  // namespace lastfm
