// RabbitMQ cluster failover (docs/DEPLOY.md, "RabbitMQ cluster"): a 3-node cluster of the
// test's own (scripts/stack cluster), a noop worker and `tunefleet publish` given all three
// nodes in TUNEFLEET_AMQP_URL. Mid-run the node the worker is connected to is SIGKILLed, then
// (after it is back) the node leading the worker's quorum queue. At the end every job is stored
// exactly once, nothing is dead-lettered, and the publisher confirmed every line once.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <string>

#include "common/amqp/connection.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_process.hpp"
#include "tests/support/text.hpp"

namespace cluster_test {
namespace {

using namespace std::chrono_literals;
using test_support::TestDatabase;
using test_support::WaitUntil;
using test_support::WorkerProcess;

constexpr int kNodes = 3;
constexpr int kJobs = 2000;
constexpr const char* kRate = "40/s";  // the publisher runs about 50 s: both kills land mid-run
constexpr const char* kQueue = "tunefleet.noop";
constexpr const char* kDeadQueue = "tunefleet.noop.dead";

// TUNEFLEET_CLUSTER_TEST_PORT (default 40000): the cluster's base ports; node n listens on
// base + 100 n (AMQP), + 1 (management), + 2 (Prometheus), + 3 (distribution).
int BasePort() {
  const char* value = std::getenv("TUNEFLEET_CLUSTER_TEST_PORT");
  return value != nullptr && *value != '\0' ? std::atoi(value) : 40000;
}
int AmqpPort(int node) { return BasePort() + 100 * node; }
int ManagementPort(int node) { return BasePort() + 100 * node + 1; }
std::string NodeName(int node) { return "tunefleet-" + std::to_string(node) + "@localhost"; }

// The cluster, up for the test's life: `scripts/stack cluster up` in a folder and on ports of
// its own (never the shared stack's), `cluster destroy` at the end, also after a failure.
class Cluster {
 public:
  Cluster() : dir_("/var/tmp/tunefleet-cluster-test-" + std::to_string(::getpid())) {
    const auto start = std::chrono::steady_clock::now();
    up_ = Stack("cluster up") == 0;
    boot_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  ~Cluster() {
    Stack("cluster destroy");  // SIGKILL: a graceful stop takes minutes under load
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  bool up() const { return up_; }
  double boot_seconds() const { return boot_seconds_; }
  int Stack(const std::string& args) const {
    const int base = BasePort();
    std::string command = "env TUNEFLEET_STACK_DIR=" + dir_.string() +
                          " TUNEFLEET_RABBITMQ_PORT=" + std::to_string(base) +
                          " TUNEFLEET_RABBITMQ_MGMT_PORT=" + std::to_string(base + 1) +
                          " TUNEFLEET_RABBITMQ_PROMETHEUS_PORT=" + std::to_string(base + 2) +
                          " TUNEFLEET_RABBITMQ_DIST_PORT=" + std::to_string(base + 3) +
                          " TUNEFLEET_EPMD_PORT=" + std::to_string(base + 4) +
                          " TUNEFLEET_RABBITMQ_CTL_DIST_PORT_MIN=" + std::to_string(base + 5) +
                          " TUNEFLEET_STACK_TIMEOUT=600 timeout 900 " TUNEFLEET_SOURCE_DIR "/scripts/stack " + args +
                          " >/dev/null";
    const auto start = std::chrono::steady_clock::now();
    const int rc = std::system(command.c_str());
    std::cout << "cluster: scripts/stack " << args << ": status " << rc << " after "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s" << std::endl;
    return rc;
  }
  // TUNEFLEET_AMQP_URL naming every node.
  std::string AmqpUrl() const {
    std::string url;
    for (int n = 1; n <= kNodes; ++n) {
      url += (url.empty() ? "" : ",") + std::string("amqp://guest:guest@127.0.0.1:") + std::to_string(AmqpPort(n)) +
             "/%2f";
    }
    return url;
  }

 private:
  std::filesystem::path dir_;
  bool up_ = false;
  double boot_seconds_ = 0;
};

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// GET /api`path` from node `node`'s management API; nullopt unless it answers 200.
std::optional<std::string> ApiGet(int node, const std::string& path) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return std::nullopt;
  const std::string url = "http://127.0.0.1:" + std::to_string(ManagementPort(node)) + "/api" + path;
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, "guest:guest");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK || status != 200) return std::nullopt;
  return body;
}

// "tunefleet-2@localhost" -> 2; 0 for anything else.
int NodeNumber(const std::string& name) {
  for (int n = 1; n <= kNodes; ++n) {
    if (name == NodeName(n)) return n;
  }
  return 0;
}

// Asked of `via`: the node the connection named `connection_name` is on (0: none seen yet).
int ConnectionNode(int via, const std::string& connection_name) {
  auto body = ApiGet(via, "/connections");
  if (!body) return 0;
  rapidjson::Document doc;
  if (doc.Parse(body->c_str()).HasParseError() || !doc.IsArray()) return 0;
  for (const auto& c : doc.GetArray()) {
    if (!c.HasMember("client_properties") || !c["client_properties"].HasMember("connection_name")) continue;
    if (connection_name != c["client_properties"]["connection_name"].GetString()) continue;
    if (c.HasMember("node") && c["node"].IsString()) return NodeNumber(c["node"].GetString());
  }
  return 0;
}

// Asked of `via`: the node leading quorum queue `queue` (0: unknown).
int QueueLeader(int via, const std::string& queue) {
  auto body = ApiGet(via, "/queues/%2f/" + queue);
  if (!body) return 0;
  rapidjson::Document doc;
  if (doc.Parse(body->c_str()).HasParseError() || !doc.IsObject() || !doc.HasMember("leader") ||
      !doc["leader"].IsString()) {
    return 0;
  }
  return NodeNumber(doc["leader"].GetString());
}

// Asked of `via`: true when every quorum queue of the vhost has each of its members online. A
// node started again rejoins the cluster before its replicas have caught up; killing another
// node before they have would leave the queues without a majority (and the run stalled for
// good: that is RabbitMQ keeping its promise, not a failover bug).
bool AllReplicasOnline(int via) {
  auto body = ApiGet(via, "/queues/%2f");
  if (!body) return false;
  rapidjson::Document doc;
  if (doc.Parse(body->c_str()).HasParseError() || !doc.IsArray() || doc.GetArray().Empty()) return false;
  for (const auto& q : doc.GetArray()) {
    if (!q.HasMember("type") || !q["type"].IsString() || std::string(q["type"].GetString()) != "quorum") continue;
    if (!q.HasMember("members") || !q["members"].IsArray() || !q.HasMember("online") || !q["online"].IsArray()) {
      return false;
    }
    if (q["online"].Size() != q["members"].Size()) return false;
  }
  return true;
}

// Asked of `via`: quorum queue `queue`'s members, online members and leader, for the failure
// messages.
std::string Replicas(int via, const std::string& queue) {
  auto body = ApiGet(via, "/queues/%2f/" + queue);
  if (!body) return "queue " + queue + ": no answer from node " + std::to_string(via);
  rapidjson::Document doc;
  if (doc.Parse(body->c_str()).HasParseError() || !doc.IsObject()) return "queue " + queue + ": unreadable answer";
  auto names = [&](const char* key) {
    std::string out;
    if (doc.HasMember(key) && doc[key].IsArray()) {
      for (const auto& n : doc[key].GetArray()) out += (out.empty() ? "" : ",") + std::string(n.IsString() ? n.GetString() : "?");
    }
    return out;
  };
  std::string leader = doc.HasMember("leader") && doc["leader"].IsString() ? doc["leader"].GetString() : "none";
  auto count = [&](const char* key) {
    return doc.HasMember(key) && doc[key].IsNumber() ? std::to_string(doc[key].GetInt64()) : std::string("?");
  };
  return "queue " + queue + ": members [" + names("members") + "], online [" + names("online") + "], leader " + leader +
         ", ready " + count("messages_ready") + ", unacked " + count("messages_unacknowledged") + ", consumers " +
         count("consumers");
}

// Asked of `via`: true when quorum queue `queue` has a replica on every node, each online.
bool FullyReplicated(int via, const std::string& queue) {
  auto body = ApiGet(via, "/queues/%2f/" + queue);
  if (!body) return false;
  rapidjson::Document doc;
  if (doc.Parse(body->c_str()).HasParseError() || !doc.IsObject() || !doc.HasMember("members") ||
      !doc["members"].IsArray() || !doc.HasMember("online") || !doc["online"].IsArray()) {
    return false;
  }
  return doc["members"].Size() == static_cast<unsigned>(kNodes) && doc["online"].Size() == doc["members"].Size();
}

std::int64_t Stored(const TestDatabase& database) {
  return database.Int("SELECT count(DISTINCT job_id) FROM track_sources WHERE provider = 'noop'");
}

std::string TrackCsv(int count) {
  std::string csv = "artist,title\n";
  for (int i = 0; i < count; ++i) csv += "Cluster Artist " + std::to_string(i % 97) + ",Cluster Title " + std::to_string(i) + "\n";
  return csv;
}

TEST(Cluster, FailoverUnderNodeKills) {
  const auto test_start = std::chrono::steady_clock::now();
  TestDatabase database;
  test_support::TempDir scratch;
  Cluster cluster;
  ASSERT_TRUE(cluster.up()) << "scripts/stack cluster up failed (see its output above)";
  std::cout << "cluster: 3 nodes up in " << cluster.boot_seconds() << " s" << std::endl;
  testing::Test::RecordProperty("cluster_boot_seconds", std::to_string(cluster.boot_seconds()));

  const std::string url = cluster.AmqpUrl();
  WorkerProcess worker(test_support::NoopWorkerBinary(), {{"TUNEFLEET_AMQP_URL", url},
                                                          {"TUNEFLEET_PG_DSN", database.dsn()},
                                                          {"TUNEFLEET_METRICS_PORT", "0"},
                                                          {"TUNEFLEET_AMQP_PREFETCH", "50"},
                                                          {"TUNEFLEET_BATCH_SIZE", "50"},
                                                          {"TUNEFLEET_DB_RETRY_MAX", "1s"}});
  std::set<int> down;  // nodes killed and not yet started again
  auto live = [&] {
    for (int n = 1; n <= kNodes; ++n) {
      if (down.count(n) == 0) return n;
    }
    return 0;
  };
  int worker_node = 0;
  ASSERT_TRUE(WaitUntil([&] { return (worker_node = ConnectionNode(live(), "tunefleet-noop")) != 0; }, 180s,
                        "the worker's connection listed by the management API",
                        [&] { return worker.LogTail(10); }));

  // A quorum queue gets a replica on each node that is a cluster member when it is declared; a
  // node still joining is left out, and losing the leader of a 2-replica queue stalls it.
  ASSERT_TRUE(WaitUntil([&] { return FullyReplicated(live(), kQueue); }, 180s,
                        "a replica of " + std::string(kQueue) + " on each of the " + std::to_string(kNodes) + " nodes",
                        [&] { return Replicas(live(), kQueue); }));
  std::cout << "cluster: " << Replicas(live(), kQueue) << std::endl;

  const auto input = scratch.Write("tracks.csv", TrackCsv(kJobs));
  test_support::CliProcess publisher({"publish", input.string(), "--providers", "noop", "--rate", kRate,
                                      "--job-id-prefix", "cluster", "--give-up-after", "5m"},
                                     {{"TUNEFLEET_AMQP_URL", url}}, {.timeout = std::chrono::minutes(15)});
  auto reached = [&](std::int64_t rows, const std::string& what) {
    return WaitUntil([&] { return Stored(database) >= rows; }, 300s, what,
                     [&] { return "stored=" + std::to_string(Stored(database)) + " of " + std::to_string(kJobs) +
                                  "; " + Replicas(live(), kQueue) + "\n" + worker.LogTail(10); });
  };
  auto at = [&](const std::string& event) {
    std::cout << "cluster: " << std::chrono::duration<double>(std::chrono::steady_clock::now() - test_start).count()
              << " s, " << Stored(database) << " of " << kJobs << " stored: " << event << std::endl;
  };
  auto kill_and_restart = [&](int node, const std::string& why) {
    ASSERT_LT(Stored(database), kJobs) << "the run ended before " << why << " could be killed mid-run";
    at("SIGKILL node " + std::to_string(node) + " (" + why + ")");
    down.insert(node);
    ASSERT_EQ(cluster.Stack("cluster kill " + std::to_string(node)), 0);
    // The worker goes on through the other nodes while this one is away.
    const std::int64_t before = Stored(database);
    ASSERT_TRUE(reached(std::min<std::int64_t>(before + 100, kJobs), "progress with node " + std::to_string(node) +
                                                                          " down"));
    at("progress with node " + std::to_string(node) + " down; starting it again");
    ASSERT_EQ(cluster.Stack("cluster start " + std::to_string(node)), 0);
    down.erase(node);
    ASSERT_TRUE(WaitUntil([&] { return AllReplicasOnline(live()); }, 300s,
                          "every quorum queue's replicas online again after node " + std::to_string(node) +
                              " restarted"));
    at("node " + std::to_string(node) + "'s replicas online again");
  };

  // 1. The node the worker is connected to.
  ASSERT_TRUE(reached(kJobs * 15 / 100, "15% stored"));
  worker_node = ConnectionNode(live(), "tunefleet-noop");
  ASSERT_NE(worker_node, 0);
  kill_and_restart(worker_node, "the worker's node");
  if (HasFatalFailure()) return;
  int moved_to = 0;
  EXPECT_TRUE(WaitUntil([&] { return (moved_to = ConnectionNode(live(), "tunefleet-noop")) != 0; }, 120s,
                        "the worker's new connection listed"));
  EXPECT_NE(moved_to, worker_node);

  // 2. The node leading the worker's queue (wherever the worker is now).
  ASSERT_TRUE(reached(kJobs * 50 / 100, "50% stored"));
  int leader = 0;
  ASSERT_TRUE(WaitUntil([&] { return (leader = QueueLeader(live(), kQueue)) != 0; }, 60s, "the queue's leader"));
  kill_and_restart(leader, "the leader of " + std::string(kQueue));
  if (HasFatalFailure()) return;

  // 3. Everything arrives, the publisher confirmed every line once.
  const test_support::CliRun published = publisher.Wait();
  EXPECT_EQ(published.exit_code, 0) << published.err;
  EXPECT_NE(published.out.find("published " + std::to_string(kJobs) + " jobs (" + std::to_string(kJobs) +
                               " confirmed) to tunefleet.jobs as track.noop"),
            std::string::npos)
      << published.out << published.err;
  std::cout << "cluster: publisher: " << published.out << published.err << std::endl;
  ASSERT_TRUE(reached(kJobs, "every job stored"));
  at("all stored");
  EXPECT_TRUE(worker.Running()) << worker.LogTail(30);
  worker.Terminate();
  EXPECT_TRUE(worker.WaitExit(60s).has_value());

  // Exactly once; nothing dead-lettered, nothing left.
  EXPECT_EQ(database.Int("SELECT count(*) FROM track_sources WHERE provider = 'noop'"), kJobs);
  EXPECT_EQ(Stored(database), kJobs);
  EXPECT_EQ(database.Int("SELECT count(*) FROM tracks"), kJobs);
  EXPECT_EQ(database.Int("SELECT count(*) FROM job_effects WHERE provider = 'noop'"), kJobs);
  amqp::Connection check({.url = url, .connection_name = "tunefleet-test-check"});
  ASSERT_TRUE(check.Open());
  auto dead = check.QueueDepth(kDeadQueue);
  ASSERT_TRUE(dead) << dead.error().message;
  EXPECT_EQ(*dead, 0u) << "dead-lettered during failover";
  auto left = check.QueueDepth(kQueue);
  ASSERT_TRUE(left) << left.error().message;
  EXPECT_EQ(*left, 0u);
  // The worker said where it went.
  const std::string log = worker.Log();
  // The job consumer's connections (component "amqp"; the control channel's are "control").
  EXPECT_GE(test_support::CountOccurrences(log, R"("component":"amqp","msg":"rabbitmq connected")"), 2u)
      << worker.LogTail(40);
  EXPECT_EQ(log.find("guest:guest"), std::string::npos);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - test_start).count();
  std::cout << "cluster: test body took " << seconds << " s (boot " << cluster.boot_seconds() << " s)" << std::endl;
}

}  // namespace
}  // namespace cluster_test
