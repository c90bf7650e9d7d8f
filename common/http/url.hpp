#pragma once

#include <string>
#include <string_view>

namespace http {

// RFC 3986 percent-encoding for a query value or a path segment: unreserved characters
// (ALPHA DIGIT - . _ ~) are kept, every other byte (UTF-8 included) becomes %XX, so '+',
// '&', '=', '/' and spaces survive any server's query parsing.
inline std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
                      u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0f];
    }
  }
  return out;
}

}  // namespace http
