#include "workers/spotify/spotify_parse.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "common/db/identity.hpp"
#include "common/gateway/gateway.hpp"
#include "common/http/http_client.hpp"
#include "common/json/body_reader.hpp"
#include "common/json/record_writer.hpp"
#include "common/normalize/vocabulary.hpp"

namespace spotify {
namespace {

using json::Node;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string Where(std::string_view endpoint) { return "spotify " + std::string(endpoint); }

std::string Excerpt(std::string_view text) {
  std::string out(text.substr(0, 40));
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"') c = ' ';
  }
  return out;
}

std::string ErrorSummary(Node root);

// The endpoint's object: a JSON object that is not an error body.
core::Result<json::Body> ParseAnswer(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  if (parsed->Root()["error"].Present()) {
    return json::InvalidResponse(parsed->Where(), "the body is an error: " + ErrorSummary(parsed->Root()));
  }
  return parsed;
}

// Spotify's integers; a few answers spell them as doubles ("duration_ms": 215000.0).
std::optional<std::int32_t> Int32(Node node) {
  if (!node.Given()) return std::nullopt;
  if (auto n = node.AsInt64(); n && *n >= std::numeric_limits<std::int32_t>::min() &&
                                *n <= std::numeric_limits<std::int32_t>::max()) {
    return static_cast<std::int32_t>(*n);
  }
  if (auto d = node.AsDouble(); d && !node.IsInt64() && std::isfinite(*d) && std::abs(*d) < 2e9) {
    return static_cast<std::int32_t>(std::lround(*d));
  }
  node.WrongType("an integer");
  return std::nullopt;
}

std::vector<std::string> Genres(Node list) {
  std::vector<std::string> out;
  for (Node genre : list.OptArray().Items()) {
    if (auto text = genre.AsString()) out.emplace_back(*text);
    else genre.WrongType("a string");
  }
  return out;
}

Artist ArtistOf(Node a) {
  Artist artist;
  if (!a.IsObject()) {
    a.WrongType("an artist object");
    return artist;
  }
  artist.id = a["id"].OptString().value_or("");
  artist.name = a["name"].OptString().value_or("");
  artist.genres = Genres(a["genres"]);
  return artist;
}

// An array of artist objects; null entries skipped.
std::vector<Artist> ArtistList(Node list) {
  std::vector<Artist> out;
  for (Node item : list.OptArray().Items()) {
    if (!item.IsNull()) out.push_back(ArtistOf(item));
  }
  return out;
}

std::string TwoDigits(std::int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

// release_date as a string with its precision, or the beta-era object {year, month, day}.
std::optional<std::string> ReleaseDateOf(Node album) {
  Node date = album["release_date"];
  if (!date.Given()) return std::nullopt;
  if (auto text = date.AsString()) {
    return NormalizeReleaseDate(*text, album["release_date_precision"].OptString().value_or(""));
  }
  if (!date.IsObject()) {
    date.WrongType("a string or an object");
    return std::nullopt;
  }
  auto year = date["year"].OptInt64();
  auto month = date["month"].OptInt64();
  auto day = date["day"].OptInt64();
  if (!year || *year < 1000 || *year > 9999) return std::nullopt;
  std::string out = std::to_string(*year);
  if (month && *month >= 1 && *month <= 12) {
    out += "-" + TwoDigits(*month);
    if (day && *day >= 1 && *day <= 31) out += "-" + TwoDigits(*day);
  }
  return out;
}

Track TrackOf(Node t) {
  Track track;
  if (!t.IsObject()) {
    t.WrongType("a track object");
    return track;
  }
  track.id = t["id"].RequireString();
  track.name = t["name"].RequireString();
  if (track.id.empty()) t["id"].Problem("is empty");
  track.artists = ArtistList(t["artists"]);
  track.fields.title = track.name;
  track.fields.spotify_id = track.id;
  track.fields.duration_ms = Int32(t["duration_ms"]);
  track.fields.is_explicit = t["explicit"].OptBool();
  if (auto popularity = Int32(t["popularity"])) track.fields.popularity = std::clamp(*popularity, 0, 100);
  if (auto number = Int32(t["track_number"]); number && *number >= 1) track.fields.track_number = number;
  if (auto isrc = t["external_ids"].OptObject()["isrc"].OptString()) {
    std::string normalized = NormalizeIsrc(*isrc);
    if (!normalized.empty()) track.fields.isrc = normalized;
  }
  if (Node album = t["album"].OptObject(); album.Present()) {
    track.album_id = album["id"].OptString().value_or("");
    track.album_name = album["name"].OptString().value_or("");
    track.fields.release_date = ReleaseDateOf(album);
  }
  // Per-country markets and images only bloat provenance rows.
  track.raw_json = t.Json({"available_markets", "images"});
  return track;
}

// A paging object of simplified tracks (the album object's `tracks`, /v1/albums/{id}/tracks).
// An entry without id or name is skipped: no track job could find it.
std::vector<catalog::AlbumTrack> TracklistOf(Node items, std::string_view album, std::string_view artist) {
  std::vector<catalog::AlbumTrack> out;
  for (Node item : items.Items()) {
    if (!item.IsObject()) continue;
    auto id = item["id"].OptString();
    auto name = item["name"].OptString();
    auto number = Int32(item["track_number"]);
    if (!id || id->empty() || !name || name->empty() || !number || *number < 1) continue;
    catalog::AlbumTrack entry;
    entry.disc = std::max<std::int32_t>(1, Int32(item["disc_number"]).value_or(1));
    entry.position = *number;
    std::vector<Artist> artists = ArtistList(item["artists"]);
    entry.ref.artist = !artists.empty() && !artists.front().name.empty() ? artists.front().name : std::string(artist);
    entry.ref.title = *name;
    if (!album.empty()) entry.ref.album = std::string(album);
    entry.ref.spotify_id = *id;
    if (auto duration = Int32(item["duration_ms"]); duration && *duration > 0) entry.duration_ms = duration;
    out.push_back(std::move(entry));
  }
  return out;
}

Album AlbumOf(Node a) {
  Album album;
  album.id = a["id"].RequireString();
  album.name = a["name"].RequireString();
  album.artists = ArtistList(a["artists"]);
  album.album_type = a["album_type"].OptString().value_or("");
  album.genres = Genres(a["genres"]);
  album.fields.title = album.name;
  album.fields.spotify_id = album.id;
  album.fields.release_date = ReleaseDateOf(a);
  if (auto total = Int32(a["total_tracks"]); total && *total >= 0) album.fields.total_tracks = total;
  if (!album.fields.total_tracks) {
    // Beta-era albums have no total_tracks; the tracks paging object's total says it.
    if (Node tracks = a["tracks"]; tracks.IsObject()) {
      if (auto total = Int32(tracks["total"]); total && *total >= 0) album.fields.total_tracks = total;
    }
  }
  if (auto label = a["label"].OptString(); label && !label->empty()) album.fields.label = label;
  if (auto upc = a["external_ids"].OptObject()["upc"].OptString(); upc && !upc->empty()) album.fields.upc = upc;
  if (Node tracks = a["tracks"]; tracks.IsObject()) {
    std::string artist = album.artists.empty() ? std::string() : album.artists.front().name;
    album.tracks = TracklistOf(tracks["items"].OptArray(), album.name, artist);
    album.tracks_total = Int32(tracks["total"]).value_or(0);
    album.tracks_more = tracks["next"].IsString();
  }
  album.raw_json = a.Json({"available_markets", "images"});
  return album;
}

constexpr const char* kFeatureKeys[] = {"danceability", "energy",   "valence",  "tempo",
                                        "acousticness", "instrumentalness", "liveness", "speechiness",
                                        "loudness",     "key",      "mode",     "time_signature"};
constexpr const char* kIntegerFeatures[] = {"key", "mode", "time_signature"};

std::string FeaturesOf(Node f) {
  if (!f.IsObject()) {
    f.WrongType("an audio features object");
    return "";
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  int present = 0;
  for (const char* key : kFeatureKeys) {
    Node v = f[key];
    if (!v.Given()) continue;
    auto number = v.AsDouble();
    if (!number) {
      v.WrongType("a number");
      continue;
    }
    w.Key(key);
    bool integer = std::any_of(std::begin(kIntegerFeatures), std::end(kIntegerFeatures),
                               [key](const char* k) { return std::string_view(k) == key; });
    auto whole = v.AsInt64();
    if (integer && whole && *whole >= std::numeric_limits<int>::min() && *whole <= std::numeric_limits<int>::max()) {
      w.Int(static_cast<int>(*whole));
    } else {
      w.Double(*number);
    }
    ++present;
  }
  w.EndObject();
  if (present == 0) f.Problem("has none of the audio feature fields");
  return {buffer.GetString(), buffer.GetSize()};
}

std::string ErrorSummary(Node root) {
  Node e = root["error"];
  if (e.IsObject()) {
    std::string out;
    if (auto status = e["status"].AsInt64()) out += std::to_string(*status);
    for (const char* key : {"type", "message", "description"}) {
      if (auto text = e[key].AsString()) {
        if (!out.empty()) out += ' ';
        out += *text;
      }
    }
    return out;
  }
  if (auto code = e.AsString()) {
    std::string out(*code);
    if (auto description = root["error_description"].AsString()) out += " " + std::string(*description);
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
  auto parsed = ParseAnswer(body, "token");
  if (!parsed) return parsed.error();
  Node root = parsed->Root();
  Token token;
  token.access_token = root["access_token"].RequireString();
  if (token.access_token.empty()) root["access_token"].Problem("is empty");
  if (auto type = root["token_type"].OptString(); type && FoldName(*type) != "bearer") {
    root["token_type"].Problem("is \"" + Excerpt(*type) + "\", expected Bearer");
  }
  auto expires = Int32(root["expires_in"]);
  token.expires_in = std::chrono::seconds{expires && *expires > 0 ? *expires : 3600};
  return parsed->Finish(std::move(token));
}

core::Result<std::vector<Track>> ParseTrackSearch(std::string_view body) {
  auto parsed = ParseAnswer(body, "search");
  if (!parsed) return parsed.error();
  std::vector<Track> out;
  for (Node item : parsed->Root()["tracks"].RequireObject()["items"].RequireArray().Items()) {
    if (!item.IsNull()) out.push_back(TrackOf(item));
  }
  return parsed->Finish(std::move(out));
}

core::Result<Track> ParseTrack(std::string_view body) {
  auto parsed = ParseAnswer(body, "track");
  if (!parsed) return parsed.error();
  return parsed->Finish(TrackOf(parsed->Root()));
}

core::Result<std::vector<std::optional<Track>>> ParseTracks(std::string_view body) {
  auto parsed = ParseAnswer(body, "tracks");
  if (!parsed) return parsed.error();
  std::vector<std::optional<Track>> out;
  for (Node item : parsed->Root()["tracks"].RequireArray().Items()) {
    if (item.IsNull()) out.emplace_back();
    else out.emplace_back(TrackOf(item));
  }
  return parsed->Finish(std::move(out));
}

core::Result<std::vector<AlbumSummary>> ParseAlbumSearch(std::string_view body) {
  auto parsed = ParseAnswer(body, "search");
  if (!parsed) return parsed.error();
  std::vector<AlbumSummary> out;
  for (Node item : parsed->Root()["albums"].RequireObject()["items"].RequireArray().Items()) {
    if (item.IsNull()) continue;
    if (!item.IsObject()) {
      item.WrongType("an album object");
      continue;
    }
    out.push_back({item["id"].RequireString(), item["name"].RequireString(), ArtistList(item["artists"])});
  }
  return parsed->Finish(std::move(out));
}

core::Result<Album> ParseAlbum(std::string_view body) {
  auto parsed = ParseAnswer(body, "album");
  if (!parsed) return parsed.error();
  return parsed->Finish(AlbumOf(parsed->Root()));
}

core::Result<AlbumTracksPage> ParseAlbumTracks(std::string_view body, std::string_view album, std::string_view artist) {
  auto parsed = ParseAnswer(body, "album tracks");
  if (!parsed) return parsed.error();
  AlbumTracksPage page;
  page.tracks = TracklistOf(parsed->Root()["items"].RequireArray(), album, artist);
  page.more = parsed->Root()["next"].IsString();
  return parsed->Finish(std::move(page));
}

core::Result<Artist> ParseArtist(std::string_view body) {
  auto parsed = ParseAnswer(body, "artist");
  if (!parsed) return parsed.error();
  Artist artist = ArtistOf(parsed->Root());
  if (artist.id.empty()) parsed->Root()["id"].Problem("is missing");
  return parsed->Finish(std::move(artist));
}

core::Result<std::vector<Artist>> ParseArtists(std::string_view body) {
  auto parsed = ParseAnswer(body, "artists");
  if (!parsed) return parsed.error();
  Node list = parsed->Root()["artists"];
  // Artist search answers a paging object whose items are full artists.
  Node items = list.IsObject() ? list["items"].RequireArray() : list.RequireArray("an array or a paging object");
  std::vector<Artist> out;
  for (Node item : items.Items()) {
    if (item.IsNull()) continue;
    out.push_back(ArtistOf(item));
    if (out.back().id.empty()) item["id"].Problem("is missing");
  }
  return parsed->Finish(std::move(out));
}

core::Result<std::string> ParseAudioFeatures(std::string_view body) {
  auto parsed = ParseAnswer(body, "audio_features");
  if (!parsed) return parsed.error();
  return parsed->Finish(FeaturesOf(parsed->Root()));
}

core::Result<std::map<std::string, std::string>> SplitArtists(std::string_view body) {
  auto parsed = ParseAnswer(body, "artists");
  if (!parsed) return parsed.error();
  std::map<std::string, std::string> out;
  for (Node item : parsed->Root()["artists"].RequireArray().Items()) {
    if (item.IsNull()) continue;
    if (!item.IsObject()) {
      item.WrongType("an artist object");
      continue;
    }
    out[item["id"].RequireString()] = item.Json();
  }
  return parsed->Finish(std::move(out));
}

core::Result<std::map<std::string, std::string>> SplitAudioFeatures(std::string_view body) {
  auto parsed = ParseAnswer(body, "audio_features");
  if (!parsed) return parsed.error();
  std::map<std::string, std::string> out;
  for (Node item : parsed->Root()["audio_features"].RequireArray().Items()) {
    if (item.IsNull()) continue;
    if (!item.IsObject()) {
      item.WrongType("an audio features object");
      continue;
    }
    std::string id = item["id"].RequireString();
    out[id] = FeaturesOf(item);
  }
  return parsed->Finish(std::move(out));
}

std::optional<ApiError> ParseError(std::string_view body) {
  auto parsed = json::Body::Parse(body, Where("error"));
  if (!parsed) return std::nullopt;
  Node e = parsed->Root()["error"];
  ApiError out;
  if (e.IsObject()) {
    if (auto status = e["status"].AsInt64(); status && *status >= std::numeric_limits<int>::min() && *status <= std::numeric_limits<int>::max()) {
      out.status = static_cast<int>(*status);
    }
    if (auto type = e["type"].AsString()) out.type = *type;
    for (const char* key : {"message", "description"}) {
      if (auto message = e[key].AsString()) out.message = *message;
    }
    return out;
  }
  if (auto code = e.AsString()) {
    out.type = *code;
    if (auto description = parsed->Root()["error_description"].AsString()) out.message = *description;
    return out;
  }
  return std::nullopt;
}

std::optional<core::Error> CheckBody(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
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

// The first credited artist's Spotify id when that artist is the job's (db::NameKey), as the
// Discogs worker decides artist_discogs_id: a featured artist's id must not land on the row
// of the job's artist.
std::optional<std::string> JobArtistId(const std::vector<Artist>& credited, std::string_view job_artist) {
  if (credited.empty() || credited.front().id.empty()) return std::nullopt;
  std::string want = db::NameKey(job_artist);
  if (want.empty() || db::NameKey(credited.front().name) != want) return std::nullopt;
  return credited.front().id;
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
  r.fields.artist_spotify_id = JobArtistId(track.artists, job.artist);
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
  r.fields.artist_spotify_id = JobArtistId(album.artists, job.artist);
  r.tracklist = album.tracks;
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

namespace {

// One function per shape NormalizeResponse recognizes. Each parses `body` with the endpoint's
// own parser, so its errors name that endpoint, and writes what the shape yields.

core::Result<runtime::NormalizedAnswer> NormalizeError(Node doc, std::string_view body) {
  auto error = ParseError(body);
  if (!error) return core::Error::InvalidInput("spotify response: /error is neither an object nor a string");
  // The accounts service answers a refused token with a string `error` (OAuth's shape).
  bool token = doc["error"].IsString();
  runtime::NormalizedAnswer out{.shape = token ? "token" : "error", .error = ErrorOf(*error, token)};
  if (error->status != 0) out.error_code = error->status;
  return out;
}

core::Result<runtime::NormalizedAnswer> NormalizeToken(std::string_view body) {
  auto token = ParseToken(body);
  if (!token) return token.error();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("token_type");
  w.String("Bearer");
  w.Key("expires_in");
  w.Int64(token->expires_in.count());
  // A saved answer may hold a live token: never print it.
  w.Key("access_token");
  w.String("(redacted)");
  w.EndObject();
  return runtime::NormalizedAnswer{.shape = "token", .record_json = Done(buffer)};
}

core::Result<runtime::NormalizedAnswer> NormalizeTrackSearch(Node doc, std::string_view body) {
  auto items = ParseTrackSearch(body);
  if (!items) return items.error();
  runtime::NormalizedAnswer out{.shape = "search", .candidates = static_cast<long>(items->size())};
  if (items->empty()) return out;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("type");
  w.String("track");
  if (auto total = doc["tracks"]["total"].AsInt64()) {
    w.Key("total");
    w.Int64(*total);
  }
  w.Key("records");
  w.StartArray();
  for (const auto& t : *items) WriteRecord(w, TrackRecordOf(JobFor(t), t, std::nullopt, t.artists));
  w.EndArray();
  w.EndObject();
  out.record_json = Done(buffer);
  return out;
}

core::Result<runtime::NormalizedAnswer> NormalizeTracks(std::string_view body) {
  auto items = ParseTracks(body);
  if (!items) return items.error();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("records");
  w.StartArray();
  for (const auto& t : *items) {
    if (t) WriteRecord(w, TrackRecordOf(JobFor(*t), *t, std::nullopt, t->artists));
    else w.Null();
  }
  w.EndArray();
  w.EndObject();
  return runtime::NormalizedAnswer{.shape = "tracks", .record_json = Done(buffer)};
}

core::Result<runtime::NormalizedAnswer> NormalizeAlbumSearch(std::string_view body) {
  auto items = ParseAlbumSearch(body);
  if (!items) return items.error();
  runtime::NormalizedAnswer out{.shape = "search", .candidates = static_cast<long>(items->size())};
  if (items->empty()) return out;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("type");
  w.String("album");
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
  out.record_json = Done(buffer);
  return out;
}

// Artist search answers a paging object, /v1/artists?ids= an array.
core::Result<runtime::NormalizedAnswer> NormalizeArtists(Node doc, std::string_view body) {
  auto items = ParseArtists(body);
  if (!items) return items.error();
  bool search = doc["artists"].IsObject();
  runtime::NormalizedAnswer out{.shape = search ? "search" : "artists"};
  if (search) {
    out.candidates = static_cast<long>(items->size());
    if (items->empty()) return out;
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  if (search) {
    w.Key("type");
    w.String("artist");
  }
  w.Key("artists");
  w.StartArray();
  for (const auto& a : *items) WriteArtist(w, a);
  w.EndArray();
  w.EndObject();
  out.record_json = Done(buffer);
  return out;
}

core::Result<runtime::NormalizedAnswer> NormalizeAudioFeaturesList(std::string_view body) {
  auto features = SplitAudioFeatures(body);
  if (!features) return features.error();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("audio_features");
  w.StartObject();
  for (const auto& [id, json] : *features) WriteRaw(w, id.c_str(), json);
  w.EndObject();
  w.EndObject();
  return runtime::NormalizedAnswer{.shape = "audio-features", .record_json = Done(buffer)};
}

core::Result<runtime::NormalizedAnswer> NormalizeAudioFeatures(Node doc, std::string_view body) {
  auto features = ParseAudioFeatures(body);
  if (!features) return features.error();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  if (auto id = doc["id"].AsString()) {
    w.Key("id");
    w.String(id->data(), static_cast<rapidjson::SizeType>(id->size()));
  }
  WriteRaw(w, "audio_features", *features);
  w.EndObject();
  return runtime::NormalizedAnswer{.shape = "audio-feature", .record_json = Done(buffer)};
}

core::Result<runtime::NormalizedAnswer> NormalizeTrack(std::string_view body) {
  auto track = ParseTrack(body);
  if (!track) return track.error();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteRecord(w, TrackRecordOf(JobFor(*track), *track, std::nullopt, track->artists));
  return runtime::NormalizedAnswer{.shape = "track", .record_json = Done(buffer)};
}

core::Result<runtime::NormalizedAnswer> NormalizeAlbum(std::string_view body) {
  auto album = ParseAlbum(body);
  if (!album) return album.error();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteRecord(w, AlbumRecordOf(JobFor(*album), *album, album->artists));
  return runtime::NormalizedAnswer{.shape = "album", .record_json = Done(buffer)};
}

core::Result<runtime::NormalizedAnswer> NormalizeArtist(std::string_view body) {
  auto artist = ParseArtist(body);
  if (!artist) return artist.error();
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteArtist(w, *artist);
  return runtime::NormalizedAnswer{.shape = "artist", .record_json = Done(buffer)};
}

}  // namespace

core::Result<runtime::NormalizedAnswer> NormalizeResponse(std::string_view body) {
  auto parsed = json::Body::Parse(body, Where("response"));
  if (!parsed) return parsed.error();
  Node doc = parsed->Root();
  // The shapes overlap, so the order of these checks matters: an album carries a "tracks"
  // paging object, full tracks and albums an "artists" list, and a track's "type" is "track".
  if (doc["error"].Present()) return NormalizeError(doc, body);
  if (doc["access_token"].Present()) return NormalizeToken(body);
  if (doc["tracks"].IsObject() && !doc["album_type"].Present()) return NormalizeTrackSearch(doc, body);
  if (doc["tracks"].IsArray()) return NormalizeTracks(body);
  if (doc["albums"].IsObject()) return NormalizeAlbumSearch(body);
  if (doc["artists"].Given() && !doc["type"].Present()) return NormalizeArtists(doc, body);
  if (doc["audio_features"].Present()) return NormalizeAudioFeaturesList(body);
  std::string_view type = doc["type"].AsString().value_or("");
  if (type == "audio_features" || doc["danceability"].Present()) return NormalizeAudioFeatures(doc, body);
  if (type == "track") return NormalizeTrack(body);
  if (type == "album") return NormalizeAlbum(body);
  if (type == "artist") return NormalizeArtist(body);
  return core::Error::InvalidInput(
      "spotify response: not a shape this worker knows (search result, track, tracks, album, artist(s), audio "
      "features, token or error body)");
}

}  // namespace spotify
