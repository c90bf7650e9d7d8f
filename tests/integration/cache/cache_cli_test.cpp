// `tunefleet cache` end to end: the built binary against the stack's Redis, each test in a
// Redis database of its own (emptied first), filled with cache keys of several providers as the
// gateway writes them (common/gateway/redis_keys.hpp) beside the fleet rate limit's keys and
// other applications' keys that must survive every invalidation.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tests/integration/cache/raw_redis.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/redis_db.hpp"
#include "tests/support/text.hpp"

namespace cache_test {
namespace {

using namespace std::chrono_literals;
using test_support::CliProcess;
using test_support::CliRun;
using test_support::RunTunefleet;

// Redis databases of the stack that are these tests' alone (grep "Db = " in tests/).
constexpr int kInvalidateDb = 4;
constexpr int kDryRunDb = 5;
constexpr int kStatsDb = 14;

std::map<std::string, std::string> CliEnv(int db) { return {{"TUNEFLEET_REDIS_URL", test_support::RedisDbUrl(db)}}; }

// Writes `keys` with pipelined MSETs of 1000 keys; key i gets a value of `value_size` +
// (i % (spread + 1)) bytes.
void Write(RawRedis& redis, const std::vector<std::string>& keys, std::size_t value_size = 64, std::size_t spread = 0) {
  std::size_t commands = 0;
  for (std::size_t i = 0; i < keys.size(); i += 1000) {
    std::vector<std::string> argv{"MSET"};
    for (std::size_t j = i; j < std::min(keys.size(), i + 1000); ++j) {
      argv.push_back(keys[j]);
      argv.push_back(std::string(value_size + j % (spread + 1), 'v'));
    }
    redis.Append(argv);
    ++commands;
  }
  redis.Flush();
  for (std::size_t i = 0; i < commands; ++i) {
    auto reply = redis.Read();
    ASSERT_EQ(reply.type, '+') << reply.text;
  }
}

std::vector<std::string> Numbered(const std::string& prefix, int count, const std::string& suffix = "") {
  std::vector<std::string> keys;
  keys.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) keys.push_back(prefix + std::to_string(i) + suffix);
  return keys;
}

void Append(std::vector<std::string>& to, const std::vector<std::string>& from) { to.insert(to.end(), from.begin(), from.end()); }

// 100,000 keys: six providers' cache entries, a provider whose name extends another's
// ("spotify2"), the rate limit's keys and keys of other applications that merely contain
// "tunefleet:cache:spotify:".
std::vector<std::string> HundredThousandKeys() {
  std::vector<std::string> keys;
  Append(keys, Numbered("tunefleet:cache:spotify:track:", 30000));
  Append(keys, Numbered("tunefleet:cache:spotify:search:track:artist", 10000, ":title"));
  Append(keys, Numbered("tunefleet:cache:spotify:album:", 10000));
  Append(keys, Numbered("tunefleet:cache:lastfm:track.getTopTags:artist", 20000, ":title"));
  Append(keys, Numbered("tunefleet:cache:musicbrainz:recording:", 15000));
  Append(keys, Numbered("tunefleet:cache:discogs:release:/releases/", 10000));
  Append(keys, Numbered("tunefleet:cache:spotify2:track:", 2000));
  Append(keys, Numbered("tunefleet:ratelimit:spotify-", 1000));
  Append(keys, Numbered("app:tunefleet:cache:spotify:track:", 1000));
  Append(keys, Numbered("tunefleet:track:", 1000));
  return keys;
}

std::uint64_t Number(const std::string& text, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(label + " (\\d+)"))) return UINT64_MAX;
  return std::stoull(m[1].str());
}

