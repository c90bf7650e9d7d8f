// Secrets never leave the process (docs/OPERATIONS.md, "Secrets in logs and messages"): each
// provider worker runs against provider-sim with recognisable secrets everywhere it takes
// one (its API key, token or client secret; a password in the provider base URL; the AMQP
// password of a user made for the test), while the simulator forces every error path in turn:
// timeout, connection reset, 500, 503, malformed body, 401, 403. Then every line the worker
// wrote, every message (body, properties, headers) left in every queue of the vhost (a tap
// queue keeps a copy of each retry) and every metric label must be free of every secret.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/http/url.hpp"
#include "common/json/job_writer.hpp"
#include "tests/integration/provider_sim/sim_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"

namespace {

using namespace std::chrono_literals;
using provider_sim_test::Fetch;
using provider_sim_test::SimProcess;
using test_support::TestDatabase;
using test_support::TestVhost;
using test_support::WaitUntil;
using test_support::WorkerProcess;

constexpr const char* kTapQueue = "redact.tap.retries";
const std::vector<std::string> kFaults = {"timeout", "reset", "500", "503", "malformed", "401", "403"};
constexpr int kJobsPerFault = 2;

// The secrets of one run: recognisable, random, and never a substring of anything else.
struct Secrets {
  std::string run = test_support::UniqueSuffix();
  std::string provider_key = "SECRET-key-" + run;  // API key, token or client secret
  std::string url_password = "SECRET-url-" + run;  // in the provider base URL's userinfo
  std::string amqp_password = "SECRET-amqp-" + run;
  std::vector<std::string> all() const { return {provider_key, url_password, amqp_password}; }
};

// A RabbitMQ user with `password` and every permission on `vhost`, deleted on destruction.
class AmqpUser {
 public:
  AmqpUser(const TestVhost& vhost, const std::string& password) : name_("tf-redact-" + test_support::UniqueSuffix()) {
    std::string body;
    long status = test_support::ManagementRequest("PUT", "/users/" + name_,
                                                  R"({"password":")" + password + R"(","tags":""})", &body);
    if (status != 201 && status != 204) throw std::runtime_error("creating user " + name_ + ": " + body);
    status = test_support::ManagementRequest("PUT", "/permissions/" + http::PercentEncode(vhost.name()) + "/" + name_,
                                             R"({"configure":".*","write":".*","read":".*"})", &body);
    if (status != 201 && status != 204) throw std::runtime_error("granting " + name_ + ": " + body);
    // amqp://guest:guest@host:port/vhost -> amqp://<name>:<password>@host:port/vhost
    const std::string& url = vhost.amqp_url();
    std::size_t scheme = url.find("://") + 3;
    std::size_t at = url.find('@', scheme);
    url_ = url.substr(0, scheme) + name_ + ":" + password + url.substr(at);
  }
  ~AmqpUser() {
    std::string body;
    try {
      test_support::ManagementRequest("DELETE", "/users/" + name_, "", &body);
    } catch (...) {
    }
  }
  AmqpUser(const AmqpUser&) = delete;
  AmqpUser& operator=(const AmqpUser&) = delete;
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

struct ProviderCase {
  std::string name;  // "lastfm": sim prefix, queue tunefleet.<name>, routing key <kind>.<name>
  std::string binary;
  // The provider's own variables: base URL (with the URL password) and its credential.
  std::function<std::map<std::string, std::string>(const std::string& base_url, const Secrets&)> env;
  // Which job reaches the provider's API: a track job by default; Cyanite needs a Spotify id
  // on it, AOTY enriches album jobs only (a track job would end without a request).
  enum class JobKind { kTrack, kTrackWithSpotifyId, kAlbum } job_kind = JobKind::kTrack;
};

// The job `id` of one fault's run, of the kind the provider calls its API for.
amqp::OutgoingMessage ProviderJob(const ProviderCase& provider, const std::string& id, const std::string& fault, int i,
                                  std::uint32_t published, const Secrets& secrets) {
  if (provider.job_kind == ProviderCase::JobKind::kAlbum) {
    json::AlbumJob job{.job_id = id,
                       .trace_id = "trace-" + id,
                       .artist = "Artist " + fault + " " + secrets.run,
                       .album = "Album " + std::to_string(i) + " " + secrets.run};
    return test_support::JobMessage(id, json::Serialize(json::Job{job}), "album." + provider.name);
  }
  json::TrackJob job{.job_id = id,
                     .trace_id = "trace-" + id,
                     .artist = "Artist " + fault + " " + secrets.run,
                     .title = "Title " + std::to_string(i) + " " + secrets.run,
                     .isrc = "USRC1" + std::to_string(7600000 + published + static_cast<std::uint32_t>(i))};
  if (provider.job_kind == ProviderCase::JobKind::kTrackWithSpotifyId) {
    // 22 base-62 characters, one per job.
    job.spotify_id = "4uLU6hMCjMI75M1A" + std::to_string(100000 + published + static_cast<std::uint32_t>(i));
  }
  return test_support::JobMessage(id, json::Serialize(json::Job{job}), "track." + provider.name);
}

// http://tf:<password>@127.0.0.1:<port>/<provider>
std::string BaseUrlWithPassword(const SimProcess& sim, const std::string& provider, const Secrets& secrets) {
  return "http://tf:" + secrets.url_password + "@127.0.0.1:" + std::to_string(sim.port()) + "/" + provider;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

void ConfigureSim(const SimProcess& sim, const std::string& body) {
  auto result = Fetch({.method = "POST", .url = sim.Url("/_sim/config"), .body = body, .timeout_ms = 5000});
  ASSERT_EQ(result.status, 200) << "POST /_sim/config " << body << ": " << result.body;
}

// The raw JSON the management API gives for every message of every queue in `vhost`
// (consumed: call it once the worker has stopped).
std::string DrainEveryQueue(const TestVhost& vhost, std::vector<std::string>* queue_names) {
  std::string vhost_path = http::PercentEncode(vhost.name());
  std::string listing;
  long status = test_support::ManagementRequest("GET", "/queues/" + vhost_path + "?columns=name,messages", "", &listing);
  if (status != 200) throw std::runtime_error("listing queues: " + listing);
  std::string all = listing;
  // The listing is [{"messages":N,"name":"..."}...]: take the names without a JSON parser.
  std::size_t pos = 0;
  while ((pos = listing.find("\"name\":\"", pos)) != std::string::npos) {
    pos += 8;
    std::string name = listing.substr(pos, listing.find('"', pos) - pos);
    queue_names->push_back(name);
    std::string body;
    status = test_support::ManagementRequest(
        "POST", "/queues/" + vhost_path + "/" + http::PercentEncode(name) + "/get",
        R"({"count":10000,"ackmode":"ack_requeue_false","encoding":"auto","truncate":1000000})", &body);
    if (status != 200) throw std::runtime_error("reading queue " + name + ": " + body);
    all += "\n" + name + ": " + body;
  }
  return all;
}

// Every line of `text` that contains `needle`.
std::string LinesWith(const std::string& text, const std::string& needle) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) out += line.substr(0, 600) + "\n";
    start = end + 1;
  }
  return out;
}

