#include "tools/tunefleet/cache_keys.hpp"

#include <getopt.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "common/gateway/redis_keys.hpp"

namespace cli::cache {
namespace {

constexpr const char* kUsage =
    "usage: tunefleet cache stats|invalidate [flags]\n"
    "\n"
    "The gateway's response cache in Redis (keys tunefleet:cache:<provider>:<endpoint>:...).\n"
    "\n"
    "  stats       [--provider P] [--json]      keys and memory per provider and endpoint\n"
    "  invalidate  --provider P [--endpoint E] [--key K | --match PATTERN] [--dry-run]\n"
    "                                           remove cache entries (SCAN + UNLINK in batches)\n"
    "\n"
    "Run `tunefleet cache <subcommand> --help` for details.\n"
    "\n"
    "environment: TUNEFLEET_REDIS_URL, TUNEFLEET_REDIS_CA_FILE (rediss://)\n"
    "exit: 0 done, 1 failed (Redis unreachable or refused a command), 2 bad flags or configuration\n";

constexpr const char* kStatsUsage =
    "usage: tunefleet cache stats [--provider P] [--json]\n"
    "\n"
    "Counts the response cache's keys per provider and per endpoint (the first segment of the\n"
    "cache key, e.g. spotify track, musicbrainz recording-search) with SCAN (never KEYS), and\n"
    "their memory with MEMORY USAGE: summed over every key when an endpoint has at most 1000,\n"
    "else over a random sample of 1000 and scaled up to the count (shown with \"~\"). Keys that\n"
    "are not the cache (the fleet rate limit's tunefleet:ratelimit:*, anything else) are not\n"
    "counted. HIT-RATIO is \"-\" until the workers' hit and miss counts reach the CLI.\n"
    "\n"
    "  --provider P   only this provider's keys\n"
    "  --json         one JSON document instead of the table\n"
    "  -h, --help     this text\n"
    "\n"
    "environment: TUNEFLEET_REDIS_URL, TUNEFLEET_REDIS_CA_FILE (rediss://)\n"
    "exit: 0 done, 1 Redis unreachable or refused a command, 2 bad flags or configuration\n";

constexpr const char* kInvalidateUsage =
    "usage: tunefleet cache invalidate --provider P [--endpoint E] [--key K | --match PATTERN] [--dry-run]\n"
    "\n"
    "Removes response cache entries of one provider: with SCAN MATCH (COUNT 1000, never KEYS)\n"
    "and UNLINK of at most 500 keys per command, one command at a time, so the workers sharing\n"
    "Redis keep being answered. Every key is checked to start with tunefleet:cache:<P>: (and\n"
    "<E>: with --endpoint) before it is removed: the rate limit's keys and other providers'\n"
    "entries are never touched. Prints how many keys matched and how many were removed;\n"
    "progress goes to stderr every 2 s on long runs. Ctrl-C stops after the current batch.\n"
    "\n"
    "  --provider P     the provider whose entries go (every entry of it, without the flags below)\n"
    "  --endpoint E     only this endpoint's entries (see `tunefleet cache stats --provider P`)\n"
    "  --key K          one entry: its cache key after tunefleet:cache:<P>:[<E>:], e.g.\n"
    "                   --key track:4uLU6hMCjMI75M1A2tKUQC; a whole key starting with\n"
    "                   tunefleet:cache:<P>: is accepted too\n"
    "  --match PATTERN  entries whose cache key (after tunefleet:cache:<P>:[<E>:]) matches the\n"
    "                   Redis glob PATTERN (* ? [abc] \\x), e.g. --match 'search:track:radiohead:*';\n"
    "                   a whole pattern starting with tunefleet:cache:<P>: is accepted too\n"
    "  --dry-run        count what would be removed; remove nothing\n"
    "  -h, --help       this text\n"
    "\n"
    "environment: TUNEFLEET_REDIS_URL, TUNEFLEET_REDIS_CA_FILE (rediss://)\n"
    "exit: 0 done (also when nothing matched), 1 Redis unreachable, refused a command, or the\n"
    "      run was interrupted, 2 bad flags or configuration (nothing was removed)\n";

constexpr std::string_view kGlobSpecial = "*?[]\\";
constexpr std::string_view kWholeKeyStart = "tunefleet:";

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// `value` read after `scope`: as it is, or, when it is a whole key or pattern (starts with
// "tunefleet:"), with `scope` cut off. nullopt when a whole one does not start with `scope`.
std::optional<std::string> AfterScope(const std::string& value, const std::string& scope) {
  if (!value.starts_with(kWholeKeyStart)) return value;
  if (!value.starts_with(scope)) return std::nullopt;
  return value.substr(scope.size());
}

}  // namespace

const char* Usage() { return kUsage; }

const char* Usage(Sub sub) { return sub == Sub::kStats ? kStatsUsage : kInvalidateUsage; }

core::Result<Options> ParseArgs(Sub sub, int argc, char* argv[], const std::vector<std::string>& providers) {
  enum : int { kProvider = 256, kEndpoint, kKey, kMatch, kDryRun, kJson };
  static const option kLong[] = {
      {"provider", required_argument, nullptr, kProvider},
      {"endpoint", required_argument, nullptr, kEndpoint},
      {"key", required_argument, nullptr, kKey},
      {"match", required_argument, nullptr, kMatch},
      {"dry-run", no_argument, nullptr, kDryRun},
      {"json", no_argument, nullptr, kJson},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  const std::string name = sub == Sub::kStats ? "stats" : "invalidate";
  Options options;
  options.sub = sub;
  opterr = 0;  // we print our own one-line messages
  optind = 0;  // glibc: full re-initialization
  int c = 0;
  while ((c = getopt_long(argc, argv, ":h", kLong, nullptr)) != -1) {
    const bool stats_only = c == kJson;
    const bool invalidate_only = c == kEndpoint || c == kKey || c == kMatch || c == kDryRun;
    if ((stats_only && sub != Sub::kStats) || (invalidate_only && sub != Sub::kInvalidate)) {
      return core::Error::InvalidInput(std::string(argv[optind - 1]) + " is not a flag of cache " + name);
    }
    const std::string value = optarg != nullptr ? optarg : "";
    switch (c) {
      case kProvider:
        if (std::find(providers.begin(), providers.end(), value) == providers.end()) {
          return core::Error::InvalidInput("--provider \"" + value + "\": unknown provider (expected one of " +
                                           Join(providers) + ")");
        }
        options.provider = value;
        break;
      case kEndpoint:
        if (value.empty() || value.find_first_of(std::string(kGlobSpecial) + ":") != std::string::npos) {
          return core::Error::InvalidInput("--endpoint \"" + value +
                                           "\": an endpoint is one name without \":\" or glob characters (* ? [ ] \\), "
                                           "as `tunefleet cache stats` lists them; use --match for patterns");
        }
        options.endpoint = value;
        break;
      case kKey:
        if (value.empty()) return core::Error::InvalidInput("--key needs a cache key, e.g. --key track:<id>");
        options.key = value;
        break;
      case kMatch:
        if (value.empty()) return core::Error::InvalidInput("--match needs a pattern, e.g. --match 'search:*'");
        options.match = value;
        break;
      case kDryRun: options.dry_run = true; break;
      case kJson: options.json = true; break;
      case 'h': options.help = true; return options;
      case ':': return core::Error::InvalidInput(std::string(argv[optind - 1]) + " needs a value");
      default:
        if (optopt != 0) return core::Error::InvalidInput(std::string("unknown option -") + static_cast<char>(optopt));
        return core::Error::InvalidInput(std::string("unknown option ") + argv[optind - 1]);
    }
  }
  if (optind < argc) return core::Error::InvalidInput(std::string("unexpected argument \"") + argv[optind] + "\"");
  if (sub == Sub::kInvalidate) {
    if (options.provider.empty()) {
      return core::Error::InvalidInput("missing --provider P (one of " + Join(providers) + ")");
    }
    if (options.key && options.match) {
      return core::Error::InvalidInput("--key and --match together: give --key for one entry or --match for a pattern");
    }
  }
  return options;
}

std::string Scope(std::string_view provider, std::string_view endpoint) {
  std::string scope = gateway::CacheRedisKey(provider, endpoint);
  if (!endpoint.empty()) scope += ':';
  return scope;
}

std::string EscapeGlob(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (kGlobSpecial.find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

core::Result<void> CheckGlob(std::string_view pattern) {
  if (pattern.empty()) return core::Error::InvalidInput("the pattern is empty");
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (i + 1 == pattern.size()) return core::Error::InvalidInput("the pattern ends in \"\\\", which escapes nothing");
      ++i;
    } else if (pattern[i] == '[') {
      // Redis reads "[" up to the next unescaped "]"; without one the class runs to the end.
      std::size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      bool closed = false;
      for (; j < pattern.size(); ++j) {
        if (pattern[j] == '\\') {
          ++j;
        } else if (pattern[j] == ']') {
          closed = true;
          break;
        }
      }
      if (!closed) return core::Error::InvalidInput("the pattern has a \"[\" without its \"]\" (\\[ matches a \"[\")");
      i = j;
    }
  }
  return core::Ok();
}

std::optional<CacheKey> ClassifyKey(std::string_view redis_key) {
  if (!redis_key.starts_with(gateway::kCacheKeyPrefix)) return std::nullopt;
  std::string_view rest = redis_key.substr(gateway::kCacheKeyPrefix.size());
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;  // not a key the gateway writes
  CacheKey key;
  key.provider = std::string(rest.substr(0, colon));
  rest.remove_prefix(colon + 1);
  key.endpoint = std::string(rest.substr(0, rest.find(':')));
  return key;
}

core::Result<Target> ResolveTarget(const Options& options) {
  Target target;
  target.scope = Scope(options.provider, options.endpoint);
  const std::string where = options.endpoint.empty() ? "provider " + options.provider
                                                      : options.provider + " endpoint " + options.endpoint;
  if (options.key) {
    auto rest = AfterScope(*options.key, target.scope);
    if (!rest) {
      return core::Error::InvalidInput("--key \"" + *options.key + "\" is not a cache key of " + where +
                                       ": a whole key must start with " + target.scope +
                                       " (or give the part after it)");
    }
    if (rest->empty()) return core::Error::InvalidInput("--key \"" + *options.key + "\" names no entry, only its prefix");
    target.exact_key = target.scope + *rest;
    target.shown = target.exact_key;
    return target;
  }
  std::string relative = "*";
  if (options.match) {
    if (auto checked = CheckGlob(*options.match); !checked) {
      return core::Error::InvalidInput("--match \"" + *options.match + "\": " + checked.error().message);
    }
    auto rest = AfterScope(*options.match, target.scope);
    if (!rest) {
      return core::Error::InvalidInput("--match \"" + *options.match + "\" could match keys outside " + target.scope +
                                       " (other providers' entries, the rate limit's keys): a whole pattern must "
                                       "start with " + target.scope + " literally; or give only the part after it, "
                                       "e.g. --match 'track:*'");
    }
    relative = rest->empty() ? "*" : *rest;
    if (auto checked = CheckGlob(relative); !checked) {
      return core::Error::InvalidInput("--match \"" + *options.match + "\": " + checked.error().message);
    }
  }
  target.scan_pattern = EscapeGlob(target.scope) + relative;
  target.shown = target.scan_pattern;
  return target;
}

std::optional<double> HitRatio(const HitCountsByProvider& counts, const std::string& provider) {
  auto found = counts.find(provider);
  if (found == counts.end()) return std::nullopt;
  const auto total = found->second.hits + found->second.misses;
  if (total == 0) return std::nullopt;
  return static_cast<double>(found->second.hits) / static_cast<double>(total);
}

std::uint64_t Group::bytes() const {
  if (sampled == 0) return 0;
  if (exact()) return sampled_bytes;
  const double mean = static_cast<double>(sampled_bytes) / static_cast<double>(sampled);
  return static_cast<std::uint64_t>(std::llround(mean * static_cast<double>(keys)));
}

bool KeySet::Insert(std::string_view key) { return hashes_.insert(std::hash<std::string_view>{}(key)).second; }

StatsCollector::StatsCollector(std::string provider, std::size_t sample_size, std::uint32_t seed)
    : provider_(std::move(provider)), random_(seed) {
  stats_.sample_size = sample_size;
}

void StatsCollector::Add(std::string_view redis_key) {
  ++stats_.scanned;
  auto key = ClassifyKey(redis_key);
  if (!key || (!provider_.empty() && key->provider != provider_)) return;
  if (!seen_.Insert(redis_key)) return;
  Group& group = stats_.endpoints[{key->provider, key->endpoint}];
  ++group.keys;
  // Reservoir sampling (Algorithm R): every key seen so far is in the sample with the same
  // probability, whatever order SCAN returns them in.
  if (group.sample.size() < stats_.sample_size) {
    group.sample.emplace_back(redis_key);
  } else {
    std::uniform_int_distribution<std::uint64_t> pick(0, group.keys - 1);
    const std::uint64_t slot = pick(random_);
    if (slot < stats_.sample_size) group.sample[static_cast<std::size_t>(slot)] = std::string(redis_key);
  }
}

std::string FormatBytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  if (unit == 0) std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  else std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

namespace {

struct ProviderTotal {
  std::uint64_t keys = 0;
  std::uint64_t bytes = 0;  // its endpoints' sum
  bool exact = true;
};

std::map<std::string, ProviderTotal> Totals(const Stats& stats) {
  std::map<std::string, ProviderTotal> totals;
  for (const auto& [where, group] : stats.endpoints) {
    auto& total = totals[where.first];
    total.keys += group.keys;
    total.bytes += group.bytes();
    total.exact = total.exact && group.exact();
  }
  return totals;
}

std::string Memory(const Stats& stats, std::uint64_t bytes, bool exact) {
  if (!stats.memory_available) return "?";
  return (exact ? "" : "~") + FormatBytes(bytes);
}

std::string Ratio(std::optional<double> ratio) {
  if (!ratio) return "-";
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", *ratio * 100.0);
  return text;
}

}  // namespace

std::string FormatStatsTable(const Stats& stats, const HitCountsByProvider& hit_counts) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-14s %-26s %10s %12s %9s\n", "PROVIDER", "ENDPOINT", "KEYS", "MEMORY", "HIT-RATIO");
  out += line;
  const auto totals = Totals(stats);
  std::uint64_t all_keys = 0;
  std::uint64_t all_bytes = 0;
  bool all_exact = true;
  bool any_estimated = false;
  for (const auto& [provider, total] : totals) {
    std::snprintf(line, sizeof line, "%-14s %-26s %10llu %12s %9s\n", provider.c_str(), "(all)",
                  static_cast<unsigned long long>(total.keys), Memory(stats, total.bytes, total.exact).c_str(),
                  Ratio(HitRatio(hit_counts, provider)).c_str());
    out += line;
    for (const auto& [where, group] : stats.endpoints) {
      if (where.first != provider) continue;
      std::snprintf(line, sizeof line, "%-14s %-26s %10llu %12s %9s\n", "", where.second.c_str(),
                    static_cast<unsigned long long>(group.keys), Memory(stats, group.bytes(), group.exact()).c_str(),
                    "-");
      out += line;
      any_estimated = any_estimated || !group.exact();
    }
    all_keys += total.keys;
    all_bytes += total.bytes;
    all_exact = all_exact && total.exact;
  }
  if (totals.empty()) out += "(no cache keys)\n";
  std::snprintf(line, sizeof line, "\n%llu cache keys, %s, of %llu keys in the database\n",
                static_cast<unsigned long long>(all_keys), Memory(stats, all_bytes, all_exact).c_str(),
                static_cast<unsigned long long>(stats.db_keys));
  out += line;
  if (!stats.memory_available) {
    out += "memory: ? = Redis refused MEMORY USAGE (an ACL?)\n";
  } else if (any_estimated) {
    std::snprintf(line, sizeof line,
                  "memory: MEMORY USAGE summed over every key, except ~ = estimated from a random sample of %zu "
                  "keys of that endpoint, scaled up to its count\n",
                  stats.sample_size);
    out += line;
  } else {
    out += "memory: exact (MEMORY USAGE of every key)\n";
  }
  if (hit_counts.empty()) out += "hit ratio: - = not known to the CLI yet (the workers count tunefleet_cache_hits_total)\n";
  return out;
}

std::string FormatStatsJson(const Stats& stats, const HitCountsByProvider& hit_counts) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  const auto totals = Totals(stats);
  auto memory = [&](std::uint64_t bytes) {
    if (stats.memory_available) w.Uint64(bytes);
    else w.Null();
  };
  w.StartObject();
  w.Key("db_keys");
  w.Uint64(stats.db_keys);
  w.Key("sample_size");
  w.Uint64(stats.sample_size);
  w.Key("memory_available");
  w.Bool(stats.memory_available);
  w.Key("providers");
  w.StartArray();
  for (const auto& [provider, total] : totals) {
    w.StartObject();
    w.Key("provider");
    w.String(provider.c_str(), static_cast<rapidjson::SizeType>(provider.size()));
    w.Key("keys");
    w.Uint64(total.keys);
    w.Key("memory_bytes");
    memory(total.bytes);
    w.Key("memory_exact");
    w.Bool(total.exact);
    w.Key("hit_ratio");
    if (auto ratio = HitRatio(hit_counts, provider)) w.Double(*ratio);
    else w.Null();
    w.Key("endpoints");
    w.StartArray();
    for (const auto& [where, group] : stats.endpoints) {
      if (where.first != provider) continue;
      w.StartObject();
      w.Key("endpoint");
      w.String(where.second.c_str(), static_cast<rapidjson::SizeType>(where.second.size()));
      w.Key("keys");
      w.Uint64(group.keys);
      w.Key("memory_bytes");
      memory(group.bytes());
      w.Key("memory_exact");
      w.Bool(group.exact());
      w.Key("memory_sampled_keys");
      w.Uint64(group.sampled);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace cli::cache
