#pragma once

#include <string>

#include "common/core/result.hpp"

namespace redis {

// What a redis:// or rediss:// URL says: redis[s]://[[user]:password@]host[:port][/db].
struct RedisEndpoint {
  bool tls = false;    // rediss://
  std::string host{};  // a name or an IP literal (no brackets)
  int port = 6379;
  std::string user{};      // empty: AUTH password (the "default" user); else AUTH user password
  std::string password{};  // empty: no AUTH
  int database = 0;        // SELECT database when not 0
};

// Parses `url` (percent-decoding the user and password). Pure; the error never contains the
// password (it names the URL redacted).
core::Result<RedisEndpoint> ParseRedisUrl(const std::string& url);

}  // namespace redis
