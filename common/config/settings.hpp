#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/env.hpp"

// Plain settings structs with the defaults of the private development stack (scripts/stack).
// Clients take these structs and never read the environment themselves; Load* functions
// read and validate them once at start and throw ConfigError naming the variable.
namespace config {

struct AmqpSettings {
  // TUNEFLEET_AMQP_URL: one node, or the nodes of one cluster as comma-separated URLs.
  std::string url = "amqp://guest:guest@127.0.0.1:35672/%2f";
  std::chrono::seconds heartbeat{30};                            // TUNEFLEET_AMQP_HEARTBEAT
  std::uint16_t prefetch = 1000;                                 // TUNEFLEET_AMQP_PREFETCH
  // TUNEFLEET_AMQP_CA_FILE: PEM CA file that verifies an amqps:// broker; unset: the system's
  // trust store. Verification of the certificate and host name cannot be turned off.
  std::string tls_ca_file = {};
  // TUNEFLEET_CONTROL_HEARTBEAT: how often a worker or builder announces itself on the
  // control channel (`tunefleet workers`); a process unheard for two of these is gone.
  std::chrono::milliseconds control_heartbeat{5000};
};

struct PostgresSettings {
  // TUNEFLEET_PG_DSN: a libpq URI or key=value string. Contains the password: never log it.
  std::string dsn = "postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet";
};

struct RedisSettings {
  // TUNEFLEET_REDIS_URL: redis[s]://[[user]:password@]host:port/db; rediss:// is TLS. A
  // password inside: never log it.
  std::string url = "redis://127.0.0.1:36379/0";
  // TUNEFLEET_REDIS_CA_FILE: PEM CA file that verifies a rediss:// server; unset: the system's
  // trust store. Verification of the certificate and host name cannot be turned off.
  std::string tls_ca_file = {};
};

struct MetricsSettings {
  std::string bind_address = "0.0.0.0";  // TUNEFLEET_METRICS_BIND
  std::uint16_t port = 9464;             // TUNEFLEET_METRICS_PORT; 0 turns the server off
};

struct LogSettings {
  std::string level = "info";  // TUNEFLEET_LOG_LEVEL: debug, info, warn, error
};

struct ManagementSettings {
  // TUNEFLEET_RABBITMQ_API_URL: RabbitMQ management API, for `tunefleet status` and `dlq`.
  std::string url = "http://guest:guest@127.0.0.1:35673";
};

// The fleet's providers by name, assembled outside common/ from the provider folders
// (workers/fleet) and passed in. The names are queue suffixes, metric labels and config prefixes.
struct ProviderNames {
  std::vector<std::string> known;  // every provider
  std::vector<std::string> all;    // the ones "all" stands for (not the test-only ones)
};

// "spotify,lastfm" or "all" -> validated list of `fleet`'s names; `what` names the source in errors.
std::vector<std::string> ParseProviderList(std::string_view text, std::string_view what, const ProviderNames& fleet);

// TUNEFLEET_AMQP_URL's addresses: comma-separated amqp:// or amqps:// URLs with one vhost,
// each checked as Env::Url checks one; `key` names the variable in errors.
std::vector<std::string> ParseAmqpUrlList(const std::string& key, const std::string& text);
AmqpSettings LoadAmqpSettings(const Env& env);
PostgresSettings LoadPostgresSettings(const Env& env);
RedisSettings LoadRedisSettings(const Env& env);
MetricsSettings LoadMetricsSettings(const Env& env);
LogSettings LoadLogSettings(const Env& env);
ManagementSettings LoadManagementSettings(const Env& env);

}  // namespace config
