#include "workers/spotify/spotify_parse.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "common/gateway/gateway.hpp"
#include "common/http/http_client.hpp"
#include "common/json/record_writer.hpp"
#include "common/normalize/vocabulary.hpp"

namespace spotify {
namespace {

using rapidjson::Value;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Thrown inside this file only and caught by Guard() at every public entry point, which turns
// it into kInvalidInput (a well-formed body of the wrong shape) or kTransient (a body that is
// no document at all: empty, HTML, truncated; docs/GATEWAY.md, "Provider faults"): the shape
// checks below would otherwise drown in Result plumbing.
struct ParseFailure {
  std::string why;
  bool unusable_body = false;
};

[[noreturn]] void Fail(std::string why) { throw ParseFailure{std::move(why)}; }
[[noreturn]] void FailBody(std::string why) { throw ParseFailure{std::move(why), true}; }

template <typename F>
auto Guard(std::string_view endpoint, F&& parse) -> core::Result<decltype(parse())> {
  try {
    return parse();
  } catch (const ParseFailure& failure) {
    std::string why = "spotify " + std::string(endpoint) + ": " + failure.why;
    if (failure.unusable_body) return core::Error::Transient(std::move(why));
    return core::Error::InvalidInput(std::move(why));
  }
}

const char* TypeName(const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return "a number";
  }
  return "unknown";
}

[[noreturn]] void WrongType(const std::string& path, const Value& v, const char* expected) {
  Fail(path + " is " + TypeName(v) + ", expected " + expected);
}

std::string Excerpt(std::string_view body) {
  std::string out(body.substr(0, 40));
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"') c = ' ';
  }
  return out;
}

void ParseInto(rapidjson::Document& doc, std::string_view body) {
  auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) FailBody("empty body");
  if (body[first] == '<') FailBody("an HTML page, not JSON (\"" + Excerpt(body.substr(first)) + "...\")");
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    FailBody("malformed JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
             rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) FailBody(std::string("the body is ") + TypeName(doc) + ", expected an object");
}

std::string ErrorSummary(const Value& root);

// A document that must be the endpoint's object, not an error body.
void ParseObject(rapidjson::Document& doc, std::string_view body) {
  ParseInto(doc, body);
  if (doc.HasMember("error")) Fail("the body is an error: " + ErrorSummary(doc));
}

