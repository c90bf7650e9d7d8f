// tunefleet cache stats|invalidate: the gateway's response cache in Redis (docs/OPERATIONS.md).
// Talks to Redis through the fleet's own client (common/redis) on a private libuv loop, one
// command at a time except for the MEMORY USAGE samples, so a long run never holds Redis
// for more than one SCAN COUNT 1000 or one UNLINK of 500 keys.
#include <uv.h>

#include <cassert>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/settings.hpp"
#include "common/core/redact.hpp"
#include "common/gateway/redis_keys.hpp"
#include "common/logging/logger.hpp"
#include "common/redis/redis_client.hpp"
#include "tools/tunefleet/cache_keys.hpp"
#include "tools/tunefleet/commands.hpp"
#include "tools/tunefleet/stop_signal.hpp"
#include "tools/tunefleet/control_client.hpp"
#include "workers/fleet/fleet.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// SCAN's COUNT: about this many keys visited per call (Redis' work per call, not a promise).
constexpr int kScanCount = 1000;
// Keys per UNLINK: freeing is done by a background thread for large values, but the command
// still looks up every key; 500 small keys take well under a millisecond.
constexpr std::size_t kUnlinkBatch = 500;
// MEMORY USAGE per endpoint, at most: exact below this, a scaled-up sample above it.
constexpr std::size_t kMemorySample = 1000;
// MEMORY USAGE commands in flight at once.
constexpr std::size_t kMemoryPipeline = 100;
// A slower answer means Redis is away (a SCAN COUNT 1000 takes milliseconds).
constexpr auto kCommandTimeout = 10s;
constexpr auto kProgressEvery = 2s;


double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The fleet's Redis client on a loop of its own, used synchronously: each call runs the loop
// until its commands are answered. The client fails a command at once (kTransient) when Redis
// is unreachable and after kCommandTimeout when it does not answer.
class BlockingRedis {
 public:
  explicit BlockingRedis(const config::RedisSettings& settings) {
    if (int rc = uv_loop_init(&loop_); rc != 0) {
      init_error_ = core::Error::Transient(std::string("cannot start an event loop: ") + uv_strerror(rc));
      return;
    }
    client_.emplace(loop_,
                    redis::RedisClientSettings{.url = settings.url,
                                               .command_timeout = kCommandTimeout,
                                               .reconnect_interval = 250ms,
                                               .tls_ca_file = settings.tls_ca_file},
                    logging::Logger("tunefleet-cache"));
  }
  ~BlockingRedis() {
    if (!client_) return;
    client_->Close();
    client_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // frees the socket and timers
    [[maybe_unused]] const int rc = uv_loop_close(&loop_);
    assert(rc == 0);  // every handle was closed and freed above
  }
  BlockingRedis(const BlockingRedis&) = delete;
  BlockingRedis& operator=(const BlockingRedis&) = delete;

  core::Result<redis::Reply> Run(const std::vector<std::string>& argv) {
    if (init_error_) return *init_error_;
    std::optional<core::Result<redis::Reply>> out;
    client_->Command(argv, [&out](core::Result<redis::Reply> reply) { out = std::move(reply); });
    while (!out) uv_run(&loop_, UV_RUN_ONCE);
    return std::move(*out);
  }

  // Every command of `commands`, at most `window` in flight; the answers in the same order.
  std::vector<core::Result<redis::Reply>> RunAll(const std::vector<std::vector<std::string>>& commands,
                                                 std::size_t window) {
    if (init_error_) return std::vector<core::Result<redis::Reply>>(commands.size(), *init_error_);
    std::vector<std::optional<core::Result<redis::Reply>>> answers(commands.size());
    std::size_t sent = 0;
    std::size_t answered = 0;
    while (answered < commands.size()) {
      while (sent < commands.size() && sent - answered < window) {
        const std::size_t i = sent++;
        client_->Command(commands[i], [&answers, &answered, i](core::Result<redis::Reply> reply) {
          answers[i] = std::move(reply);
          ++answered;
        });
      }
      if (answered < commands.size()) uv_run(&loop_, UV_RUN_ONCE);
    }
    std::vector<core::Result<redis::Reply>> out;
    out.reserve(answers.size());
    for (auto& answer : answers) out.push_back(std::move(*answer));
    return out;
  }

