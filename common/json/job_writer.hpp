#pragma once

#include <string>

#include "common/json/job.hpp"

namespace json {

// Compact JSON for `job`, with its `type` first; absent optionals are left out. Strings are
// escaped as JSON requires and non-ASCII text is kept as UTF-8, so JobParser::Parse gives back
// an equal Job for every job that satisfies its schema.
std::string Serialize(const Job& job);

}  // namespace json