const Value* Find(const Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

const Value& RequireObject(const Value& obj, const char* key, const std::string& path) {
  const Value* v = Find(obj, key);
  if (v == nullptr) Fail(path + "/" + key + " is missing");
  if (!v->IsObject()) WrongType(path + "/" + key, *v, "an object");
  return *v;
}

const Value& RequireArray(const Value& obj, const char* key, const std::string& path) {
  const Value* v = Find(obj, key);
  if (v == nullptr) Fail(path + "/" + key + " is missing");
  if (!v->IsArray()) WrongType(path + "/" + key, *v, "an array");
  return *v;
}

std::string RequireString(const Value& obj, const char* key, const std::string& path) {
  const Value* v = Find(obj, key);
  if (v == nullptr) Fail(path + "/" + key + " is missing");
  if (!v->IsString()) WrongType(path + "/" + key, *v, "a string");
  return {v->GetString(), v->GetStringLength()};
}

std::optional<std::string> OptString(const Value& obj, const char* key, const std::string& path) {
  const Value* v = Find(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsString()) WrongType(path + "/" + key, *v, "a string");
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<std::int32_t> OptInt(const Value& obj, const char* key, const std::string& path) {
  const Value* v = Find(obj, key);
  if (v == nullptr) return std::nullopt;
  if (v->IsInt()) return v->GetInt();
  if (v->IsDouble() && std::isfinite(v->GetDouble()) && std::abs(v->GetDouble()) < 2e9) {
    return static_cast<std::int32_t>(std::lround(v->GetDouble()));
  }
  WrongType(path + "/" + key, *v, "an integer");
}

std::optional<bool> OptBool(const Value& obj, const char* key, const std::string& path) {
  const Value* v = Find(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsBool()) WrongType(path + "/" + key, *v, "a boolean");
  return v->GetBool();
}

std::optional<std::int64_t> OptInt64(const Value& obj, const char* key, const std::string& path) {
  const Value* v = Find(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsInt64()) WrongType(path + "/" + key, *v, "an integer");
  return v->GetInt64();
}

// Copies `v` without the keys that only bloat provenance rows (per-country markets, images).
void WriteTrimmed(Writer& w, const Value& v) {
  if (v.IsObject()) {
    w.StartObject();
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view key(it->name.GetString(), it->name.GetStringLength());
      if (key == "available_markets" || key == "images") continue;
      w.Key(it->name.GetString(), it->name.GetStringLength());
      WriteTrimmed(w, it->value);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& item : v.GetArray()) WriteTrimmed(w, item);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

std::string Trimmed(const Value& v) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteTrimmed(w, v);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string Serialized(const Value& v) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  v.Accept(w);
  return {buffer.GetString(), buffer.GetSize()};
}

Artist ArtistOf(const Value& a, const std::string& at) {
  if (!a.IsObject()) WrongType(at.empty() ? "the body" : at, a, "an artist object");
  Artist artist;
  artist.id = OptString(a, "id", at).value_or("");
  artist.name = OptString(a, "name", at).value_or("");
  if (const Value* genres = Find(a, "genres")) {
    if (!genres->IsArray()) WrongType(at + "/genres", *genres, "an array");
    for (rapidjson::SizeType g = 0; g < genres->Size(); ++g) {
      const Value& genre = (*genres)[g];
      if (!genre.IsString()) WrongType(at + "/genres/" + std::to_string(g), genre, "a string");
      artist.genres.emplace_back(genre.GetString(), genre.GetStringLength());
    }
  }
  return artist;
}

// An array of artist objects at `path`; null entries skipped.
std::vector<Artist> ArtistList(const Value& list, const std::string& path) {
  if (!list.IsArray()) WrongType(path, list, "an array");
  std::vector<Artist> out;
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    if (list[i].IsNull()) continue;
    out.push_back(ArtistOf(list[i], path + "/" + std::to_string(i)));
  }
  return out;
}

std::vector<Artist> ArtistsOf(const Value& obj, const std::string& path) {
  const Value* artists = Find(obj, "artists");
  if (artists == nullptr) return {};
  return ArtistList(*artists, path + "/artists");
}

std::string TwoDigits(std::int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

// release_date as a string with its precision, or the beta-era object {year, month, day}.
std::optional<std::string> ReleaseDateOf(const Value& album, const std::string& path) {
  const Value* date = Find(album, "release_date");
  if (date == nullptr) return std::nullopt;
  if (date->IsString()) {
    auto precision = OptString(album, "release_date_precision", path).value_or("");
    return NormalizeReleaseDate({date->GetString(), date->GetStringLength()}, precision);
  }
  if (!date->IsObject()) WrongType(path + "/release_date", *date, "a string or an object");
  std::string at = path + "/release_date";
  auto year = OptInt64(*date, "year", at);
  auto month = OptInt64(*date, "month", at);
  auto day = OptInt64(*date, "day", at);
  if (!year || *year < 1000 || *year > 9999) return std::nullopt;
  std::string out = std::to_string(*year);
  if (month && *month >= 1 && *month <= 12) {
    out += "-" + TwoDigits(*month);
    if (day && *day >= 1 && *day <= 31) out += "-" + TwoDigits(*day);
  }
  return out;
}

Track TrackOf(const Value& t, const std::string& path) {
  if (!t.IsObject()) WrongType(path.empty() ? "the body" : path, t, "a track object");
  Track track;
  track.id = RequireString(t, "id", path);
  track.name = RequireString(t, "name", path);
  if (track.id.empty()) Fail(path + "/id is empty");
  track.artists = ArtistsOf(t, path);
  track.fields.title = track.name;
  track.fields.spotify_id = track.id;
  track.fields.duration_ms = OptInt(t, "duration_ms", path);
  track.fields.is_explicit = OptBool(t, "explicit", path);
  if (auto popularity = OptInt(t, "popularity", path)) track.fields.popularity = std::clamp(*popularity, 0, 100);
  if (auto number = OptInt(t, "track_number", path); number && *number >= 1) track.fields.track_number = number;
  if (const Value* ids = Find(t, "external_ids")) {
    if (!ids->IsObject()) WrongType(path + "/external_ids", *ids, "an object");
    if (auto isrc = OptString(*ids, "isrc", path + "/external_ids")) {
      std::string normalized = NormalizeIsrc(*isrc);
      if (!normalized.empty()) track.fields.isrc = normalized;
    }
  }
  if (const Value* album = Find(t, "album")) {
    if (!album->IsObject()) WrongType(path + "/album", *album, "an object");
    track.album_id = OptString(*album, "id", path + "/album").value_or("");
    track.album_name = OptString(*album, "name", path + "/album").value_or("");
    track.fields.release_date = ReleaseDateOf(*album, path + "/album");
  }
  track.raw_json = Trimmed(t);
  return track;
}

Album AlbumOf(const Value& a, const std::string& path) {
  Album album;
  album.id = RequireString(a, "id", path);
  album.name = RequireString(a, "name", path);
  album.artists = ArtistsOf(a, path);
  album.album_type = OptString(a, "album_type", path).value_or("");
  if (const Value* genres = Find(a, "genres")) {
    if (!genres->IsArray()) WrongType(path + "/genres", *genres, "an array");
    for (rapidjson::SizeType i = 0; i < genres->Size(); ++i) {
      if (!(*genres)[i].IsString()) WrongType(path + "/genres/" + std::to_string(i), (*genres)[i], "a string");
      album.genres.emplace_back((*genres)[i].GetString(), (*genres)[i].GetStringLength());
    }
  }
  album.fields.title = album.name;
  album.fields.spotify_id = album.id;
  album.fields.release_date = ReleaseDateOf(a, path);
  if (auto total = OptInt(a, "total_tracks", path); total && *total >= 0) album.fields.total_tracks = total;
  if (!album.fields.total_tracks) {
    // Beta-era albums have no total_tracks; the tracks paging object's total says it.
    if (const Value* tracks = Find(a, "tracks"); tracks != nullptr && tracks->IsObject()) {
      if (auto total = OptInt(*tracks, "total", path + "/tracks"); total && *total >= 0) album.fields.total_tracks = total;
    }
  }
  if (auto label = OptString(a, "label", path); label && !label->empty()) album.fields.label = label;
  if (const Value* ids = Find(a, "external_ids")) {
    if (!ids->IsObject()) WrongType(path + "/external_ids", *ids, "an object");
    if (auto upc = OptString(*ids, "upc", path + "/external_ids"); upc && !upc->empty()) album.fields.upc = upc;
  }
  album.raw_json = Trimmed(a);
  return album;
}

constexpr const char* kFeatureKeys[] = {"danceability", "energy",   "valence",  "tempo",
                                        "acousticness", "instrumentalness", "liveness", "speechiness",
                                        "loudness",     "key",      "mode",     "time_signature"};
constexpr const char* kIntegerFeatures[] = {"key", "mode", "time_signature"};

std::string FeaturesOf(const Value& f, const std::string& path) {
  if (!f.IsObject()) WrongType(path.empty() ? "the body" : path, f, "an audio features object");
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  int present = 0;
  for (const char* key : kFeatureKeys) {
    const Value* v = Find(f, key);
    if (v == nullptr) continue;
    if (!v->IsNumber()) WrongType(path + "/" + key, *v, "a number");
    w.Key(key);
    bool integer = std::any_of(std::begin(kIntegerFeatures), std::end(kIntegerFeatures),
                               [key](const char* k) { return std::string_view(k) == key; });
    if (integer && v->IsInt()) w.Int(v->GetInt());
    else w.Double(v->GetDouble());
    ++present;
  }
  w.EndObject();
  if (present == 0) Fail((path.empty() ? std::string("the body") : path) + " has none of the audio feature fields");
  return {buffer.GetString(), buffer.GetSize()};
}

std::string ErrorSummary(const Value& root) {
  const Value& e = root["error"];
  if (e.IsObject()) {
    std::string out;
    if (auto it = e.FindMember("status"); it != e.MemberEnd() && it->value.IsInt()) out += std::to_string(it->value.GetInt());
    for (const char* key : {"type", "message", "description"}) {
      if (auto it = e.FindMember(key); it != e.MemberEnd() && it->value.IsString()) {
        if (!out.empty()) out += ' ';
        out += it->value.GetString();
      }
    }
    return out;
  }
  if (e.IsString()) {
    std::string out = e.GetString();
    if (auto it = root.FindMember("error_description"); it != root.MemberEnd() && it->value.IsString()) {
      out += std::string(" ") + it->value.GetString();
    }
    return out;
  }
  return "unreadable error";
}

std::string QuoteValue(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    // A newline would end the query line for some clients; Spotify treats it as a space.
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out + "\"";
}

int NameScore(std::string_view candidate, std::string_view wanted) {
  std::string c = FoldName(candidate);
  std::string w = FoldName(wanted);
  if (w.empty()) return 0;
  if (c == w) return 4;
  if (c.rfind(w + " ", 0) == 0) return 2;
  if (c.find(w) != std::string::npos) return 1;
  return 0;
}

int ArtistScore(const std::vector<Artist>& artists, std::string_view wanted) {
  int best = 0;
  for (const auto& a : artists) best = std::max(best, NameScore(a.name, wanted) >= 4 ? 2 : 0);
  return best;
}

normalize::Classified Classify(const std::vector<std::string>& extra, const std::vector<Artist>& artists,
                               std::string_view artist_name) {
  std::vector<normalize::WeightedTag> tags;
  for (const auto& genre : extra) tags.push_back({genre, 2.0});
  for (std::size_t i = 0; i < artists.size(); ++i) {
    for (const auto& genre : artists[i].genres) tags.push_back({genre, 1.0 / static_cast<double>(i + 1)});
  }
  return normalize::Vocabulary::Default().Classify(tags, artist_name);
}

void WriteStrings(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

void WriteRaw(Writer& w, const char* key, const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  w.Key(key);
  if (doc.HasParseError()) w.Null();
  else doc.Accept(w);
}

// A record as the normalize output shows it: the same JSON every provider prints
// (json::RecordJson), embedded as a value.
template <typename Record>
void WriteRecord(Writer& w, const Record& r) {
  std::string text = json::RecordJson(r);
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  doc.Accept(w);
}

void WriteArtist(Writer& w, const Artist& a) {
  w.StartObject();
  w.Key("id");
  w.String(a.id.c_str());
  w.Key("name");
  w.String(a.name.c_str());
  WriteStrings(w, "spotify_genres", a.genres);
  auto classified = Classify({}, {a}, a.name);
  WriteStrings(w, "genres", classified.genres);
  WriteStrings(w, "moods", classified.moods);
  w.EndObject();
}

// A job made from the response itself, so `normalize` can show a record without a job.
json::TrackJob JobFor(const Track& t) {
  json::TrackJob job;
  job.artist = t.artists.empty() ? "" : t.artists.front().name;
  job.title = t.name;
  return job;
}

json::AlbumJob JobFor(const Album& a) {
  json::AlbumJob job;
  job.artist = a.artists.empty() ? "" : a.artists.front().name;
  job.album = a.name;
  return job;
}

std::string Done(rapidjson::StringBuffer& buffer) { return {buffer.GetString(), buffer.GetSize()}; }

}  // namespace

core::Result<Token> ParseToken(std::string_view body) {
  return Guard("token", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    Token token;
    token.access_token = RequireString(doc, "access_token", "");
    if (token.access_token.empty()) Fail("/access_token is empty");
    if (auto type = OptString(doc, "token_type", ""); type && FoldName(*type) != "bearer") {
      Fail("/token_type is \"" + Excerpt(*type) + "\", expected Bearer");
    }
    auto expires = OptInt(doc, "expires_in", "");
    token.expires_in = std::chrono::seconds{expires && *expires > 0 ? *expires : 3600};
    return token;
  });
}

core::Result<std::vector<Track>> ParseTrackSearch(std::string_view body) {
  return Guard("search", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    const Value& page = RequireObject(doc, "tracks", "");
    const Value& items = RequireArray(page, "items", "/tracks");
    std::vector<Track> out;
    for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
      if (items[i].IsNull()) continue;
      out.push_back(TrackOf(items[i], "/tracks/items/" + std::to_string(i)));
    }
    return out;
  });
}

