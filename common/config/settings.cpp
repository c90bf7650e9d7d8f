#include "common/config/settings.hpp"

#include <algorithm>
#include <fstream>

#include "common/amqp/endpoints.hpp"

namespace config {

namespace {

// KEY names a CA file for TLS to a service whose URL is in URL_KEY: it must be readable, and
// the URL must use the TLS scheme (a CA with a plaintext URL would silently not be used).
std::string CaFile(const Env& env, const std::string& key, const std::string& url_key, const std::string& url,
                   const std::string& tls_scheme) {
  std::string path = env.String(key, "");
  if (path.empty()) return path;
  if (!std::ifstream(path).good()) {
    throw ConfigError(key + "=" + path + " cannot be read; set it to the PEM file of the CA that signs the server's certificate");
  }
  if (url.find(tls_scheme + "://") == std::string::npos) {
    throw ConfigError(key + " is set but " + url_key + " is not a " + tls_scheme + ":// URL; use " + tls_scheme +
                      ":// to connect with TLS, or unset " + key);
  }
  return path;
}

}  // namespace

std::vector<std::string> ParseProviderList(std::string_view text, std::string_view what, const ProviderNames& fleet) {
  const auto& known = fleet.known;
  if (text == "all") return fleet.all;
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string name(text.substr(start, comma - start));
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string expected;
      for (const auto& k : known) expected += (expected.empty() ? "" : ", ") + k;
      throw ConfigError(std::string(what) + ": unknown provider \"" + name +
                        "\"; expected all or a comma-separated list of: " + expected);
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    start = comma + 1;
  }
  return out;
}

namespace {

// The vhost part of an amqp URL ("/%2f"), "" when it has none; for comparing list items.
std::string_view AmqpVhostPart(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  const std::size_t slash = url.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  if (slash == std::string_view::npos) return {};
  return url.substr(slash, url.find_first_of("?#", slash) - slash);
}

}  // namespace

std::vector<std::string> ParseAmqpUrlList(const std::string& key, const std::string& text) {
  std::vector<std::string> urls = amqp::SplitUrls(text);
  if (urls.empty()) throw ConfigError(key + " names no RabbitMQ node; expected amqp://user:password@host:port/vhost");
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const std::string where = urls.size() > 1 ? " (address " + std::to_string(i + 1) + " of " +
                                                    std::to_string(urls.size()) + ", comma-separated)"
                                              : "";
    // Env::Url's check, on this one address; it never echoes the value (passwords).
    const std::string url = urls[i];
    try {
      Env([&](const std::string& name) { return name == key ? std::optional<std::string>(url) : std::nullopt; })
          .Url(key, AmqpSettings{}.url, {"amqp", "amqps"});
    } catch (const ConfigError& e) {
      throw ConfigError(e.what() + where);
    }
    if (i > 0 && AmqpVhostPart(urls[i]) != AmqpVhostPart(urls[0])) {
      throw ConfigError(key + where + " names another vhost than address 1; list the nodes of one cluster, "
                        "each with the same vhost");
    }
  }
  return urls;
}

AmqpSettings LoadAmqpSettings(const Env& env) {
  AmqpSettings s;
  // One URL, or the nodes of one cluster comma-separated (amqp::Connection fails over).
  s.url = env.Secret("TUNEFLEET_AMQP_URL", s.url);  // a password inside: _FILE works
  ParseAmqpUrlList("TUNEFLEET_AMQP_URL", s.url);
  s.heartbeat = std::chrono::seconds{env.Int("TUNEFLEET_AMQP_HEARTBEAT", s.heartbeat.count(), 0, 3600)};
  s.prefetch = static_cast<std::uint16_t>(env.Int("TUNEFLEET_AMQP_PREFETCH", s.prefetch, 1, 65535));
  s.tls_ca_file = CaFile(env, "TUNEFLEET_AMQP_CA_FILE", "TUNEFLEET_AMQP_URL", s.url, "amqps");
  s.control_heartbeat =
      env.Duration("TUNEFLEET_CONTROL_HEARTBEAT", s.control_heartbeat, std::chrono::milliseconds{100});
  return s;
}

PostgresSettings LoadPostgresSettings(const Env& env) {
  PostgresSettings s;
  s.dsn = env.Secret("TUNEFLEET_PG_DSN", s.dsn);
  bool is_uri = s.dsn.rfind("postgresql://", 0) == 0 || s.dsn.rfind("postgres://", 0) == 0;
  bool is_keywords = s.dsn.find('=') != std::string::npos;
  if (!is_uri && !is_keywords) {
    throw ConfigError(
        "TUNEFLEET_PG_DSN is not a PostgreSQL connection string; expected "
        "postgresql://user:password@host:port/dbname or \"host=... dbname=...\"");
  }
  return s;
}

RedisSettings LoadRedisSettings(const Env& env) {
  RedisSettings s;
  s.url = env.Url("TUNEFLEET_REDIS_URL", s.url, {"redis", "rediss"});  // a password inside: _FILE works
  s.tls_ca_file = CaFile(env, "TUNEFLEET_REDIS_CA_FILE", "TUNEFLEET_REDIS_URL", s.url, "rediss");
  return s;
}

MetricsSettings LoadMetricsSettings(const Env& env) {
  MetricsSettings s;
  s.bind_address = env.String("TUNEFLEET_METRICS_BIND", s.bind_address);
  s.port = static_cast<std::uint16_t>(env.Int("TUNEFLEET_METRICS_PORT", s.port, 0, 65535));
  return s;
}

LogSettings LoadLogSettings(const Env& env) {
  LogSettings s;
  s.level = env.OneOf("TUNEFLEET_LOG_LEVEL", s.level, {"debug", "info", "warn", "error"});
  return s;
}

ManagementSettings LoadManagementSettings(const Env& env) {
  ManagementSettings s;
  s.url = env.Url("TUNEFLEET_RABBITMQ_API_URL", s.url, {"http", "https"});
  return s;
}

}  // namespace config
