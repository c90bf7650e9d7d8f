#include "common/json/job_writer.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

namespace json {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Field(Writer& writer, const char* name, std::string_view value) {
  writer.Key(name);
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void Field(Writer& writer, const char* name, std::int64_t value) {
  writer.Key(name);
  writer.Int64(value);
}

template <typename T>
void Field(Writer& writer, const char* name, const std::optional<T>& value) {
  if (value) Field(writer, name, *value);
}

void Fields(Writer& writer, const TrackJob& job) {
  Field(writer, "artist", job.artist);
  Field(writer, "title", job.title);
  Field(writer, "album", job.album);
  Field(writer, "isrc", job.isrc);
  Field(writer, "mbid", job.mbid);
  Field(writer, "spotify_id", job.spotify_id);
  Field(writer, "discogs_id", job.discogs_id);
  Field(writer, "duration_ms", job.duration_ms);
  Field(writer, "requested_at", job.requested_at);
}

void Fields(Writer& writer, const AlbumJob& job) {
  Field(writer, "artist", job.artist);
  Field(writer, "album", job.album);
  Field(writer, "upc", job.upc);
  Field(writer, "mbid", job.mbid);
  Field(writer, "spotify_id", job.spotify_id);
  Field(writer, "discogs_id", job.discogs_id);
  Field(writer, "year", job.year);
}

void Fields(Writer& writer, const FollowUp& job) {
  writer.Key("track_ids");
  writer.StartArray();
  for (auto id : job.track_ids) writer.Int64(id);
  writer.EndArray();
  Field(writer, "provider", job.provider);
  Field(writer, "reason", job.reason);
  Field(writer, "emitted_at", job.emitted_at);
}

}  // namespace

std::string Serialize(const Job& job) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  std::visit(
      [&writer](const auto& message) {
        writer.StartObject();
        Field(writer, "type", std::decay_t<decltype(message)>::kType);
        Field(writer, "job_id", message.job_id);
        Field(writer, "trace_id", message.trace_id);
        Fields(writer, message);
        writer.EndObject();
      },
      job);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace json
