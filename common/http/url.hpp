#pragma once

#include <algorithm>
#include <array>
#include <cctype>
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

// `url` as it may appear in an error or a log line: the value of every query parameter that
// names a credential (api_key, key, token, access_token, secret, client_secret, password,
// sig, api_sig, signature; any case) and a user:password before the host become "***".
// Last.fm sends its API key in the query, and transport errors name the URL.
inline std::string RedactUrl(std::string_view url) {
  static constexpr std::array<std::string_view, 10> kSecretNames = {
      "api_key", "key", "token", "access_token", "secret", "client_secret", "password", "sig", "api_sig", "signature"};
  std::string out(url);
  std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    std::size_t host = scheme + 3;
    std::size_t authority_end = std::min(out.find_first_of("/?#", host), out.size());
    std::size_t at = out.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
    if (at != std::string::npos && at >= host && at < authority_end) out.replace(host, at - host, "***");
  }
  std::size_t pos = out.find('?');
  if (pos == std::string::npos) return out;
  std::size_t query_end = std::min(out.find('#', pos), out.size());
  ++pos;
  while (pos < query_end) {
    std::size_t end = std::min(out.find('&', pos), query_end);
    std::size_t eq = out.find('=', pos);
    if (eq < end) {
      std::string name = out.substr(pos, eq - pos);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      if (std::find(kSecretNames.begin(), kSecretNames.end(), name) != kSecretNames.end() && end > eq + 1) {
        std::size_t removed = end - eq - 1;
        out.replace(eq + 1, removed, "***");
        end = end - removed + 3;
        query_end = query_end - removed + 3;
      }
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace http