core::Result<Track> ParseTrack(std::string_view body) {
  return Guard("track", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    return TrackOf(doc, "");
  });
}

core::Result<std::vector<std::optional<Track>>> ParseTracks(std::string_view body) {
  return Guard("tracks", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    const Value& items = RequireArray(doc, "tracks", "");
    std::vector<std::optional<Track>> out;
    for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
      if (items[i].IsNull()) out.emplace_back();
      else out.emplace_back(TrackOf(items[i], "/tracks/" + std::to_string(i)));
    }
    return out;
  });
}

core::Result<std::vector<AlbumSummary>> ParseAlbumSearch(std::string_view body) {
  return Guard("search", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    const Value& page = RequireObject(doc, "albums", "");
    const Value& items = RequireArray(page, "items", "/albums");
    std::vector<AlbumSummary> out;
    for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
      if (items[i].IsNull()) continue;
      std::string at = "/albums/items/" + std::to_string(i);
      if (!items[i].IsObject()) WrongType(at, items[i], "an album object");
      out.push_back({RequireString(items[i], "id", at), RequireString(items[i], "name", at), ArtistsOf(items[i], at)});
    }
    return out;
  });
}

core::Result<Album> ParseAlbum(std::string_view body) {
  return Guard("album", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    return AlbumOf(doc, "");
  });
}

