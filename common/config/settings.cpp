#include "common/config/settings.hpp"

#include <algorithm>

namespace config {

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

AmqpSettings LoadAmqpSettings(const Env& env) {
  AmqpSettings s;
  s.url = env.Url("TUNEFLEET_AMQP_URL", s.url, {"amqp", "amqps"});
  s.heartbeat = std::chrono::seconds{env.Int("TUNEFLEET_AMQP_HEARTBEAT", s.heartbeat.count(), 0, 3600)};
  s.prefetch = static_cast<std::uint16_t>(env.Int("TUNEFLEET_AMQP_PREFETCH", s.prefetch, 1, 65535));
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
  s.url = env.Url("TUNEFLEET_REDIS_URL", s.url, {"redis"});
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
