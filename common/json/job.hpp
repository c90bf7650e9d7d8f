#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// Typed job messages, one struct per schema in schemas/. Field names and meanings are those of
// the schema (schemas/README.md); an absent optional property is std::nullopt. Every member has
// a default, so designated initializers may name only what they set.
namespace json {

struct TrackJob {
  static constexpr std::string_view kType = "tunefleet.track_job/1";

  std::string job_id{};
  std::string trace_id{};
  std::string artist{};
  std::string title{};
  std::optional<std::string> album{};
  std::optional<std::string> isrc{};
  std::optional<std::string> mbid{};
  std::optional<std::string> spotify_id{};
  std::optional<std::int64_t> discogs_id{};
  std::optional<std::int64_t> duration_ms{};
  std::optional<std::string> requested_at{};  // RFC 3339, kept as sent

  bool operator==(const TrackJob&) const = default;
};

struct AlbumJob {
  static constexpr std::string_view kType = "tunefleet.album_job/1";

  std::string job_id{};
  std::string trace_id{};
  std::string artist{};
  std::string album{};
  std::optional<std::string> upc{};
  std::optional<std::string> mbid{};  // release group
  std::optional<std::string> spotify_id{};
  std::optional<std::int64_t> discogs_id{};
  std::optional<std::int64_t> year{};

  bool operator==(const AlbumJob&) const = default;
};

struct FollowUp {
  static constexpr std::string_view kType = "tunefleet.followup/1";

  std::string job_id{};
  std::string trace_id{};
  std::vector<std::int64_t> track_ids{};  // tracks.id of every track one committed batch wrote
  std::string provider{};     // spotify, lastfm, musicbrainz, discogs, cyanite, aoty or noop
  std::string reason{};       // enriched or not_found
  std::string emitted_at{};   // RFC 3339, kept as sent

  bool operator==(const FollowUp&) const = default;
};

using Job = std::variant<TrackJob, AlbumJob, FollowUp>;

// The message's `type` value, e.g. "tunefleet.track_job/1".
std::string_view TypeName(const Job& job);
// The job_id (also the AMQP message_id) and trace_id every message carries.
std::string_view JobId(const Job& job);
std::string_view TraceId(const Job& job);

}  // namespace json
