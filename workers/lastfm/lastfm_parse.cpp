#include "workers/lastfm/lastfm_parse.hpp"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>
#include <rapidjson/stringbuffer.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <memory>

#include "common/http/url.hpp"
#include "common/json/record_writer.hpp"
#include "common/json/response_reader.hpp"

namespace lastfm {
namespace {

using rapidjson::Value;

std::string Where(std::string_view endpoint) { return "lastfm " + std::string(endpoint); }

core::Error Invalid(std::string_view endpoint, const std::string& why) {
  return json::InvalidResponse(Where(endpoint), why);
}

core::Result<std::shared_ptr<rapidjson::Document>> ParseObject(std::string_view body, std::string_view endpoint) {
  return json::ParseResponseObject(body, Where(endpoint));
}

using json::Member;

// Last.fm text: a string, or an object with "#text"; "" otherwise.
std::string Text(const Value* value) {
  if (value == nullptr) return "";
  if (value->IsString()) return std::string(value->GetString(), value->GetStringLength());
  if (value->IsObject()) {
    if (const Value* text = Member(*value, "#text"); text != nullptr && text->IsString()) return text->GetString();
    if (const Value* name = Member(*value, "name"); name != nullptr && name->IsString()) return name->GetString();
  }
  return "";
}

// A count that arrives as "100", 100 or 100.0; nullopt when absent or not a number.
std::optional<double> Number(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsNumber()) return value->GetDouble();
  if (value->IsString()) {
    const char* text = value->GetString();
    char* end = nullptr;
    double n = std::strtod(text, &end);
    if (end != text && *end == '\0') return n;
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

std::optional<std::string> Uuid(const Value* value) {
  std::string text = Text(value);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (IsUuid(text)) return text;
  return std::nullopt;
}

std::optional<std::string> NonEmpty(std::string text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// `tags` / `toptags`: {"tag": [..] | {..} | absent}, or "" (no tags), or null.
core::Result<std::vector<normalize::WeightedTag>> Tags(const Value* node, std::string_view endpoint) {
  std::vector<normalize::WeightedTag> out;
  if (node == nullptr || node->IsNull() || node->IsString()) return out;
  if (!node->IsObject()) return Invalid(endpoint, "tags is neither an object nor a string");
  const Value* tag = Member(*node, "tag");
  if (tag == nullptr || tag->IsNull() || tag->IsString()) return out;
  auto add = [&](const Value& t) -> std::optional<core::Error> {
    if (!t.IsObject()) return Invalid(endpoint, "a tag is not an object");
    std::string name = Text(Member(t, "name"));
    if (name.empty()) return std::nullopt;
    auto count = Number(Member(t, "count"));
    out.push_back({std::move(name), count ? *count : 1.0});
    return std::nullopt;
  };
  if (tag->IsObject()) {
    if (auto error = add(*tag)) return *error;
  } else if (tag->IsArray()) {
    for (const auto& t : tag->GetArray()) {
      if (auto error = add(t)) return *error;
    }
  } else {
    return Invalid(endpoint, "tag is neither a list nor an object");
  }
  return out;
}

// The error object's mapped error, when `doc` is one.
std::optional<core::Error> ErrorObject(const rapidjson::Document& doc, std::string_view endpoint) {
  const Value* code = Member(doc, "error");
  if (code == nullptr) return std::nullopt;
  auto n = Number(code);
  if (!n) return Invalid(endpoint, "error object with a non-numeric code");
  return ErrorFor(static_cast<int>(*n), Text(Member(doc, "message")), endpoint);
}

// The object under `key` of an answer (or the error the answer is).
core::Result<const Value*> Root(const rapidjson::Document& doc, const char* key, std::string_view endpoint) {
  if (auto error = ErrorObject(doc, endpoint)) return *error;
  const Value* root = Member(doc, key);
  if (root == nullptr) return Invalid(endpoint, std::string("no \"") + key + "\" object in the answer");
  if (!root->IsObject()) return Invalid(endpoint, std::string("\"") + key + "\" is not an object");
  return root;
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
  auto doc = ParseObject(body, endpoint);
  if (!doc) return doc.error();
  return ErrorObject(**doc, endpoint);
}

std::optional<int> ErrorCode(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  auto n = Number(Member(doc, "error"));
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

core::Result<TopTags> ParseTopTags(std::string_view body, std::string_view endpoint) {
  auto doc = ParseObject(body, endpoint);
  if (!doc) return doc.error();
  auto root = Root(**doc, "toptags", endpoint);
  if (!root) return root.error();
  TopTags out;
  const Value* attr = Member(**root, "@attr");
  // The empty form carries the artist beside "#text" instead of under @attr.
  out.artist = Text(attr != nullptr ? Member(*attr, "artist") : Member(**root, "artist"));
  if (attr != nullptr) {
    out.subject = Text(Member(*attr, "track"));
    if (out.subject.empty()) out.subject = Text(Member(*attr, "album"));
  }
  auto tags = Tags(*root, endpoint);
  if (!tags) return tags.error();
  out.tags = std::move(*tags);
  return out;
}

core::Result<TrackInfo> ParseTrackInfo(std::string_view body, std::string_view endpoint) {
  auto doc = ParseObject(body, endpoint);
  if (!doc) return doc.error();
  auto root = Root(**doc, "track", endpoint);
  if (!root) return root.error();
  const Value& t = **root;
  TrackInfo out;
  out.title = Text(Member(t, "name"));
  out.artist = Text(Member(t, "artist"));
  out.mbid = Uuid(Member(t, "mbid"));
  out.url = NonEmpty(Text(Member(t, "url")));
  if (auto duration = Number(Member(t, "duration")); duration && *duration > 0 && *duration < 2e9) {
    out.duration_ms = static_cast<std::int32_t>(*duration);
  }
  if (const Value* album = Member(t, "album"); album != nullptr && album->IsObject()) {
    out.album = NonEmpty(Text(Member(*album, "title")));
  }
  auto tags = Tags(Member(t, "toptags"), endpoint);
  if (!tags) return tags.error();
  out.tags = std::move(*tags);
  return out;
}

core::Result<AlbumInfo> ParseAlbumInfo(std::string_view body, std::string_view endpoint) {
  auto doc = ParseObject(body, endpoint);
  if (!doc) return doc.error();
  auto root = Root(**doc, "album", endpoint);
  if (!root) return root.error();
  const Value& a = **root;
  AlbumInfo out;
  out.title = Text(Member(a, "name"));
  out.artist = Text(Member(a, "artist"));
  out.mbid = Uuid(Member(a, "mbid"));
  out.url = NonEmpty(Text(Member(a, "url")));
  if (const Value* tracks = Member(a, "tracks"); tracks != nullptr && tracks->IsObject()) {
    const Value* track = Member(*tracks, "track");
    if (track != nullptr && track->IsArray()) out.total_tracks = static_cast<std::int32_t>(track->Size());
    if (track != nullptr && track->IsObject()) out.total_tracks = 1;
  }
  // Newer answers put tags under "tags", older ones under "toptags".
  const Value* tags_node = Member(a, "tags");
  if (tags_node == nullptr) tags_node = Member(a, "toptags");
  auto tags = Tags(tags_node, endpoint);
  if (!tags) return tags.error();
  out.tags = std::move(*tags);
  return out;
}

core::Result<ArtistInfo> ParseArtistInfo(std::string_view body, std::string_view endpoint) {
  auto doc = ParseObject(body, endpoint);
  if (!doc) return doc.error();
  auto root = Root(**doc, "artist", endpoint);
  if (!root) return root.error();
  const Value& a = **root;
  ArtistInfo out;
  out.name = Text(Member(a, "name"));
  out.mbid = Uuid(Member(a, "mbid"));
  out.url = NonEmpty(Text(Member(a, "url")));
  auto tags = Tags(Member(a, "tags"), endpoint);
  if (!tags) return tags.error();
  out.tags = std::move(*tags);
  return out;
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
  auto doc = ParseObject(body, "normalize");
  if (!doc) return doc.error();
  const rapidjson::Document& d = **doc;
  Normalized out;
  if (Member(d, "error") != nullptr) {
    out.shape = "error";
    out.error_code = ErrorCode(body);
    out.error = *ErrorObject(d, "answer");
    return out;
  }
  if (Member(d, "toptags") != nullptr) {
    out.shape = "toptags";
    auto tags = ParseTopTags(body, "getTopTags");
    if (!tags) return tags.error();
    const Value* attr = Member(*Member(d, "toptags"), "@attr");
    bool is_album = attr != nullptr && Member(*attr, "album") != nullptr;
    bool is_track = attr != nullptr && Member(*attr, "track") != nullptr;
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
  if (Member(d, "track") != nullptr) {
    out.shape = "track";
    auto info = ParseTrackInfo(body, "track.getInfo");
    if (!info) return info.error();
    json::TrackJob job{.job_id = "normalize", .artist = info->artist, .title = info->title};
    out.track = TrackRecordFrom(job, {.info = *info, .raw = {}}, vocabulary);
    return out;
  }
  if (Member(d, "album") != nullptr) {
    out.shape = "album";
    auto info = ParseAlbumInfo(body, "album.getInfo");
    if (!info) return info.error();
    json::AlbumJob job{.job_id = "normalize", .artist = info->artist, .album = info->title};
    out.album = AlbumRecordFrom(job, {.info = *info, .raw = {}}, vocabulary);
    return out;
  }
  if (Member(d, "artist") != nullptr) {
    out.shape = "artist";
    auto info = ParseArtistInfo(body, "artist.getInfo");
    if (!info) return info.error();
    out.artist = info->name;
    out.artist_classified = vocabulary.Classify(info->tags, info->name);
    return out;
  }
  return Invalid("normalize", "not a Last.fm answer this worker knows (expected toptags, track, album, artist or error)");
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
