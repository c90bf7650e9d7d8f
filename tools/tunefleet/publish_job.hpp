#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/core/result.hpp"
#include "common/json/job_parser.hpp"
#include "tools/tunefleet/publish_input.hpp"

// Input record -> job message body, validated against the job's schema. Pure.
namespace publish {

struct JobBuilderSettings {
  Kind kind = Kind::kTrack;
  std::string job_id_prefix;  // job_id = "<prefix>-<line>"; see CheckJobIdPrefix
  std::string requested_at;   // RFC 3339, put in every track job; empty leaves it out
};

// Builds json::TrackJob / json::AlbumJob from records, serializes them with json::Serialize
// and validates the result once with json::JobParser, so a bad identifier is rejected with the
// schema's own words (`invalid tunefleet.track_job/1: /isrc violates "pattern": ...`). Not
// thread safe (it reuses buffers).
class JobBuilder {
 public:
  explicit JobBuilder(JobBuilderSettings settings);

  // The JSON body of `record`'s job in `body` and its id in `job_id`, or InvalidInput with
  // the reason to reject the record (one line, without the line number).
  core::Result<void> Build(const Record& record, std::string& body, std::string& job_id) const;

 private:
  JobBuilderSettings settings_;
  json::JobParser parser_;
};

// An error naming the problem when `prefix` cannot start a job id ([A-Za-z0-9._:-], at most
// kMaxJobIdPrefix characters, so "<prefix>-<line>" fits the schema's 64-character trace_id).
inline constexpr std::size_t kMaxJobIdPrefix = 40;
core::Result<void> CheckJobIdPrefix(std::string_view prefix);

// "line <N>: <reason>\t<raw>\n": one rejects-file entry. Tabs and line breaks in the reason
// become spaces, so the reason never runs into the record.
std::string RejectEntry(std::uint64_t line, std::string_view reason, std::string_view raw);

}  // namespace publish
