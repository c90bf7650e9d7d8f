#pragma once

#include <cstddef>
#include <string_view>

// Internal to common/json.
namespace json {

// Byte offset of the first sequence in `text` that is not well-formed UTF-8 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or std::string_view::npos.
std::size_t FindInvalidUtf8(std::string_view text);

}  // namespace json