core::Result<Artist> ParseArtist(std::string_view body) {
  return Guard("artist", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    Artist artist = ArtistOf(doc, "");
    if (artist.id.empty()) Fail("/id is missing");
    return artist;
  });
}

core::Result<std::vector<Artist>> ParseArtists(std::string_view body) {
  return Guard("artists", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    const Value* list = Find(doc, "artists");
    if (list == nullptr) Fail("/artists is missing");
    std::vector<Artist> out;
    std::string path;
    if (list->IsObject()) {
      // Artist search: a paging object whose items are full artists.
      path = "/artists/items";
      out = ArtistList(RequireArray(*list, "items", "/artists"), path);
    } else if (list->IsArray()) {
      path = "/artists";
      out = ArtistList(*list, path);
    } else {
      WrongType("/artists", *list, "an array or a paging object");
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i].id.empty()) Fail(path + "/" + std::to_string(i) + "/id is missing");
    }
    return out;
  });
}

core::Result<std::string> ParseAudioFeatures(std::string_view body) {
  return Guard("audio_features", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    return FeaturesOf(doc, "");
  });
}

core::Result<std::map<std::string, std::string>> SplitArtists(std::string_view body) {
  return Guard("artists", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    const Value& list = RequireArray(doc, "artists", "");
    std::map<std::string, std::string> out;
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      if (list[i].IsNull()) continue;
      std::string at = "/artists/" + std::to_string(i);
      if (!list[i].IsObject()) WrongType(at, list[i], "an artist object");
      out[RequireString(list[i], "id", at)] = Serialized(list[i]);
    }
    return out;
  });
}