// Compares the database's keys with `expected`; the failure names a few of each difference.
void ExpectKeys(RawRedis& redis, const std::vector<std::string>& expected) {
  const auto actual = redis.AllKeys();
  const std::unordered_set<std::string> have(actual.begin(), actual.end());
  const std::unordered_set<std::string> want(expected.begin(), expected.end());
  std::vector<std::string> missing;
  std::vector<std::string> extra;
  for (const auto& key : want) {
    if (!have.contains(key)) missing.push_back(key);
  }
  for (const auto& key : have) {
    if (!want.contains(key)) extra.push_back(key);
  }
  auto some = [](std::vector<std::string> keys) {
    std::sort(keys.begin(), keys.end());
    std::string out;
    for (std::size_t i = 0; i < std::min<std::size_t>(5, keys.size()); ++i) out += " " + keys[i];
    return out;
  };
  EXPECT_EQ(have.size(), want.size());
  EXPECT_TRUE(missing.empty()) << missing.size() << " keys that should remain are gone, e.g." << some(missing);
  EXPECT_TRUE(extra.empty()) << extra.size() << " keys that should be gone remain, e.g." << some(extra);
}

// PING and GET in a loop on a connection of its own until stopped; every round trip timed
// (the ones that started inside a window, see Window()).
class LatencyProbe {
 public:
  LatencyProbe(int db, std::string key) : redis_(db), key_(std::move(key)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~LatencyProbe() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Round-trip times in ms of the calls that started at or after `from` and ended by `to`.
  std::vector<double> Window(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) const {
    std::vector<double> out;
    for (const auto& [start, ms] : calls_) {
      if (start >= from && start + std::chrono::duration<double, std::milli>(ms) <= to) out.push_back(ms);
    }
    return out;
  }
  const std::string& error() const { return error_; }

 private:
  void Loop() {
    try {
      bool ping = true;
      while (!stop_) {
        const auto start = std::chrono::steady_clock::now();
        auto reply = ping ? redis_.Call({"PING"}) : redis_.Call({"GET", key_});
        calls_.emplace_back(start,
                            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        if (reply.type == '-') throw std::runtime_error(reply.text);
        ping = !ping;
      }
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  RawRedis redis_;
  std::string key_;
  std::atomic<bool> stop_{false};
  std::vector<std::pair<std::chrono::steady_clock::time_point, double>> calls_;
  std::string error_;
  std::thread thread_;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[at];
}

TEST(CacheInvalidate, MatchRemovesExactlyTheMatchingKeysOfAHundredThousandWithoutBlockingOthers) {
  test_support::FlushRedisDb(kInvalidateDb);
  RawRedis redis(kInvalidateDb);
  const auto keys = HundredThousandKeys();
  ASSERT_EQ(keys.size(), 100000u);
  Write(redis, keys);
  ASSERT_EQ(redis.Call({"DBSIZE"}).integer, 100000);
  // spotify's track entries whose id starts with 1: 1, 10-19, 100-199, 1000-1999, 10000-19999.
  const std::string match_prefix = "tunefleet:cache:spotify:track:1";
  std::vector<std::string> remaining;
  for (const auto& key : keys) {
    if (!key.starts_with(match_prefix)) remaining.push_back(key);
  }
  const auto expected_removed = keys.size() - remaining.size();
  ASSERT_EQ(expected_removed, 11111u);

  LatencyProbe probe(kInvalidateDb, "tunefleet:ratelimit:spotify-7");
  const auto start = std::chrono::steady_clock::now();
  CliProcess cli({"cache", "invalidate", "--provider", "spotify", "--match", "track:1*"}, CliEnv(kInvalidateDb));
  CliRun run = cli.Wait();
  const auto end = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(end - start).count();
  probe.Stop();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Number(run.out, "matched"), expected_removed) << run.out;
  EXPECT_EQ(Number(run.out, "removed"), expected_removed) << run.out;
  ExpectKeys(redis, remaining);

  ASSERT_TRUE(probe.error().empty()) << probe.error();
  // The calls made while the tool ran (from its start until the test saw it end).
  const auto millis = probe.Window(start, end);
  ASSERT_FALSE(millis.empty());
  const double max = *std::max_element(millis.begin(), millis.end());
  std::printf("cache invalidate: removed %zu of %zu keys, %.2f s from start to seen ended; another client's PING/GET during it: %zu calls, "
              "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              expected_removed, keys.size(), seconds, millis.size(), Percentile(millis, 0.5), Percentile(millis, 0.99),
              max);
  RecordProperty("latency_max_ms", std::to_string(max));
  RecordProperty("latency_p99_ms", std::to_string(Percentile(millis, 0.99)));
  // Generous: one SCAN COUNT 1000 or UNLINK of 500 keys takes milliseconds; a KEYS or a single
  // UNLINK of every match would also stay under this on 100,000 keys, so the bound only
  // catches a run that holds Redis for seconds (the numbers above are the report).
  EXPECT_LT(max, 2000.0);
}

TEST(CacheInvalidate, DryRunCountsAndRemovesNothingAndBadPatternsChangeNothing) {
  test_support::FlushRedisDb(kDryRunDb);
  RawRedis redis(kDryRunDb);
  std::vector<std::string> keys;
  Append(keys, Numbered("tunefleet:cache:musicbrainz:recording:", 2000));
  Append(keys, Numbered("tunefleet:cache:musicbrainz:recording-search:artist", 1000, ":title"));
  Append(keys, Numbered("tunefleet:cache:spotify:recording:", 1000));
  Append(keys, Numbered("tunefleet:ratelimit:musicbrainz-", 999));
  keys.push_back("tunefleet:ratelimit:musicbrainz");
  Write(redis, keys);

  auto dry = RunTunefleet({"cache", "invalidate", "--provider", "musicbrainz", "--endpoint", "recording", "--dry-run"},
                          CliEnv(kDryRunDb));
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(Number(dry.out, "matched"), 2000u) << dry.out;  // not recording-search's, not spotify's
  EXPECT_NE(dry.out.find("dry run"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("removed none"), std::string::npos) << dry.out;
  ExpectKeys(redis, keys);

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--match", "tunefleet:cache:*"}, std::vector<std::string>{"--match", "tunefleet:*"},
        std::vector<std::string>{"--key", "recording:1", "--match", "*"}}) {
    std::vector<std::string> argv{"cache", "invalidate", "--provider", "musicbrainz"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto refused = RunTunefleet(argv, CliEnv(kDryRunDb));
    EXPECT_EQ(refused.exit_code, 2) << args[1] << ": " << refused.out << refused.err;
    EXPECT_EQ(test_support::CountOccurrences(refused.err, "\n"), 1u) << refused.err;
  }
  auto unknown = RunTunefleet({"cache", "invalidate", "--provider", "musicbrainzz"}, CliEnv(kDryRunDb));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("\"musicbrainzz\": unknown provider"), std::string::npos) << unknown.err;
  ExpectKeys(redis, keys);

  // One exact key: --key, as the gateway names it after the provider.
  auto one = RunTunefleet({"cache", "invalidate", "--provider", "musicbrainz", "--key", "recording:7"}, CliEnv(kDryRunDb));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(Number(one.out, "removed"), 1u) << one.out;
  EXPECT_EQ(redis.Call({"EXISTS", "tunefleet:cache:musicbrainz:recording:7"}).integer, 0);
  EXPECT_EQ(redis.Call({"DBSIZE"}).integer, static_cast<std::int64_t>(keys.size()) - 1);
}

TEST(CacheStats, CountsEveryProviderAndEndpointAndMeasuresMemory) {
  test_support::FlushRedisDb(kStatsDb);
  RawRedis redis(kStatsDb);
  const auto track = Numbered("tunefleet:cache:spotify:track:", 1500);  // above the 1000-key sample
  const auto album = Numbered("tunefleet:cache:spotify:album:", 200);
  const auto lastfm = Numbered("tunefleet:cache:lastfm:track.getTopTags:artist", 300, ":title");
  Write(redis, track, 100, 400);  // values of 100-500 bytes: the sample's mean must stand for them
  Write(redis, album, 100, 50);
  Write(redis, lastfm);
  Write(redis, Numbered("tunefleet:ratelimit:spotify-", 50));
  Write(redis, Numbered("other:", 10));
  // The memory Redis reports for each group, key by key: what the stats must equal or estimate.
  auto memory = [&](const std::vector<std::string>& keys) {
    for (const auto& key : keys) redis.Append({"MEMORY", "USAGE", key});
    redis.Flush();
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) sum += static_cast<std::uint64_t>(redis.Read().integer);
    return sum;
  };
  const auto track_bytes = memory(track);
  const auto album_bytes = memory(album);

  // A vhost of its own with no worker in it: no process answers the control channel's ping,
  // so there is no hit ratio to show.
  test_support::TestVhost vhost;
  auto env = CliEnv(kStatsDb);
  env["TUNEFLEET_AMQP_URL"] = vhost.amqp_url();
  auto run = RunTunefleet({"cache", "stats", "--json"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  rapidjson::Document doc;
  doc.Parse(run.out.c_str());
  ASSERT_FALSE(doc.HasParseError()) << run.out;
  EXPECT_EQ(doc["db_keys"].GetUint64(), 2060u);
  std::map<std::string, std::uint64_t> provider_keys;
  std::map<std::string, const rapidjson::Value*> endpoints;
  for (const auto& provider : doc["providers"].GetArray()) {
    provider_keys[provider["provider"].GetString()] = provider["keys"].GetUint64();
    EXPECT_TRUE(provider["hit_ratio"].IsNull());
    for (const auto& endpoint : provider["endpoints"].GetArray()) {
      endpoints[std::string(provider["provider"].GetString()) + " " + endpoint["endpoint"].GetString()] = &endpoint;
    }
  }
  EXPECT_EQ(provider_keys, (std::map<std::string, std::uint64_t>{{"lastfm", 300}, {"spotify", 1700}}));
  ASSERT_EQ(endpoints.size(), 3u) << run.out;
  const auto& track_stats = *endpoints.at("spotify track");
  const auto& album_stats = *endpoints.at("spotify album");
  EXPECT_EQ(track_stats["keys"].GetUint64(), 1500u);
  EXPECT_EQ(album_stats["keys"].GetUint64(), 200u);
  EXPECT_EQ(endpoints.at("lastfm track.getTopTags")->operator[]("keys").GetUint64(), 300u);
  EXPECT_TRUE(album_stats["memory_exact"].GetBool());
  EXPECT_EQ(album_stats["memory_bytes"].GetUint64(), album_bytes);
  EXPECT_FALSE(track_stats["memory_exact"].GetBool());
  EXPECT_EQ(track_stats["memory_sampled_keys"].GetUint64(), 1000u);
  const double estimate = static_cast<double>(track_stats["memory_bytes"].GetUint64());
  EXPECT_NEAR(estimate, static_cast<double>(track_bytes), 0.05 * static_cast<double>(track_bytes));
  std::printf("cache stats: spotify track %zu keys, MEMORY USAGE sum %llu B, estimated from 1000: %.0f B\n",
              track.size(), static_cast<unsigned long long>(track_bytes), estimate);

  auto table = RunTunefleet({"cache", "stats", "--provider", "lastfm"}, CliEnv(kStatsDb));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("HIT-RATIO"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("track.getTopTags"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("spotify"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("300 cache keys"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("memory: exact"), std::string::npos) << table.out;
}

int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(CacheCli, UnreachableRedisIsOneLineWithoutThePassword) {
  const std::string port = std::to_string(ClosedPort());
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"cache", "stats"},
        std::vector<std::string>{"cache", "invalidate", "--provider", "spotify", "--match", "track:*"}}) {
    auto run = RunTunefleet(args, {{"TUNEFLEET_REDIS_URL", "redis://ops:pw-s3cret@127.0.0.1:" + port + "/0"}});
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_EQ(test_support::CountOccurrences(run.err, "\n"), 1u) << run.err;
    EXPECT_NE(run.err.find("127.0.0.1:" + port), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("pw-s3cret"), std::string::npos) << run.err;
    EXPECT_EQ(run.out.find("pw-s3cret"), std::string::npos) << run.out;
  }
}

}  // namespace
}  // namespace cache_test
