#pragma once

#include <span>
#include <string_view>

namespace json {

// The JSON Schema text of a message type ("tunefleet.track_job/1"), exactly as in schemas/;
// empty when the type is unknown. The texts are compiled into the library.
std::string_view SchemaText(std::string_view type);

// Every message type this build understands, in schemas/ order.
std::span<const std::string_view> KnownTypes();

}  // namespace json