core::Result<std::map<std::string, std::string>> SplitAudioFeatures(std::string_view body) {
  return Guard("audio_features", [&] {
    rapidjson::Document doc;
    ParseObject(doc, body);
    const Value& list = RequireArray(doc, "audio_features", "");
    std::map<std::string, std::string> out;
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      if (list[i].IsNull()) continue;
      std::string at = "/audio_features/" + std::to_string(i);
      if (!list[i].IsObject()) WrongType(at, list[i], "an audio features object");
      std::string id = RequireString(list[i], "id", at);
      out[id] = FeaturesOf(list[i], at);
    }
    return out;
  });
}

std::optional<ApiError> ParseError(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  auto it = doc.FindMember("error");
  if (it == doc.MemberEnd()) return std::nullopt;
  ApiError out;
  const Value& e = it->value;
  if (e.IsObject()) {
    if (auto s = e.FindMember("status"); s != e.MemberEnd() && s->value.IsInt()) out.status = s->value.GetInt();
    if (auto t = e.FindMember("type"); t != e.MemberEnd() && t->value.IsString()) out.type = t->value.GetString();
    for (const char* key : {"message", "description"}) {
      if (auto m = e.FindMember(key); m != e.MemberEnd() && m->value.IsString()) out.message = m->value.GetString();
    }
    return out;
  }
  if (e.IsString()) {
    out.type = e.GetString();
    if (auto d = doc.FindMember("error_description"); d != doc.MemberEnd() && d->value.IsString()) {
      out.message = d->value.GetString();
    }
    return out;
  }
  return std::nullopt;
}