void ExpectNoSecret(const std::string& where, const std::string& text, const Secrets& secrets) {
  for (const auto& secret : secrets.all()) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked into " << where << ":\n"
                                                    << LinesWith(text, secret);
  }
}

void RunEveryErrorPath(const ProviderCase& provider) {
  Secrets secrets;
  SimProcess sim({"--unlimited", "--" + provider.name + "-error-rate", "1", "--" + provider.name + "-error-kinds",
                  kFaults.front()});
  ASSERT_NE(sim.port(), 0) << sim.Stderr();
  TestDatabase database;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  // A copy of every retried message: the retry header lives only while the job waits.
  vhost.Declare({.exchanges = {},
                 .queues = {{kTapQueue, true, {}}},
                 .bindings = {{kTapQueue, "tunefleet.retry", "", {{"x-match", std::string("all")}}}}});
  AmqpUser user(vhost, secrets.amqp_password);

  const std::string prefix = "TUNEFLEET_" + Upper(provider.name) + "_";
  int metrics_port = test_support::FreePort();
  std::map<std::string, std::string> env = {
      {"TUNEFLEET_AMQP_URL", user.url()},
      {"TUNEFLEET_PG_DSN", database.dsn()},
      {"TUNEFLEET_METRICS_PORT", std::to_string(metrics_port)},
      {"TUNEFLEET_LOG_LEVEL", "debug"},
      // Two attempts (one 1 s delay between them), one try each in the gateway, the breaker
      // kept closed and a short timeout: each job is dead-lettered within seconds.
      {"TUNEFLEET_MAX_ATTEMPTS", "2"},
      {prefix + "MAX_ATTEMPTS", "1"},
      {prefix + "BREAKER_FAILURES", "1000"},
      {prefix + "TIMEOUT", "1s"},
      {prefix + "CONNECT_TIMEOUT", "500ms"},
      {prefix + "RATE", "1000"},
      {prefix + "BURST", "1000"}};
  if (const char* redis = std::getenv("TUNEFLEET_REDIS_URL")) env["TUNEFLEET_REDIS_URL"] = redis;
  for (auto& [key, value] : provider.env(BaseUrlWithPassword(sim, provider.name, secrets), secrets)) env[key] = value;
  WorkerProcess worker(std::filesystem::path(TUNEFLEET_BINARY_DIR) / "bin" / provider.binary, env);

  const std::string dead_queue = "tunefleet." + provider.name + ".dead";
  // A job's error path has run once it is dead-lettered, stored (an answer the provider
  // treats as "not found"), or parked in a long retry tier (Spotify waits minutes after its
  // token endpoint refuses the credentials).
  auto finished = [&] {
    std::uint32_t parked = 0;
    for (const char* tier : {"tunefleet.delay.30s", "tunefleet.delay.2m", "tunefleet.delay.10m"}) parked += vhost.Depth(tier);
    return vhost.Depth(dead_queue) + parked +
           static_cast<std::uint32_t>(database.Int(
               "SELECT (SELECT count(*) FROM track_sources WHERE provider = '" + provider.name +
               "') + (SELECT count(*) FROM album_sources WHERE provider = '" + provider.name + "')"));
  };
  std::uint32_t published = 0;
  for (const auto& fault : kFaults) {
    ConfigureSim(sim, R"({")" + provider.name + R"(":{"error_rate":1,"error_kinds":[")" + fault + R"("]}})");
    std::vector<amqp::OutgoingMessage> messages;
    for (int i = 0; i < kJobsPerFault; ++i) {
      std::string id = "redact-" + secrets.run + "-" + fault + "-" + std::to_string(i);
      messages.push_back(ProviderJob(provider, id, fault, i, published, secrets));
    }
    vhost.Publish(messages);
    published += kJobsPerFault;
    // Each fault's jobs end (dead-lettered, or stored if the provider treats the answer as
    // "not found") before the next fault starts, so every path really ran.
    ASSERT_TRUE(WaitUntil(
        [&] {
          if (!worker.Running()) throw std::runtime_error("the worker exited: " + test_support::Describe(*worker.exit_status()));
          return finished() >= published;
        },
        60s, "the " + fault + " jobs to end", [&] { return "ended=" + std::to_string(finished()); }))
        << worker.LogTail(30);
  }
  auto stats = provider_sim_test::ProviderStats(sim, provider.name);
  for (const auto& fault : kFaults) {
    EXPECT_GE(stats.faults_by_kind[fault], 1) << fault << " never reached the worker: " << provider_sim_test::Describe(stats);
  }
  auto [metrics_status, metrics] = test_support::HttpGet("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
  EXPECT_EQ(metrics_status, 200);
  worker.Terminate();
  auto exit = worker.WaitExit(30s);
  EXPECT_TRUE(exit.has_value()) << "no exit within 30 s of SIGTERM";

  std::vector<std::string> queues;
  std::string messages = DrainEveryQueue(vhost, &queues);
  std::string log = worker.Log();
  ExpectNoSecret("the worker's log", log, secrets);
  ExpectNoSecret("the queues (" + std::to_string(queues.size()) + " read)", messages, secrets);
  ExpectNoSecret("/metrics", metrics, secrets);
  // The search covered what it should: retries were tapped, jobs were dead-lettered with
  // their reason, and the worker logged the errors.
  EXPECT_NE(messages.find("x-tunefleet-reason"), std::string::npos) << "no message carried a reason";
  EXPECT_NE(messages.find(kTapQueue), std::string::npos);
  EXPECT_NE(log.find("retrying later"), std::string::npos) << worker.LogTail(20);
}


TEST(SecretRedaction, LastfmApiKeyAndPasswordsStayOutOfLogsQueuesAndMetrics) {
  RunEveryErrorPath({"lastfm", "tunefleet-lastfm", [](const std::string& base_url, const Secrets& s) {
                       return std::map<std::string, std::string>{{"TUNEFLEET_LASTFM_BASE_URL", base_url},
                                                                 {"TUNEFLEET_LASTFM_API_KEY", s.provider_key}};
                     }});
}

TEST(SecretRedaction, SpotifyClientSecretAndPasswordsStayOutOfLogsQueuesAndMetrics) {
  RunEveryErrorPath({"spotify", "tunefleet-spotify", [](const std::string& base_url, const Secrets& s) {
                       return std::map<std::string, std::string>{{"TUNEFLEET_SPOTIFY_BASE_URL", base_url},
                                                                 {"TUNEFLEET_SPOTIFY_AUTH_URL", base_url},
                                                                 {"TUNEFLEET_SPOTIFY_CLIENT_ID", "tunefleet-test"},
                                                                 {"TUNEFLEET_SPOTIFY_CLIENT_SECRET", s.provider_key}};
                     }});
}

TEST(SecretRedaction, MusicBrainzPasswordsStayOutOfLogsQueuesAndMetrics) {
  // MusicBrainz takes no key: the secrets are the base URL's and the broker's passwords.
  RunEveryErrorPath({"musicbrainz", "tunefleet-musicbrainz", [](const std::string& base_url, const Secrets&) {
                       return std::map<std::string, std::string>{{"TUNEFLEET_MUSICBRAINZ_BASE_URL", base_url}};
                     }});
}

TEST(SecretRedaction, DiscogsTokenAndPasswordsStayOutOfLogsQueuesAndMetrics) {
  RunEveryErrorPath({"discogs", "tunefleet-discogs", [](const std::string& base_url, const Secrets& s) {
                       return std::map<std::string, std::string>{{"TUNEFLEET_DISCOGS_BASE_URL", base_url},
                                                                 {"TUNEFLEET_DISCOGS_TOKEN", s.provider_key}};
                     }});
}

TEST(SecretRedaction, CyaniteAccessTokenAndPasswordsStayOutOfLogsQueuesAndMetrics) {
  RunEveryErrorPath({"cyanite", "tunefleet-cyanite",
                     [](const std::string& base_url, const Secrets& s) {
                       return std::map<std::string, std::string>{{"TUNEFLEET_CYANITE_BASE_URL", base_url},
                                                                 {"TUNEFLEET_CYANITE_ACCESS_TOKEN", s.provider_key}};
                     },
                     ProviderCase::JobKind::kTrackWithSpotifyId});
}

TEST(SecretRedaction, AotyPasswordsStayOutOfLogsQueuesAndMetrics) {
  // AOTY takes no key (public pages): the secrets are the base URL's and the broker's passwords.
  RunEveryErrorPath({"aoty", "tunefleet-aoty",
                     [](const std::string& base_url, const Secrets&) {
                       return std::map<std::string, std::string>{{"TUNEFLEET_AOTY_BASE_URL", base_url}};
                     },
                     ProviderCase::JobKind::kAlbum});
}

}  // namespace
