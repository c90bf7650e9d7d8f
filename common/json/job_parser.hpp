#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "common/core/result.hpp"
#include "common/json/job.hpp"

namespace json {

struct JobParserSettings {
  // Bodies larger than this are rejected before parsing (TUNEFLEET_MAX_BODY_BYTES).
  std::size_t max_body_bytes = 256 * 1024;
};

// Turns a message body into a typed Job after validating it against the schema its `type`
// names (schemas/*.schema.json, compiled in). Every rejection is ErrorKind::kInvalidInput with a
// one-line reason naming the offending property. Schemas are compiled once, in the
// constructor; Parse is const and keeps no state, so one parser may serve many threads.
// Copies share the compiled schemas.
class JobParser {
 public:
  explicit JobParser(JobParserSettings settings = {});
  ~JobParser();
  JobParser(const JobParser&);
  JobParser& operator=(const JobParser&);
  JobParser(JobParser&&) noexcept;
  JobParser& operator=(JobParser&&) noexcept;

  core::Result<Job> Parse(std::string_view body) const;

 private:
  class Schemas;

  JobParserSettings settings_;
  std::shared_ptr<const Schemas> schemas_;
};

}  // namespace json