 private:
  uv_loop_t loop_{};
  std::optional<core::Error> init_error_;
  std::optional<redis::RedisClient> client_;
};

class Command {
 public:
  explicit Command(cache::Sub sub) : name_(sub == cache::Sub::kStats ? "stats" : "invalidate") {}

  int UsageError(const std::string& message) const {
    std::fprintf(stderr, "tunefleet cache %s: %s (see tunefleet cache %s --help)\n", name_.c_str(), message.c_str(),
                 name_.c_str());
    return kExitUsage;
  }
  // One line; the Redis client's messages name host:port only, Redact is the second guard.
  int Fail(const std::string& message) const {
    std::fprintf(stderr, "tunefleet cache %s: %s\n", name_.c_str(), core::Redact(message).c_str());
    return kExitFailure;
  }
  // A Redis failure: says what to check when the message does not already name the fix.
  int Fail(const core::Error& error) const {
    if (error.message.find("TUNEFLEET_REDIS_URL") != std::string::npos) return Fail(error.message);
    return Fail(error.message + " (is Redis running? scripts/stack up; or set TUNEFLEET_REDIS_URL)");
  }
  void Progress(const std::string& message) {
    const auto now = Clock::now();
    if (now - last_progress_ < kProgressEvery) return;
    last_progress_ = now;
    std::fprintf(stderr, "tunefleet cache %s: %s\n", name_.c_str(), message.c_str());
  }

 private:
  std::string name_;
  Clock::time_point last_progress_ = Clock::now();
};

// One SCAN call: the next cursor ("0" at the end) and the keys.
struct ScanPage {
  std::string cursor;
  std::vector<std::string> keys;
};

core::Result<ScanPage> Scan(BlockingRedis& redis, const std::string& cursor, const std::string& pattern) {
  auto reply = redis.Run({"SCAN", cursor, "MATCH", pattern, "COUNT", std::to_string(kScanCount)});
  if (!reply) return reply.error();
  if (reply->type != redis::Reply::Type::kArray || reply->elements.size() != 2 ||
      reply->elements[1].type != redis::Reply::Type::kArray) {
    return core::Error::Transient("redis answered SCAN with something that is not [cursor, keys]");
  }
  ScanPage page;
  page.cursor = reply->elements[0].text;
  for (auto& key : reply->elements[1].elements) page.keys.push_back(std::move(key.text));
  return page;
}

core::Result<std::uint64_t> DbSize(BlockingRedis& redis) {
  auto reply = redis.Run({"DBSIZE"});
  if (!reply) return reply.error();
  return static_cast<std::uint64_t>(reply->integer);
}

core::Result<config::RedisSettings> LoadSettings() {
  try {
    config::Env env;
    return config::LoadRedisSettings(env);
  } catch (const config::ConfigError& e) {
    return core::Error::InvalidInput(core::Redact(e.what()));
  }
}

// The running workers' cache hits and misses since each started, summed per provider, from
// their answers to a ping on the control channel (TUNEFLEET_AMQP_URL). Without a broker or
// without workers it is empty and HIT-RATIO prints "-" (a note on stderr says why).
cache::HitCountsByProvider WorkerHitCounts(const std::string& provider) {
  cache::HitCountsByProvider counts;
  try {
    ops::ControlClient client(ops::ControlConnectionSettings("cache"));
    auto fail = [](const core::Error& error) {
      std::fprintf(stderr, "tunefleet cache: hit ratio unavailable (control channel: %s)\n",
                   core::Redact(error.message).c_str());
    };
    if (auto r = client.Open(false); !r) {
      fail(r.error());
      return counts;
    }
    auto key = provider.empty() ? std::string(control::kEveryone) : control::TargetKey("provider", provider);
    auto ping = client.Send(key, {.action = control::Action::kPing});
    if (!ping) {
      fail(ping.error());
      return counts;
    }
    auto heard = client.Listen(Clock::now() + std::chrono::milliseconds{1500}, [&](const ops::ControlClient::Heard& h) {
      if (h.reply && h.correlation_id == *ping && h.reply->status && h.reply->status->who.kind == "provider") {
        auto& sum = counts[h.reply->status->who.name];
        sum.hits += static_cast<std::uint64_t>(h.reply->status->cache_hits);
        sum.misses += static_cast<std::uint64_t>(h.reply->status->cache_misses);
      }
      return false;
    });
    if (!heard) fail(heard.error());
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "tunefleet cache: hit ratio unavailable: %s\n", core::Redact(e.what()).c_str());
  }
  return counts;
}

