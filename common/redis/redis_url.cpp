#include "common/redis/redis_url.hpp"

#include <curl/curl.h>

#include <charconv>
#include <memory>

#include "common/core/redact.hpp"

namespace redis {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// One part of the URL, or empty when the URL has none.
std::string Part(CURLU* url, CURLUPart which, unsigned flags = 0) {
  char* part = nullptr;
  std::string out;
  if (curl_url_get(url, which, &part, flags) == CURLUE_OK && part != nullptr) out = part;
  curl_free(part);
  return out;
}

bool ParseInt(const std::string& text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

core::Result<RedisEndpoint> ParseRedisUrl(const std::string& url) {
  auto invalid = [&url](const std::string& why) {
    return core::Error::InvalidInput("redis URL " + core::Redact(url) + " " + why +
                                     "; expected redis[s]://[[user]:password@]host[:port][/db]");
  };
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed) return core::Error::Transient("out of memory parsing the redis URL");
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return invalid("is not a URL");
  }
  RedisEndpoint out;
  std::string scheme = Part(parsed.get(), CURLUPART_SCHEME);
  if (scheme == "rediss") {
    out.tls = true;
  } else if (scheme != "redis") {
    return invalid("has the scheme \"" + scheme + "\"");
  }
  out.host = Part(parsed.get(), CURLUPART_HOST);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty()) return invalid("names no host");
  std::string port = Part(parsed.get(), CURLUPART_PORT);
  if (!port.empty() && (!ParseInt(port, out.port) || out.port <= 0 || out.port > 65535))
    return invalid("has a bad port");
  out.user = Part(parsed.get(), CURLUPART_USER, CURLU_URLDECODE);
  out.password = Part(parsed.get(), CURLUPART_PASSWORD, CURLU_URLDECODE);
  if (!out.user.empty() && out.password.empty()) {
    // redis://secret@host: the one word is the password (as redis-cli -u reads it).
    out.password = out.user;
    out.user.clear();
  }
  std::string path = Part(parsed.get(), CURLUPART_PATH);
  if (path.size() > 1) {
    if (!ParseInt(path.substr(1), out.database) || out.database < 0)
      return invalid("has a database that is not a number");
  }
  return out;
}

}  // namespace redis