std::optional<core::Error> CheckBody(std::string_view body, std::string_view endpoint) {
  auto checked = Guard(endpoint, [&] {
    rapidjson::Document doc;
    ParseInto(doc, body);
    return true;
  });
  if (!checked) return checked.error();
  return std::nullopt;
}

std::string TrackQuery(std::string_view title, std::string_view artist) {
  return "track:" + QuoteValue(title) + " artist:" + QuoteValue(artist);
}

std::string AlbumQuery(std::string_view album, std::string_view artist) {
  return "album:" + QuoteValue(album) + " artist:" + QuoteValue(artist);
}

std::string BasicAuthorization(std::string_view client_id, std::string_view client_secret) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = std::string(client_id) + ":" + std::string(client_secret);
  std::string out = "Basic ";
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
             (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8) |
             static_cast<unsigned>(static_cast<unsigned char>(in[i + 2]));
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
             (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string IsrcQuery(std::string_view isrc) { return "isrc:" + NormalizeIsrc(isrc); }

std::string NormalizeIsrc(std::string_view isrc) {
  std::string out;
  for (char c : isrc) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string FoldName(std::string_view name) {
  std::string out;
  bool gap = false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || std::isalnum(u)) {
      if (gap && !out.empty()) out += ' ';
      gap = false;
      out += static_cast<char>(std::tolower(u));
    } else {
      gap = true;
    }
  }
  return out;
}

