#pragma once

#include <span>
#include <string_view>

// Internal to common/json: the schema texts compiled in from schemas/ by embed_schemas.cmake.
namespace json::internal {

struct EmbeddedSchema {
  std::string_view type;  // "tunefleet.track_job/1", read from properties.type.enum[0]
  std::string_view file;  // "track_job.schema.json"
  std::string_view text;  // the file's content, byte for byte
};

std::span<const EmbeddedSchema> EmbeddedSchemas();

}  // namespace json::internal
