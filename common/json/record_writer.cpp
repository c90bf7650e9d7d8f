#include "common/json/record_writer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace json {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void Str(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void Opt(Writer& w, const char* key, const std::optional<std::string>& value) {
  if (value) Str(w, key, *value);
}
template <typename Int>
void OptInt(Writer& w, const char* key, const std::optional<Int>& value) {
  if (!value) return;
  w.Key(key);
  w.Int64(static_cast<std::int64_t>(*value));
}
void OptDouble(Writer& w, const char* key, const std::optional<double>& value) {
  if (!value) return;
  w.Key(key);
  w.Double(*value);
}
void List(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}
void Raw(Writer& w, const std::optional<std::string>& raw, bool with_raw) {
  if (!with_raw || !raw) return;
  rapidjson::Document doc;
  doc.Parse(raw->data(), raw->size());
  if (doc.HasParseError()) return;
  w.Key("raw");
  doc.Accept(w);
}
template <typename Record>
void Common(Writer& w, const Record& r) {
  Str(w, "provider", r.provider);
  Str(w, "job_id", r.job_id);
  Str(w, "status", r.status == catalog::SourceStatus::kOk ? "ok" : "not_found");
  Opt(w, "external_id", r.external_id);
  List(w, "genres", r.genres);
  List(w, "moods", r.moods);
}

}  // namespace

std::string RecordJson(const catalog::TrackRecord& r, bool with_raw) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("ref");
  w.StartObject();
  Str(w, "artist", r.ref.artist);
  Str(w, "title", r.ref.title);
  Opt(w, "album", r.ref.album);
  Opt(w, "isrc", r.ref.isrc);
  Opt(w, "mbid", r.ref.mbid);
  Opt(w, "spotify_id", r.ref.spotify_id);
  OptInt(w, "discogs_id", r.ref.discogs_id);
  w.EndObject();
  Common(w, r);
  const auto& f = r.fields;
  w.Key("fields");
  w.StartObject();
  Opt(w, "title", f.title);
  OptInt(w, "duration_ms", f.duration_ms);
  if (f.is_explicit) {
    w.Key("explicit");
    w.Bool(*f.is_explicit);
  }
  OptInt(w, "popularity", f.popularity);
  OptInt(w, "track_number", f.track_number);
  Opt(w, "release_date", f.release_date);
  Opt(w, "artist_credit", f.artist_credit);
  Opt(w, "isrc", f.isrc);
  Opt(w, "mbid", f.mbid);
  Opt(w, "spotify_id", f.spotify_id);
  OptInt(w, "discogs_id", f.discogs_id);
  if (f.audio_features_json) {
    rapidjson::Document doc;
    doc.Parse(f.audio_features_json->data(), f.audio_features_json->size());
    if (!doc.HasParseError()) {
      w.Key("audio_features");
      doc.Accept(w);
    }
  }
  w.EndObject();
  Raw(w, r.raw_json, with_raw);
  w.EndObject();
  return buffer.GetString();
}

std::string RecordJson(const catalog::AlbumRecord& r, bool with_raw) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("ref");
  w.StartObject();
  Str(w, "artist", r.ref.artist);
  Str(w, "title", r.ref.title);
  Opt(w, "upc", r.ref.upc);
  Opt(w, "mbid", r.ref.mbid);
  Opt(w, "spotify_id", r.ref.spotify_id);
  OptInt(w, "discogs_id", r.ref.discogs_id);
  w.EndObject();
  Common(w, r);
  const auto& f = r.fields;
  w.Key("fields");
  w.StartObject();
  Opt(w, "title", f.title);
  Opt(w, "release_date", f.release_date);
  Opt(w, "artist_credit", f.artist_credit);
  Opt(w, "upc", f.upc);
  Opt(w, "mbid", f.mbid);
  Opt(w, "spotify_id", f.spotify_id);
  OptInt(w, "discogs_id", f.discogs_id);
  OptInt(w, "total_tracks", f.total_tracks);
  Opt(w, "label", f.label);
  OptDouble(w, "aoty_critic_score", f.aoty_critic_score);
  OptInt(w, "aoty_critic_count", f.aoty_critic_count);
  OptDouble(w, "aoty_user_score", f.aoty_user_score);
  OptInt(w, "aoty_user_count", f.aoty_user_count);
  w.EndObject();
  Raw(w, r.raw_json, with_raw);
  w.EndObject();
  return buffer.GetString();
}

}  // namespace json
