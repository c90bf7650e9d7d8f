// amqps://, PostgreSQL sslmode=verify-full and rediss:// against the TLS stack this folder's ctest fixture
// starts (scripts/stack with TUNEFLEET_STACK_TLS=1, private ports, its own private CA): real
// connections verify, and a wrong CA or host name fails at start with one line saying what to fix.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <pqxx/pqxx>

#include <chrono>
#include <map>
#include <string>

#include "common/amqp/connection.hpp"
#include "common/db/connection.hpp"
#include "common/redis/redis_client.hpp"
#include "tests/integration/tls/tls_test_support.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/worker_process.hpp"
#include "tests/support/text.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;

const std::string kStackDir = TLS_STACK_DIR;
const std::string kCaFile = kStackDir + "/tls/ca.pem";
const std::string kAmqpsPort = std::to_string(TLS_RABBITMQ_TLS_PORT);
const std::string kPgPort = std::to_string(TLS_PG_PORT);
const std::string kRedisTlsPort = std::to_string(TLS_REDIS_TLS_PORT);

std::string RedissUrl(const std::string& host) { return "rediss://" + host + ":" + kRedisTlsPort + "/0"; }

std::string AmqpsUrl(const std::string& host) { return "amqps://guest:guest@" + host + ":" + kAmqpsPort + "/%2f"; }

std::string VerifyFullDsn(const std::string& host, const std::string& ca_file) {
  return "postgresql://tunefleet:tunefleet@" + host + ":" + kPgPort + "/tunefleet?sslmode=verify-full&sslrootcert=" +
         ca_file;
}

bool OneLine(const std::string& text) {
  auto trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  return !trimmed.empty() && trimmed.find('\n') == std::string::npos;
}

class TlsStackTest : public ::testing::Test {
 protected:
  void SetUp() override { other_ca_ = tls_test::MakeCa(temp_.path(), "other-ca").string(); }

  test_support::TempDir temp_;
  std::string other_ca_;  // a CA that signed nothing the stack serves
};

TEST_F(TlsStackTest, AmqpsPublishesAndConsumesThroughTheVerifiedListener) {
  // No heartbeats: nothing but our own traffic may wake the poll below.
  amqp::Connection connection({.url = AmqpsUrl("localhost"), .heartbeat = 0s, .connection_name = "tunefleet-test-tls",
                               .tls_ca_file = kCaFile});
  auto opened = connection.Open();
  ASSERT_TRUE(opened) << opened.error().message;
  const std::string queue = "tls_" + test_support::UniqueSuffix();
  amqp::Topology topology;
  amqp::QueueSpec spec;
  spec.name = queue;
  spec.quorum = false;
  topology.queues.push_back(spec);
  ASSERT_TRUE(connection.Declare(topology));
  // Bodies larger than a frame (128 KiB) come in several TLS records and frames.
  constexpr int kMessages = 200;
  int confirmed = 0;
  for (int i = 0; i < kMessages; ++i) {
    std::string body(i % 10 == 0 ? 300000 : 100, static_cast<char>('a' + i % 26));
    amqp::OutgoingMessage message;
    message.routing_key = queue;
    message.message_id = std::to_string(i);
    message.body = body;
    ASSERT_TRUE(connection.Publish(message, [&confirmed](core::Result<void> r) { confirmed += r ? 1 : 0; }));
  }
  auto waited = connection.WaitForConfirms(120s);
  ASSERT_TRUE(waited) << waited.error().message;
  EXPECT_EQ(confirmed, kMessages);

  ASSERT_TRUE(connection.Consume(queue, 20));
  int received = 0;
  bool bodies_intact = true;
  auto on_delivery = [&](amqp::Delivery d) {
    int i = std::stoi(d.message_id);
    bodies_intact = bodies_intact && d.body.size() == (i % 10 == 0 ? 300000u : 100u) &&
                    d.body.find_first_not_of(static_cast<char>('a' + i % 26)) == std::string::npos;
    ++received;
    ASSERT_TRUE(connection.Ack(d.delivery_tag, false));
  };
  // As amqp::Client does on the loop: read only when the socket is readable. Frames that TLS
  // has already decrypted sit in a buffer with the socket idle; Pump must take them all, or
  // this loop stalls.
  ASSERT_TRUE(connection.Pump(on_delivery));
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (received < kMessages && std::chrono::steady_clock::now() < deadline) {
    pollfd fd{connection.socket_fd(), POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0) continue;
    auto pumped = connection.Pump(on_delivery);
    ASSERT_TRUE(pumped) << pumped.error().message;
  }
  EXPECT_EQ(received, kMessages);
  EXPECT_TRUE(bodies_intact);
  EXPECT_TRUE(connection.DeleteQueue(queue));
}

