#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/core/result.hpp"

// `tunefleet cache`'s pure parts: its flags, which Redis keys are the gateway's cache and of
// which provider and endpoint, the SCAN pattern an invalidation may use, and the stats
// report. No Redis here (cmd_cache.cpp talks to it). The key layout is
// common/gateway/redis_keys.hpp: tunefleet:cache:<provider>:<endpoint>:<rest of the key>.
namespace cli::cache {

enum class Sub { kStats, kInvalidate };

struct Options {
  Sub sub = Sub::kStats;
  bool help = false;  // --help: print the subcommand's usage and stop
  std::string provider{};
  std::string endpoint{};
  std::optional<std::string> key{};    // --key K
  std::optional<std::string> match{};  // --match PATTERN
  bool dry_run = false;
  bool json = false;
};

const char* Usage();            // tunefleet cache --help
const char* Usage(Sub sub);     // tunefleet cache stats|invalidate --help

// Parses `argv` as `getopt_long` sees it (argv[0] is the subcommand's name, "stats" or
// "invalidate"), against the fleet's provider names. The error is the one line to print
// (without the "tunefleet cache <sub>: " prefix): it names the bad input and the fix.
// Uses getopt_long's global state (optind): one call at a time.
core::Result<Options> ParseArgs(Sub sub, int argc, char* argv[], const std::vector<std::string>& providers);

// "tunefleet:cache:<provider>:", or with an endpoint "tunefleet:cache:<provider>:<endpoint>:".
std::string Scope(std::string_view provider, std::string_view endpoint = {});

// `text` with Redis glob's special characters (* ? [ ] \) escaped, so it matches only itself.
std::string EscapeGlob(std::string_view text);

// Whether `pattern` is a pattern Redis' glob reads as the user meant: not empty, no unclosed
// "[...]" and no "\" at the end. The error names the problem.
core::Result<void> CheckGlob(std::string_view pattern);

// A cache key taken apart; nullopt for a key that is not the gateway's cache (rate limits,
// anything else in the database).
struct CacheKey {
  std::string provider{};
  std::string endpoint{};  // the cache key's first segment (every provider starts it with its endpoint)
};
std::optional<CacheKey> ClassifyKey(std::string_view redis_key);

// What an invalidation removes. Either one exact key (`exact_key`) or the keys SCAN finds
// with MATCH `scan_pattern` that also start with `scope` (checked again on every key before
// it is removed, so nothing outside the provider's cache can be touched whatever Redis returns).
struct Target {
  std::string scope{};         // literal prefix every removed key has
  std::string exact_key{};     // --key: the whole Redis key
  std::string scan_pattern{};  // otherwise: MATCH pattern for SCAN
  std::string shown{};         // what to call it in messages: the key or the pattern
};

// --key and --match are read after the scope (tunefleet:cache:<P>:[<E>:]); one that starts
// with "tunefleet:" is read as a whole key or pattern and must start with the scope itself.
// Refuses (naming the fix) a --key or --match that is empty, both together, an endpoint with
// ":" or glob characters, a malformed pattern, and a whole pattern that could reach keys
// outside the scope (another provider's, the rate limit's).
core::Result<Target> ResolveTarget(const Options& options);

// --- stats

// Per provider hits and misses of the response cache, e.g. summed from the workers'
// tunefleet_cache_hits_total / tunefleet_cache_misses_total.
struct HitCounts {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
};
using HitCountsByProvider = std::map<std::string, HitCounts>;

// hits / (hits + misses) for `provider`; nullopt when `counts` has nothing for it (printed "-").
// `tunefleet cache stats` sums the running workers' counts from the control channel.
std::optional<double> HitRatio(const HitCountsByProvider& counts, const std::string& provider);

// One provider's or one endpoint's keys as found by SCAN, and their memory: MEMORY USAGE of
// every key when there are at most the sample size of them, else of a uniform random sample
// (reservoir) scaled up to the count.
struct Group {
  std::uint64_t keys = 0;
  std::vector<std::string> sample{};  // the keys to ask MEMORY USAGE for
  std::uint64_t sampled = 0;          // keys whose MEMORY USAGE was answered
  std::uint64_t sampled_bytes = 0;    // their sum
  bool exact() const { return sample.size() == keys; }  // every key was asked (one gone since counts 0)
  // The memory of all `keys`: the sum when exact, else the sample's mean times `keys`.
  std::uint64_t bytes() const;
};

struct Stats {
  std::map<std::pair<std::string, std::string>, Group> endpoints{};  // (provider, endpoint)
  std::uint64_t db_keys = 0;        // DBSIZE: every key of the database, cache or not
  std::uint64_t scanned = 0;        // keys SCAN returned under the prefix (duplicates included)
  std::size_t sample_size = 0;      // MEMORY USAGE per endpoint at most
  bool memory_available = true;     // false: Redis refused MEMORY USAGE (an ACL)
};

// Remembers which keys were seen, by a 64-bit hash of each (about 40 bytes a key): SCAN may
// return a key more than once while Redis resizes its table, and counts must not.
class KeySet {
 public:
  // True the first time `key` is inserted.
  bool Insert(std::string_view key);
  std::size_t size() const { return hashes_.size(); }

 private:
  std::unordered_set<std::uint64_t> hashes_{};
};

// Gathers the keys SCAN returns into Stats, keeping a reservoir sample per endpoint. Keys
// that are not the gateway's cache, or another provider's than `provider` (when set), are
// ignored, and so are repeats.
class StatsCollector {
 public:
  StatsCollector(std::string provider, std::size_t sample_size, std::uint32_t seed = 0x7f4a7c15);
  void Add(std::string_view redis_key);
  Stats& stats() { return stats_; }

 private:
  std::string provider_;
  Stats stats_;
  std::minstd_rand random_;
  KeySet seen_{};
};

// "12.3 MiB" style (B, KiB, MiB, GiB; one decimal above bytes).
std::string FormatBytes(std::uint64_t bytes);

// The table `tunefleet cache stats` prints: one row per provider (its total) followed by its
// endpoints, then how memory was measured.
std::string FormatStatsTable(const Stats& stats, const HitCountsByProvider& hit_counts);
// The same as one JSON document.
std::string FormatStatsJson(const Stats& stats, const HitCountsByProvider& hit_counts);

}  // namespace cli::cache
