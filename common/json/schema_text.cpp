#include "common/json/schema_text.hpp"

#include <array>

#include "common/json/embedded_schemas.hpp"
#include "common/json/job.hpp"

namespace json {

namespace {
constexpr std::array<std::string_view, 3> kKnownTypes = {TrackJob::kType, AlbumJob::kType, FollowUp::kType};
}  // namespace

std::string_view SchemaText(std::string_view type) {
  for (const internal::EmbeddedSchema& schema : internal::EmbeddedSchemas()) {
    if (schema.type == type) return schema.text;
  }
  return {};
}

std::span<const std::string_view> KnownTypes() { return kKnownTypes; }

}  // namespace json