int RunStats(const cache::Options& options, Command& command, BlockingRedis& redis) {
  auto db_keys = DbSize(redis);
  if (!db_keys) return command.Fail(db_keys.error());
  const std::string pattern =
      options.provider.empty() ? cache::EscapeGlob(gateway::kCacheKeyPrefix) + "*" : cache::EscapeGlob(cache::Scope(options.provider)) + "*";
  cache::StatsCollector collector(options.provider, kMemorySample);
  collector.stats().db_keys = *db_keys;
  std::string cursor = "0";
  std::uint64_t calls = 0;
  do {
    auto page = Scan(redis, cursor, pattern);
    if (!page) return command.Fail(page.error());
    ++calls;
    for (const auto& key : page->keys) collector.Add(key);
    cursor = page->cursor;
    command.Progress("counted " + std::to_string(collector.stats().scanned) + " cache keys, visited about " +
                     std::to_string(std::min<std::uint64_t>(calls * kScanCount, *db_keys)) + " of " +
                     std::to_string(*db_keys));
  } while (cursor != "0");

  cache::Stats& stats = collector.stats();
  for (auto& [where, group] : stats.endpoints) {
    if (!stats.memory_available) break;
    std::vector<std::vector<std::string>> commands;
    commands.reserve(group.sample.size());
    for (const auto& key : group.sample) commands.push_back({"MEMORY", "USAGE", key});
    auto answers = redis.RunAll(commands, kMemoryPipeline);
    for (auto& answer : answers) {
      if (!answer) {
        // An error reply (MEMORY refused by an ACL, an old server): report keys without memory.
        if (answer.error().kind == core::ErrorKind::kInvalidInput) {
          stats.memory_available = false;
          break;
        }
        return command.Fail(answer.error());
      }
      if (answer->type != redis::Reply::Type::kInteger) continue;  // expired since SCAN: nil
      ++group.sampled;
      group.sampled_bytes += static_cast<std::uint64_t>(answer->integer);
    }
  }
  const auto hit_counts = WorkerHitCounts(options.provider);
  std::fputs((options.json ? cache::FormatStatsJson(stats, hit_counts) : cache::FormatStatsTable(stats, hit_counts)).c_str(),
             stdout);
  return kExitOk;
}