TEST_F(TlsStackTest, AmqpsWithAnotherCaFailsWithOneLineNamingTheEndpointAndTheSetting) {
  amqp::Connection connection({.url = AmqpsUrl("localhost"), .tls_ca_file = other_ca_});
  auto opened = connection.Open();
  ASSERT_FALSE(opened) << "a broker certificate from another CA was accepted";
  EXPECT_EQ(opened.error().kind, core::ErrorKind::kInvalidInput);
  const auto& why = opened.error().message;
  EXPECT_NE(why.find("localhost:" + kAmqpsPort), std::string::npos) << why;
  EXPECT_NE(why.find("TUNEFLEET_AMQP_CA_FILE"), std::string::npos) << why;
  EXPECT_EQ(why.find("guest:guest"), std::string::npos) << why;
  EXPECT_TRUE(OneLine(why)) << why;
}

TEST_F(TlsStackTest, AmqpsWithoutCaFileRefusesThePrivateCaThroughTheSystemStore) {
  amqp::Connection connection({.url = AmqpsUrl("localhost")});
  auto opened = connection.Open();
  ASSERT_FALSE(opened) << "the private CA's certificate was accepted without TUNEFLEET_AMQP_CA_FILE";
  EXPECT_EQ(opened.error().kind, core::ErrorKind::kInvalidInput) << opened.error().message;
}

TEST_F(TlsStackTest, AmqpsToAHostNameTheCertificateLacksFails) {
  // The stack's certificate names localhost only; 127.0.0.1 is the same broker.
  amqp::Connection connection({.url = AmqpsUrl("127.0.0.1"), .tls_ca_file = kCaFile});
  auto opened = connection.Open();
  ASSERT_FALSE(opened) << "a broker certificate for another host name was accepted";
  EXPECT_EQ(opened.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(opened.error().message.find("\"127.0.0.1\""), std::string::npos) << opened.error().message;
  EXPECT_TRUE(OneLine(opened.error().message)) << opened.error().message;
}

TEST_F(TlsStackTest, CliWithAnotherCaExitsAtStartWithOneLine) {
  auto run = test_support::RunTunefleet({"topology", "upgrade"},
                                        {{"TUNEFLEET_AMQP_URL", AmqpsUrl("localhost")},
                                         {"TUNEFLEET_AMQP_CA_FILE", other_ca_}},
                                        {.timeout = 60s});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(OneLine(run.err)) << run.err;
  EXPECT_NE(run.err.find("TUNEFLEET_AMQP_CA_FILE"), std::string::npos) << run.err;
}

TEST_F(TlsStackTest, WorkerWithAnotherCaExitsOneWithOneErrorLine) {
  test_support::WorkerProcess worker(test_support::NoopWorkerBinary(),
                                     {{"TUNEFLEET_AMQP_URL", AmqpsUrl("localhost")},
                                      {"TUNEFLEET_AMQP_CA_FILE", other_ca_},
                                      {"TUNEFLEET_PG_DSN", VerifyFullDsn("localhost", kCaFile)},
                                      {"TUNEFLEET_METRICS_PORT", "0"}});
  auto status = worker.WaitExit(60s);
  ASSERT_TRUE(status.has_value()) << "the worker kept running with a broker certificate it cannot verify";
  EXPECT_EQ(*status, (test_support::ExitStatus{.code = 1})) << test_support::Describe(*status);
  std::string log = worker.Log();
  EXPECT_EQ(test_support::CountOccurrences(log, "\"level\":\"error\""), 1u) << log;
  EXPECT_NE(log.find("TUNEFLEET_AMQP_CA_FILE"), std::string::npos) << log;
}

TEST_F(TlsStackTest, PostgresVerifyFullConnectsOverTls) {
  pqxx::connection conn(VerifyFullDsn("localhost", kCaFile));
  pqxx::nontransaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0].as<std::string>(), "true");
}

TEST_F(TlsStackTest, DsnWithDatabaseKeepsVerifyFull) {
  // Tests and tools rewrite the DSN for another database; the TLS settings must survive:
  // with them, the other CA is refused (without them libpq would settle for sslmode=prefer).
  auto dsn = db::DsnWithDatabase(VerifyFullDsn("localhost", other_ca_), "postgres");
  ASSERT_TRUE(dsn) << dsn.error().message;
  EXPECT_THROW(pqxx::connection{*dsn}, pqxx::broken_connection);
  auto good = db::DsnWithDatabase(VerifyFullDsn("localhost", kCaFile), "postgres");
  ASSERT_TRUE(good);
  pqxx::connection conn(*good);
  pqxx::nontransaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0].as<std::string>(), "true");
}