std::optional<std::size_t> PickTrack(const std::vector<Track>& items, std::string_view title, std::string_view artist) {
  if (items.empty()) return std::nullopt;
  std::size_t best = 0;
  int best_score = -1;
  for (std::size_t i = 0; i < items.size(); ++i) {
    int score = NameScore(items[i].name, title) + ArtistScore(items[i].artists, artist);
    if (score > best_score) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

std::optional<std::size_t> PickAlbum(const std::vector<AlbumSummary>& items, std::string_view album,
                                     std::string_view artist) {
  if (items.empty()) return std::nullopt;
  std::size_t best = 0;
  int best_score = -1;
  for (std::size_t i = 0; i < items.size(); ++i) {
    int score = NameScore(items[i].name, album) + ArtistScore(items[i].artists, artist);
    if (score > best_score) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

std::optional<std::string> NormalizeReleaseDate(std::string_view date, std::string_view precision) {
  auto digits = [&](std::size_t from, std::size_t n) {
    if (date.size() < from + n) return false;
    return std::all_of(date.begin() + static_cast<std::ptrdiff_t>(from),
                       date.begin() + static_cast<std::ptrdiff_t>(from + n),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(0, 4) || date.substr(0, 4) == "0000") return std::nullopt;
  std::size_t length = 4;
  if (date.size() >= 7 && date[4] == '-' && digits(5, 2) && date.substr(5, 2) != "00") {
    length = 7;
    if (date.size() >= 10 && date[7] == '-' && digits(8, 2) && date.substr(8, 2) != "00") length = 10;
  }
  // Spotify pads dates of lower precision ("1983-01-01" with precision year) in some answers.
  if (precision == "year") length = 4;
  else if (precision == "month") length = std::min<std::size_t>(length, 7);
  return std::string(date.substr(0, length));
}

catalog::TrackRecord NotFoundTrack(const json::TrackJob& job) {
  catalog::TrackRecord r;
  r.ref = {job.artist, job.title, job.album, job.isrc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = std::string(kProvider);
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

namespace {

// "artists": [{id, name, genres}] of the raw JSON kept with a record.
void WriteArtists(Writer& w, const std::vector<Artist>& artists) {
  w.Key("artists");
  w.StartArray();
  for (const auto& a : artists) {
    w.StartObject();
    w.Key("id");
    w.String(a.id.c_str());
    w.Key("name");
    w.String(a.name.c_str());
    WriteStrings(w, "genres", a.genres);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

catalog::TrackRecord TrackRecordOf(const json::TrackJob& job, const Track& track,
                                   const std::optional<std::string>& audio_features_json,
                                   const std::vector<Artist>& artists) {
  catalog::TrackRecord r = NotFoundTrack(job);
  r.status = catalog::SourceStatus::kOk;
  r.external_id = track.id;
  r.fields = track.fields;
  r.fields.audio_features_json = audio_features_json;
  auto classified = Classify({}, artists, job.artist);
  r.genres = std::move(classified.genres);
  r.moods = std::move(classified.moods);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteRaw(w, "track", track.raw_json);
  if (audio_features_json) {
    WriteRaw(w, "audio_features", *audio_features_json);
  } else {
    w.Key("audio_features");
    w.Null();
  }
  WriteArtists(w, artists);
  w.EndObject();
  r.raw_json = Done(buffer);
  return r;
}

catalog::AlbumRecord NotFoundAlbum(const json::AlbumJob& job) {
  catalog::AlbumRecord r;
  r.ref = {job.artist, job.album, job.upc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = std::string(kProvider);
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

catalog::AlbumRecord AlbumRecordOf(const json::AlbumJob& job, const Album& album, const std::vector<Artist>& artists) {
  catalog::AlbumRecord r = NotFoundAlbum(job);
  r.status = catalog::SourceStatus::kOk;
  r.external_id = album.id;
  r.fields = album.fields;
  auto classified = Classify(album.genres, artists, job.artist);
  r.genres = std::move(classified.genres);
  r.moods = std::move(classified.moods);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteRaw(w, "album", album.raw_json);
  WriteArtists(w, artists);
  w.EndObject();
  r.raw_json = Done(buffer);
  return r;
}

core::Error ErrorOf(const ApiError& error, bool token) {
  std::string why = "spotify " + std::string(token ? "token" : "answer") + ": " +
                    (error.type.empty() ? "" : error.type + ": ") + error.message;
  // The provider turns every refused token into a retry (OnToken), and a 401 into one retry
  // with a fresh token, then a transient error.
  if (token || error.status == 401) return core::Error::Transient(why);
  long status = error.status;
  if (status == 0) {  // the legacy shape: only a type
    static constexpr std::pair<std::string_view, long> kTypes[] = {
        {"not_found", 404}, {"bad_request", 400}, {"unauthorized", 401}, {"forbidden", 403},
        {"too_many_requests", 429}, {"rate_limit_exceeded", 429}, {"server_error", 500},
        {"internal_server_error", 500}, {"service_unavailable", 503}};
    status = 500;  // an error we cannot place is the provider's fault: retried
    for (const auto& [type, code] : kTypes) {
      if (error.type == type) status = code;
    }
    if (status == 401) return core::Error::Transient(why);
  }
  http::Response response;
  response.status = status;
  auto classified = gateway::ClassifyStatus(response, "spotify answer");
  if (!classified) return core::Error::Transient(why);  // a 2xx status inside an error body
  classified->message = why;
  return *classified;
}

core::Result<runtime::NormalizedAnswer> NormalizeResponse(std::string_view body) {
  rapidjson::Document doc;
  auto parsed = Guard("response", [&] {
    ParseInto(doc, body);
    return true;
  });
  if (!parsed) return parsed.error();
  runtime::NormalizedAnswer out;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  auto start = [&](const char* shape) {
    out.shape = shape;
    w.StartObject();
  };
  auto finish = [&]() -> core::Result<runtime::NormalizedAnswer> {
    out.record_json = Done(buffer);
    return out;
  };

  if (doc.HasMember("error")) {
    auto error = ParseError(body);
    if (!error) return core::Error::InvalidInput("spotify response: /error is neither an object nor a string");
    bool token = doc["error"].IsString();
    out.shape = token ? "token" : "error";
    out.error = ErrorOf(*error, token);
    if (error->status != 0) out.error_code = error->status;
    return out;
  }
  if (doc.HasMember("access_token")) {
    auto token = ParseToken(body);
    if (!token) return token.error();
    start("token");
    w.Key("token_type");
    w.String("Bearer");
    w.Key("expires_in");
    w.Int64(token->expires_in.count());
    w.Key("access_token");
    w.String("(redacted)");
    w.EndObject();
    return finish();
  }
  const Value* tracks = Find(doc, "tracks");
  if (tracks != nullptr && tracks->IsObject() && !doc.HasMember("album_type")) {
    auto items = ParseTrackSearch(body);
    if (!items) return items.error();
    start("search");
    w.Key("type");
    w.String("track");
    if (auto total = OptInt64(*tracks, "total", "/tracks")) {
      w.Key("total");
      w.Int64(*total);
    }
    out.candidates = static_cast<long>(items->size());
    if (items->empty()) return out;
    w.Key("records");
    w.StartArray();
    for (const auto& t : *items) WriteRecord(w, TrackRecordOf(JobFor(t), t, std::nullopt, t.artists));
    w.EndArray();
    w.EndObject();
    return finish();
  }
  if (tracks != nullptr && tracks->IsArray()) {
    auto items = ParseTracks(body);
    if (!items) return items.error();
    start("tracks");
    w.Key("records");
    w.StartArray();
    for (const auto& t : *items) {
      if (t) WriteRecord(w, TrackRecordOf(JobFor(*t), *t, std::nullopt, t->artists));
      else w.Null();
    }
    w.EndArray();
    w.EndObject();
    return finish();
  }
  if (const Value* albums = Find(doc, "albums"); albums != nullptr && albums->IsObject()) {
    auto items = ParseAlbumSearch(body);
    if (!items) return items.error();
    start("search");
    w.Key("type");
    w.String("album");
    out.candidates = static_cast<long>(items->size());
    if (items->empty()) return out;
    w.Key("albums");
    w.StartArray();
    for (const auto& a : *items) {
      w.StartObject();
      w.Key("id");
      w.String(a.id.c_str());
      w.Key("name");
      w.String(a.name.c_str());
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return finish();
  }
  if (const Value* artists = Find(doc, "artists"); artists != nullptr && !doc.HasMember("type")) {
    auto items = ParseArtists(body);
    if (!items) return items.error();
    if (artists->IsObject()) {
      out.candidates = static_cast<long>(items->size());
      if (items->empty()) {
        out.shape = "search";
        return out;
      }
    }
    start(artists->IsObject() ? "search" : "artists");
    if (artists->IsObject()) {
      w.Key("type");
      w.String("artist");
    }
    w.Key("artists");
    w.StartArray();
    for (const auto& a : *items) WriteArtist(w, a);
    w.EndArray();
    w.EndObject();
    return finish();
  }
  if (doc.HasMember("audio_features")) {
    auto features = SplitAudioFeatures(body);
    if (!features) return features.error();
    start("audio-features");
    w.Key("audio_features");
    w.StartObject();
    for (const auto& [id, json] : *features) WriteRaw(w, id.c_str(), json);
    w.EndObject();
    w.EndObject();
    return finish();
  }
  std::string type = OptString(doc, "type", "").value_or("");
  if (type == "audio_features" || doc.HasMember("danceability")) {
    auto features = ParseAudioFeatures(body);
    if (!features) return features.error();
    start("audio-feature");
    if (auto id = OptString(doc, "id", "")) {
      w.Key("id");
      w.String(id->c_str());
    }
    WriteRaw(w, "audio_features", *features);
    w.EndObject();
    return finish();
  }
  if (type == "track") {
    auto track = ParseTrack(body);
    if (!track) return track.error();
    out.shape = "track";
    WriteRecord(w, TrackRecordOf(JobFor(*track), *track, std::nullopt, track->artists));
    return finish();
  }
  if (type == "album") {
    auto album = ParseAlbum(body);
    if (!album) return album.error();
    out.shape = "album";
    WriteRecord(w, AlbumRecordOf(JobFor(*album), *album, album->artists));
    return finish();
  }
  if (type == "artist") {
    auto artist = ParseArtist(body);
    if (!artist) return artist.error();
    out.shape = "artist";
    WriteArtist(w, *artist);
    return finish();
  }
  return core::Error::InvalidInput(
      "spotify response: not a shape this worker knows (search result, track, tracks, album, artist(s), audio "
      "features, token or error body)");
}

}  // namespace spotify