int RunInvalidate(const cache::Options& options, const cache::Target& target, Command& command, BlockingRedis& redis) {
  const auto start = Clock::now();
  auto elapsed = [&] {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", Seconds(Clock::now() - start));
    return std::string(text);
  };
  if (!target.exact_key.empty()) {
    auto reply = redis.Run({options.dry_run ? "EXISTS" : "UNLINK", target.exact_key});
    if (!reply) return command.Fail(reply.error());
    const auto count = static_cast<unsigned long long>(reply->integer);
    if (options.dry_run) {
      std::printf("dry run: matched %llu keys (%s), removed none\n", count, target.shown.c_str());
    } else {
      std::printf("matched %llu keys (%s), removed %llu, in %s\n", count, target.shown.c_str(), count, elapsed().c_str());
    }
    return kExitOk;
  }

  auto db_keys = DbSize(redis);
  if (!db_keys) return command.Fail(db_keys.error());
  cache::KeySet seen;
  std::vector<std::string> batch;
  std::uint64_t matched = 0;
  std::uint64_t removed = 0;
  std::uint64_t calls = 0;
  auto unlink = [&](std::size_t at_least) -> core::Result<void> {
    while (!batch.empty() && batch.size() >= at_least) {
      const std::size_t n = std::min(batch.size(), kUnlinkBatch);
      std::vector<std::string> argv{"UNLINK"};
      argv.insert(argv.end(), std::make_move_iterator(batch.end() - static_cast<std::ptrdiff_t>(n)),
                  std::make_move_iterator(batch.end()));
      batch.resize(batch.size() - n);
      auto reply = redis.Run(argv);
      if (!reply) return reply.error();
      removed += static_cast<std::uint64_t>(reply->integer);
    }
    return core::Ok();
  };
  // Still one line: what failed, and what was done before it.
  auto report_failure = [&](core::Error why) {
    why.message += " (matched " + std::to_string(matched) + " keys so far, removed " + std::to_string(removed) +
                   " before the failure)";
    return command.Fail(why);
  };
  std::string cursor = "0";
  do {
    auto page = Scan(redis, cursor, target.scan_pattern);
    if (!page) return report_failure(page.error());
    ++calls;
    for (auto& key : page->keys) {
      // MATCH already keeps to the scope; this check makes it so whatever Redis answers.
      if (!key.starts_with(target.scope)) continue;
      // A repeat is counted once; it is unlinked again all the same (UNLINK counts it 0), so
      // a hash collision in `seen` could only miscount, never leave a key behind.
      if (seen.Insert(key)) ++matched;
      if (!options.dry_run) batch.push_back(std::move(key));
    }
    if (auto r = unlink(kUnlinkBatch); !r) return report_failure(r.error());
    cursor = page->cursor;
    command.Progress("visited about " + std::to_string(std::min<std::uint64_t>(calls * kScanCount, *db_keys)) + " of " +
                     std::to_string(*db_keys) + " keys, matched " + std::to_string(matched) +
                     (options.dry_run ? "" : ", removed " + std::to_string(removed)));
  } while (cursor != "0" && !StopRequested());
  if (auto r = unlink(1); !r) return report_failure(r.error());

  if (options.dry_run) {
    std::printf("dry run: matched %llu keys (%s), removed none, in %s\n", static_cast<unsigned long long>(matched),
                target.shown.c_str(), elapsed().c_str());
  } else {
    std::printf("matched %llu keys (%s), removed %llu, in %s\n", static_cast<unsigned long long>(matched),
                target.shown.c_str(), static_cast<unsigned long long>(removed), elapsed().c_str());
  }
  if (StopRequested()) {
    std::fprintf(stderr, "tunefleet cache invalidate: interrupted before the scan ended; run it again for the rest\n");
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int RunCache(int argc, char* argv[]) {
  if (argc < 2) {
    std::fprintf(stderr, "tunefleet cache: missing the subcommand: stats or invalidate (see tunefleet cache --help)\n");
    return kExitUsage;
  }
  const std::string_view sub_name = argv[1];
  if (sub_name == "--help" || sub_name == "-h" || sub_name == "help") {
    std::fputs(cache::Usage(), stdout);
    return kExitOk;
  }
  cache::Sub sub{};
  if (sub_name == "stats") {
    sub = cache::Sub::kStats;
  } else if (sub_name == "invalidate") {
    sub = cache::Sub::kInvalidate;
  } else {
    std::fprintf(stderr, "tunefleet cache: unknown subcommand \"%s\": expected stats or invalidate (see tunefleet cache --help)\n",
                 argv[1]);
    return kExitUsage;
  }
  Command command(sub);
  auto options = cache::ParseArgs(sub, argc - 1, argv + 1, fleet::Names().known);
  if (!options) return command.UsageError(options.error().message);
  if (options->help) {
    std::fputs(cache::Usage(sub), stdout);
    return kExitOk;
  }
  std::optional<cache::Target> target;
  if (sub == cache::Sub::kInvalidate) {
    auto resolved = cache::ResolveTarget(*options);
    if (!resolved) return command.UsageError(resolved.error().message);
    target = std::move(*resolved);
  }
  auto settings = LoadSettings();
  if (!settings) return command.UsageError(settings.error().message);

  // The Redis client logs JSON lines for the workers; here its errors reach the one line we print.
  static std::FILE* const kDevNull = std::fopen("/dev/null", "w");
  if (kDevNull != nullptr) logging::Configure(logging::Level::kError, kDevNull);

  BlockingRedis redis(*settings);
  if (sub == cache::Sub::kStats) return RunStats(*options, command, redis);  // Ctrl-C ends it: it changes nothing

  // An invalidation stops between two commands, and says how far it got.
  CatchStopSignals();
  return RunInvalidate(*options, *target, command, redis);
}

}  // namespace cli