TEST_F(TlsStackTest, MigrateWithAnotherCaExitsWithOneLineNamingSslrootcert) {
  auto run = test_support::RunTunefleet({"migrate", "--status"},
                                        {{"TUNEFLEET_PG_DSN", VerifyFullDsn("localhost", other_ca_)}}, {.timeout = 60s});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(OneLine(run.err)) << run.err;
  EXPECT_NE(run.err.find("localhost:" + kPgPort), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("sslrootcert"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("is PostgreSQL running"), std::string::npos) << run.err;
}

TEST_F(TlsStackTest, MigrateToAHostNameTheCertificateLacksExitsWithOneLine) {
  auto run = test_support::RunTunefleet({"migrate", "--status"},
                                        {{"TUNEFLEET_PG_DSN", VerifyFullDsn("127.0.0.1", kCaFile)}}, {.timeout = 60s});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(OneLine(run.err)) << run.err;
  EXPECT_NE(run.err.find("does not match host name"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("host name the certificate lists"), std::string::npos) << run.err;
}

// A RedisClient on a loop of its own, run until a condition holds (bounded).
struct RedisLoop {
  uv_loop_t loop{};
  std::unique_ptr<redis::RedisClient> client;
  std::vector<core::Error> config_errors;

  RedisLoop(const std::string& url, const std::string& ca_file) {
    uv_loop_init(&loop);
    client = std::make_unique<redis::RedisClient>(
        loop, redis::RedisClientSettings{.url = url, .command_timeout = 5s, .reconnect_interval = 200ms,
                                         .tls_ca_file = ca_file},
        logging::Logger("test"));
    client->OnConfigError([this](const core::Error& e) { config_errors.push_back(e); });
  }
  ~RedisLoop() {
    client.reset();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 30s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < until) {
      uv_run(&loop, UV_RUN_NOWAIT);
      usleep(2000);
    }
    return done();
  }
  std::optional<core::Result<redis::Reply>> Command(std::vector<std::string> argv) {
    std::optional<core::Result<redis::Reply>> out;
    client->Command(argv, [&out](core::Result<redis::Reply> r) { out = std::move(r); });
    RunUntil([&] { return out.has_value(); });
    return out;
  }
};

TEST_F(TlsStackTest, RedissCommandsWorkThroughTheVerifiedTlsPort) {
  RedisLoop redis(RedissUrl("localhost"), kCaFile);
  ASSERT_TRUE(redis.RunUntil([&] { return redis.client->connected() || !redis.config_errors.empty(); }))
      << "no connect in time";
  ASSERT_TRUE(redis.config_errors.empty()) << redis.config_errors.front().message;
  // Values larger than a TLS record (16 KiB) and than one socket read.
  std::string key = "tls_" + test_support::UniqueSuffix();
  std::string big(2 * 1024 * 1024 + 17, 'r');
  for (std::size_t i = 0; i < big.size(); i += 1013) big[i] = static_cast<char>('a' + i % 26);
  auto set = redis.Command({"SET", key, big, "EX", "60"});
  ASSERT_TRUE(set.has_value() && set->has_value()) << (set ? set->error().message : "no answer");
  auto get = redis.Command({"GET", key});
  ASSERT_TRUE(get.has_value() && get->has_value()) << (get ? get->error().message : "no answer");
  EXPECT_TRUE((*get)->text == big) << "the value came back changed (" << (*get)->text.size() << " bytes)";
  int answered = 0;
  for (int i = 0; i < 500; ++i) {
    redis.client->Command({"INCR", key + "_n"}, [&answered, i](core::Result<redis::Reply> r) {
      if (r && r->integer == i + 1) ++answered;
    });
  }
  EXPECT_TRUE(redis.RunUntil([&] { return answered == 500; })) << answered;
  redis.Command({"DEL", key, key + "_n"});
}

TEST_F(TlsStackTest, RedissWithAnotherCaFailsWithOneLineNamingTheEndpointAndTheSetting) {
  RedisLoop redis("rediss://:not-this-pw@localhost:" + kRedisTlsPort + "/0", other_ca_);
  ASSERT_TRUE(redis.RunUntil([&] { return !redis.config_errors.empty(); }))
      << "a certificate from another CA was accepted";
  EXPECT_FALSE(redis.client->connected());
  const auto& why = redis.config_errors.front().message;
  EXPECT_EQ(redis.config_errors.front().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(why.find("localhost:" + kRedisTlsPort), std::string::npos) << why;
  // OpenSSL's reason: Redis sends its CA along, so "self-signed certificate in certificate chain".
  EXPECT_NE(why.find("refused: certificate verify failed: "), std::string::npos) << why;
  EXPECT_NE(why.find("TUNEFLEET_REDIS_CA_FILE"), std::string::npos) << why;
  EXPECT_EQ(why.find("not-this-pw"), std::string::npos) << why;
  EXPECT_TRUE(OneLine(why)) << why;
  auto command = redis.Command({"PING"});
  ASSERT_TRUE(command.has_value());
  EXPECT_FALSE(command->has_value()) << "a command went through an unverified connection";
}

TEST_F(TlsStackTest, RedissWithoutCaFileRefusesThePrivateCaThroughTheSystemStore) {
  RedisLoop redis(RedissUrl("localhost"), "");
  ASSERT_TRUE(redis.RunUntil([&] { return !redis.config_errors.empty(); }))
      << "the private CA's certificate was accepted without TUNEFLEET_REDIS_CA_FILE";
  EXPECT_NE(redis.config_errors.front().message.find("the system's trust store"), std::string::npos)
      << redis.config_errors.front().message;
}

TEST_F(TlsStackTest, RedissToAnAddressTheCertificateLacksFails) {
  // The stack's certificate names localhost only; 127.0.0.1 is the same server.
  RedisLoop redis(RedissUrl("127.0.0.1"), kCaFile);
  ASSERT_TRUE(redis.RunUntil([&] { return !redis.config_errors.empty(); }))
      << "a certificate for another name was accepted";
  const auto& why = redis.config_errors.front().message;
  EXPECT_NE(why.find("certificate verify failed: IP address mismatch"), std::string::npos) << why;
  EXPECT_NE(why.find("\"127.0.0.1\""), std::string::npos) << why;
  EXPECT_TRUE(OneLine(why)) << why;
}

TEST_F(TlsStackTest, RedissToAServerWithACertificateForAnotherNameFails) {
  // A redis-server of this test's own, TLS only, with a certificate for another.example
  // signed by a CA the client trusts: the chain verifies, the name does not.
  auto ca = tls_test::MakeCa(temp_.path(), "redis-ca").string();
  tls_test::MakeServerCert(temp_.path(), "redis-other", "redis-ca", "another.example");
  int port = test_support::FreePort();
  std::string port_text = std::to_string(port);
  std::string cert = (temp_.path() / "redis-other.pem").string();
  std::string key = (temp_.path() / "redis-other.key").string();
  const char* argv[] = {"redis-server", "--port", "0", "--tls-port", port_text.c_str(), "--bind", "127.0.0.1",
                        "--tls-cert-file", cert.c_str(), "--tls-key-file", key.c_str(), "--tls-ca-cert-file",
                        ca.c_str(), "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", nullptr};
  pid_t server = 0;
  ASSERT_EQ(posix_spawnp(&server, "redis-server", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!tls_test::PortOpen(port) && std::chrono::steady_clock::now() < until) usleep(10000);
  {
    RedisLoop redis("rediss://localhost:" + port_text + "/0", ca);
    EXPECT_TRUE(redis.RunUntil([&] { return !redis.config_errors.empty(); }))
        << "a certificate for another name was accepted";
    if (!redis.config_errors.empty()) {
      const auto& why = redis.config_errors.front().message;
      EXPECT_NE(why.find("certificate verify failed: hostname mismatch"), std::string::npos) << why;
      EXPECT_NE(why.find("localhost:" + port_text), std::string::npos) << why;
      EXPECT_NE(why.find("\"localhost\""), std::string::npos) << why;
      EXPECT_TRUE(OneLine(why)) << why;
    }
  }
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
}

TEST_F(TlsStackTest, WorkerWithRedissAndAnotherCaExitsOneWithOneErrorLine) {
  // A provider worker (it uses Redis for its cache and fleet rate limit) whose broker and
  // database verify, but whose Redis certificate does not: a misconfiguration, not an outage.
  auto binary = test_support::NoopWorkerBinary().parent_path() / "tunefleet-musicbrainz";
  test_support::WorkerProcess worker(binary, {{"TUNEFLEET_AMQP_URL", AmqpsUrl("localhost")},
                                              {"TUNEFLEET_AMQP_CA_FILE", kCaFile},
                                              {"TUNEFLEET_PG_DSN", VerifyFullDsn("localhost", kCaFile)},
                                              {"TUNEFLEET_REDIS_URL", RedissUrl("localhost")},
                                              {"TUNEFLEET_REDIS_CA_FILE", other_ca_},
                                              {"TUNEFLEET_METRICS_PORT", "0"}});
  auto status = worker.WaitExit(60s);
  ASSERT_TRUE(status.has_value()) << "the worker kept running with a Redis certificate it cannot verify";
  EXPECT_EQ(*status, (test_support::ExitStatus{.code = 1})) << test_support::Describe(*status);
  std::string log = worker.Log();
  EXPECT_EQ(test_support::CountOccurrences(log, "\"level\":\"error\""), 1u) << log;
  EXPECT_NE(log.find("TUNEFLEET_REDIS_CA_FILE"), std::string::npos) << log;
  EXPECT_NE(log.find("localhost:" + kRedisTlsPort), std::string::npos) << log;
}

}  // namespace
