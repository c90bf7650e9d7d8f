#include "tools/tunefleet/publish_job.hpp"

#include <charconv>
#include <optional>
#include <system_error>

#include "common/json/job.hpp"
#include "common/json/job_writer.hpp"

namespace publish {
namespace {

std::optional<std::string> Text(const Record& record, Field field) {
  const auto& value = record[field];
  if (!value) return std::nullopt;
  return std::string(*value);
}

// The integer in `record`'s `field`, nullopt when absent; an error when it is not an integer.
core::Result<std::optional<std::int64_t>> Integer(const Record& record, Field field) {
  const auto& value = record[field];
  if (!value) return std::optional<std::int64_t>();
  std::int64_t number = 0;
  const char* end = value->data() + value->size();
  const auto [ptr, ec] = std::from_chars(value->data(), end, number);
  if (ec == std::errc::result_out_of_range) {
    return core::Error::InvalidInput(std::string(FieldName(field)) + " \"" + std::string(*value) +
                                     "\" is out of range");
  }
  if (ec != std::errc() || ptr != end) {
    return core::Error::InvalidInput(std::string(FieldName(field)) + " \"" + std::string(*value) +
                                     "\" is not an integer");
  }
  return std::optional<std::int64_t>(number);
}

}  // namespace

JobBuilder::JobBuilder(JobBuilderSettings settings) : settings_(std::move(settings)) {}

core::Result<void> JobBuilder::Build(const Record& record, std::string& body, std::string& job_id) const {
  if (!record.error.empty()) return core::Error::InvalidInput(record.error);
  const Field name_field = NameField(settings_.kind);
  if (!record[Field::kArtist]) return core::Error::InvalidInput("missing artist");
  if (!record[name_field]) return core::Error::InvalidInput("missing " + std::string(FieldName(name_field)));
  auto discogs_id = Integer(record, Field::kDiscogsId);
  if (!discogs_id) return discogs_id.error();

  job_id.assign(settings_.job_id_prefix);
  job_id += '-';
  job_id += std::to_string(record.line);

  json::Job job;
  if (settings_.kind == Kind::kTrack) {
    job = json::TrackJob{
        .job_id = job_id,
        .trace_id = job_id,
        .artist = std::string(*record[Field::kArtist]),
        .title = std::string(*record[Field::kTitle]),
        .album = Text(record, Field::kAlbum),
        .isrc = Text(record, Field::kIsrc),
        .mbid = Text(record, Field::kMbid),
        .spotify_id = Text(record, Field::kSpotifyId),
        .discogs_id = *discogs_id,
        .requested_at = settings_.requested_at.empty() ? std::nullopt : std::optional(settings_.requested_at),
    };
  } else {
    auto year = Integer(record, Field::kYear);
    if (!year) return year.error();
    job = json::AlbumJob{
        .job_id = job_id,
        .trace_id = job_id,
        .artist = std::string(*record[Field::kArtist]),
        .album = std::string(*record[Field::kAlbum]),
        .upc = Text(record, Field::kUpc),
        .mbid = Text(record, Field::kMbid),
        .spotify_id = Text(record, Field::kSpotifyId),
        .discogs_id = *discogs_id,
        .year = *year,
    };
  }
  body = json::Serialize(job);
  // The one validation: what the workers will check is exactly what we publish.
  if (auto parsed = parser_.Parse(body); !parsed) return parsed.error();
  return core::Ok();
}

core::Result<void> CheckJobIdPrefix(std::string_view prefix) {
  if (prefix.empty()) return core::Error::InvalidInput("--job-id-prefix must not be empty");
  if (prefix.size() > kMaxJobIdPrefix) {
    return core::Error::InvalidInput("--job-id-prefix is longer than " + std::to_string(kMaxJobIdPrefix) +
                                     " characters");
  }
  for (const char c : prefix) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) {
      return core::Error::InvalidInput("--job-id-prefix \"" + std::string(prefix) +
                                       "\" may only use letters, digits and . _ : -");
    }
  }
  return core::Ok();
}

std::string RejectEntry(std::uint64_t line, std::string_view reason, std::string_view raw) {
  std::string entry = "line " + std::to_string(line) + ": ";
  for (const char c : reason) entry += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
  entry += '\t';
  entry.append(raw);
  entry += '\n';
  return entry;
}

}  // namespace publish
