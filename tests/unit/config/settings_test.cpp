#include "common/config/settings.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "workers/fleet/fleet.hpp"

namespace config {
namespace {

Env FakeEnv(std::map<std::string, std::string> values) {
  return Env([values = std::move(values)](const std::string& key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

TEST(Settings, DefaultsMatchThePrivateStack) {
  Env env = FakeEnv({});
  EXPECT_EQ(LoadAmqpSettings(env).url, "amqp://guest:guest@127.0.0.1:35672/%2f");
  EXPECT_EQ(LoadPostgresSettings(env).dsn, "postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet");
  EXPECT_EQ(LoadRedisSettings(env).url, "redis://127.0.0.1:36379/0");
  EXPECT_EQ(LoadManagementSettings(env).url, "http://guest:guest@127.0.0.1:35673");
}

TEST(Settings, EveryUrlWithAPasswordMayComeFromAFile) {
  auto path = std::filesystem::temp_directory_path() / ("tunefleet_settings_url_" + std::to_string(::getpid()));
  std::ofstream(path) << "amqp://u:from-file@10.0.0.1:5672/%2f\n";
  Env amqp = FakeEnv({{"TUNEFLEET_AMQP_URL_FILE", path.string()}});
  EXPECT_EQ(LoadAmqpSettings(amqp).url, "amqp://u:from-file@10.0.0.1:5672/%2f");
  std::ofstream(path) << "redis://:from-file@10.0.0.1:6379/0\n";
  Env redis = FakeEnv({{"TUNEFLEET_REDIS_URL_FILE", path.string()}});
  EXPECT_EQ(LoadRedisSettings(redis).url, "redis://:from-file@10.0.0.1:6379/0");
  std::ofstream(path) << "http://u:from-file@10.0.0.1:15672\n";
  Env api = FakeEnv({{"TUNEFLEET_RABBITMQ_API_URL_FILE", path.string()}});
  EXPECT_EQ(LoadManagementSettings(api).url, "http://u:from-file@10.0.0.1:15672");
  std::filesystem::remove(path);
}

TEST(Settings, PostgresDsnMustLookLikeOne) {
  Env env = FakeEnv({{"TUNEFLEET_PG_DSN", "garbage"}});
  try {
    LoadPostgresSettings(env);
    FAIL() << "accepted a garbage DSN";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("TUNEFLEET_PG_DSN"), std::string::npos);
  }
}

TEST(Settings, AmqpCaFileIsPassedOnForAmqps) {
  // Any readable file will do for the check; the TLS handshake reads it as PEM.
  Env env = FakeEnv({{"TUNEFLEET_AMQP_URL", "amqps://u:p@broker.example:5671/%2f"},
                     {"TUNEFLEET_AMQP_CA_FILE", "/etc/hostname"}});
  EXPECT_EQ(LoadAmqpSettings(env).tls_ca_file, "/etc/hostname");
  EXPECT_EQ(LoadAmqpSettings(FakeEnv({})).tls_ca_file, "");
}

TEST(Settings, AmqpCaFileThatCannotBeReadIsRefusedNamingTheVariable) {
  Env env = FakeEnv({{"TUNEFLEET_AMQP_URL", "amqps://u:p@broker.example:5671/%2f"},
                     {"TUNEFLEET_AMQP_CA_FILE", "/nonexistent/ca.pem"}});
  try {
    LoadAmqpSettings(env);
    FAIL() << "accepted a CA file that does not exist";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("TUNEFLEET_AMQP_CA_FILE=/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
}

TEST(Settings, AmqpCaFileWithAPlaintextUrlIsRefused) {
  // A CA with amqp:// would silently not be used: the connection would be plaintext.
  Env env = FakeEnv({{"TUNEFLEET_AMQP_URL", "amqp://u:secret@broker.example:5672/%2f"},
                     {"TUNEFLEET_AMQP_CA_FILE", "/etc/hostname"}});
  try {
    LoadAmqpSettings(env);
    FAIL() << "accepted a CA file with an amqp:// URL";
  } catch (const ConfigError& e) {
    std::string why = e.what();
    EXPECT_NE(why.find("amqps://"), std::string::npos) << why;
    EXPECT_EQ(why.find("secret"), std::string::npos) << why;
  }
}

TEST(Settings, RedissIsAcceptedWithItsCaFile) {
  auto ca = std::filesystem::temp_directory_path() / ("tunefleet_settings_redis_ca_" + std::to_string(::getpid()));
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\n";
  Env env = FakeEnv({{"TUNEFLEET_REDIS_URL", "rediss://:secret@redis.example:6380/2"},
                     {"TUNEFLEET_REDIS_CA_FILE", ca.string()}});
  auto s = LoadRedisSettings(env);
  EXPECT_EQ(s.url, "rediss://:secret@redis.example:6380/2");
  EXPECT_EQ(s.tls_ca_file, ca.string());
  std::filesystem::remove(ca);
}

TEST(Settings, RedisCaFileWithAPlainRedisUrlIsRefused) {
  auto ca = std::filesystem::temp_directory_path() / ("tunefleet_settings_redis_ca2_" + std::to_string(::getpid()));
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\n";
  Env env = FakeEnv({{"TUNEFLEET_REDIS_URL", "redis://:secret@redis.example:6379/0"},
                     {"TUNEFLEET_REDIS_CA_FILE", ca.string()}});
  try {
    LoadRedisSettings(env);
    FAIL() << "accepted TUNEFLEET_REDIS_CA_FILE with a redis:// URL";
  } catch (const ConfigError& e) {
    std::string why = e.what();
    EXPECT_NE(why.find("rediss://"), std::string::npos) << why;
    EXPECT_EQ(why.find("secret"), std::string::npos) << why;
  }
  std::filesystem::remove(ca);
}

TEST(Settings, RedisUrlWithAnotherSchemeIsRefusedWithoutItsPassword) {
  Env env = FakeEnv({{"TUNEFLEET_REDIS_URL", "http://:secret@redis.example:6379/0"}});
  try {
    LoadRedisSettings(env);
    FAIL() << "accepted http:// as a Redis URL";
  } catch (const ConfigError& e) {
    std::string why = e.what();
    EXPECT_NE(why.find("TUNEFLEET_REDIS_URL"), std::string::npos) << why;
    EXPECT_EQ(why.find("secret"), std::string::npos) << why;
  }
}

TEST(Settings, PostgresAcceptsKeywordDsn) {
  Env env = FakeEnv({{"TUNEFLEET_PG_DSN", "host=127.0.0.1 port=5432 dbname=x"}});
  EXPECT_EQ(LoadPostgresSettings(env).dsn, "host=127.0.0.1 port=5432 dbname=x");
}

TEST(Settings, ProviderListAcceptsAllAndKnownNames) {
  EXPECT_EQ(ParseProviderList("all", "--providers", fleet::Names()),
            (std::vector<std::string>{"spotify", "lastfm", "musicbrainz", "discogs", "aoty"}));
  EXPECT_EQ(ParseProviderList("lastfm,spotify,lastfm", "--providers", fleet::Names()),
            (std::vector<std::string>{"lastfm", "spotify"}));
}

// The list is data passed in: names outside it are refused even when the fleet has them.
TEST(Settings, ProviderListChecksAgainstTheNamesItIsGiven) {
  const ProviderNames names{.known = {"alpha", "beta", "probe"}, .all = {"alpha", "beta"}};
  EXPECT_EQ(ParseProviderList("all", "--providers", names), (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(ParseProviderList("probe,alpha", "--providers", names), (std::vector<std::string>{"probe", "alpha"}));
  try {
    ParseProviderList("alpha,spotify", "--providers", names);
    FAIL() << "accepted a name the list does not hold";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("\"spotify\""), std::string::npos) << what;
    EXPECT_NE(what.find("alpha, beta, probe"), std::string::npos) << what;
  }
}

TEST(Settings, ProviderListRejectsUnknownNameNamingIt) {
  try {
    ParseProviderList("spotify,napster", "--providers", fleet::Names());
    FAIL();
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("napster"), std::string::npos) << what;
    EXPECT_NE(what.find("--providers"), std::string::npos) << what;
  }
}

TEST(Settings, AmqpUrlAcceptsTheNodesOfAClusterCommaSeparated) {
  const std::string list = "amqp://u:p@127.0.0.1:40001/%2f, amqp://u:p@127.0.0.1:40011/%2f,amqps://u:p@h3:5671/%2f";
  EXPECT_EQ(LoadAmqpSettings(FakeEnv({{"TUNEFLEET_AMQP_URL", list}})).url, list);
  EXPECT_EQ(ParseAmqpUrlList("TUNEFLEET_AMQP_URL", list),
            (std::vector<std::string>{"amqp://u:p@127.0.0.1:40001/%2f", "amqp://u:p@127.0.0.1:40011/%2f",
                                      "amqps://u:p@h3:5671/%2f"}));
}

TEST(Settings, AmqpUrlListNamesTheBadAddressWithoutItsPassword) {
  Env env = FakeEnv({{"TUNEFLEET_AMQP_URL", "amqp://u:s3cret@h1:5672/%2f,http://u:s3cret@h2:5672/%2f"}});
  try {
    LoadAmqpSettings(env);
    FAIL() << "accepted an http:// address";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("TUNEFLEET_AMQP_URL"), std::string::npos) << what;
    EXPECT_NE(what.find("address 2 of 2"), std::string::npos) << what;
    EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(Settings, AmqpUrlListMustShareOneVhost) {
  Env env = FakeEnv({{"TUNEFLEET_AMQP_URL", "amqp://u:p@h1:5672/a,amqp://u:p@h2:5672/b"}});
  try {
    LoadAmqpSettings(env);
    FAIL() << "accepted two vhosts";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("vhost"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LoadAmqpSettings(FakeEnv({{"TUNEFLEET_AMQP_URL", " , "}})), ConfigError);
}

}  // namespace
}  // namespace config
