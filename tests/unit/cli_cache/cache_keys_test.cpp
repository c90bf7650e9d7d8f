#include "tools/tunefleet/cache_keys.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace cli::cache {
namespace {

const std::vector<std::string> kProviders = {"spotify", "lastfm", "musicbrainz", "discogs"};

// getopt_long wants mutable, null-terminated argv.
class Argv {
 public:
  Argv(std::initializer_list<std::string> args) : storage_(args) {
    for (auto& arg : storage_) pointers_.push_back(arg.data());
    pointers_.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(storage_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> pointers_;
};

core::Result<Options> Parse(Sub sub, std::initializer_list<std::string> args) {
  Argv argv(args);
  return ParseArgs(sub, argv.argc(), argv.argv(), kProviders);
}

Options Invalidate(std::string provider) {
  Options options;
  options.sub = Sub::kInvalidate;
  options.provider = std::move(provider);
  return options;
}

TEST(CacheArgs, InvalidateTakesProviderEndpointMatchAndDryRun) {
  auto options = Parse(Sub::kInvalidate, {"invalidate", "--provider", "spotify", "--endpoint", "track", "--match",
                                          "1*", "--dry-run"});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->provider, "spotify");
  EXPECT_EQ(options->endpoint, "track");
  EXPECT_EQ(options->match, "1*");
  EXPECT_FALSE(options->key.has_value());
  EXPECT_TRUE(options->dry_run);
}

TEST(CacheArgs, UnknownProviderIsNamedWithTheKnownOnes) {
  auto options = Parse(Sub::kInvalidate, {"invalidate", "--provider", "spotfy"});
  ASSERT_FALSE(options);
  EXPECT_NE(options.error().message.find("\"spotfy\": unknown provider"), std::string::npos);
  EXPECT_NE(options.error().message.find("spotify, lastfm, musicbrainz, discogs"), std::string::npos);
}

TEST(CacheArgs, KeyAndMatchTogetherAreRefused) {
  auto options = Parse(Sub::kInvalidate, {"invalidate", "--provider", "spotify", "--key", "track:1", "--match", "*"});
  ASSERT_FALSE(options);
  EXPECT_NE(options.error().message.find("--key and --match together"), std::string::npos);
}

TEST(CacheArgs, InvalidateNeedsAProvider) {
  auto options = Parse(Sub::kInvalidate, {"invalidate", "--match", "*"});
  ASSERT_FALSE(options);
  EXPECT_NE(options.error().message.find("missing --provider"), std::string::npos);
}

TEST(CacheArgs, StatsTakesProviderAndJsonOnly) {
  auto options = Parse(Sub::kStats, {"stats", "--provider", "lastfm", "--json"});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->provider, "lastfm");
  EXPECT_TRUE(options->json);
  EXPECT_TRUE(Parse(Sub::kStats, {"stats"}));
  auto dry = Parse(Sub::kStats, {"stats", "--dry-run"});
  ASSERT_FALSE(dry);
  EXPECT_EQ(dry.error().message, "--dry-run is not a flag of cache stats");
  EXPECT_FALSE(Parse(Sub::kInvalidate, {"invalidate", "--provider", "spotify", "--json"}));
}

TEST(CacheArgs, EndpointWithColonOrGlobIsRefused) {
  EXPECT_FALSE(Parse(Sub::kInvalidate, {"invalidate", "--provider", "spotify", "--endpoint", "search:track"}));
  EXPECT_FALSE(Parse(Sub::kInvalidate, {"invalidate", "--provider", "spotify", "--endpoint", "tr*"}));
  EXPECT_FALSE(Parse(Sub::kInvalidate, {"invalidate", "--provider", "spotify", "--endpoint", ""}));
}

TEST(CacheArgs, MissingValueAndStrayArgumentsAreNamed) {
  auto missing = Parse(Sub::kInvalidate, {"invalidate", "--provider"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "--provider needs a value");
  auto stray = Parse(Sub::kStats, {"stats", "spotify"});
  ASSERT_FALSE(stray);
  EXPECT_EQ(stray.error().message, "unexpected argument \"spotify\"");
}

TEST(CacheArgs, HelpStopsParsing) {
  auto options = Parse(Sub::kInvalidate, {"invalidate", "--help"});
  ASSERT_TRUE(options);
  EXPECT_TRUE(options->help);
}

TEST(ClassifyKey, TakesProviderAndEndpointFromTheGatewaysLayout) {
  auto key = ClassifyKey("tunefleet:cache:spotify:search:track:radiohead:karma%20police");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->provider, "spotify");
  EXPECT_EQ(key->endpoint, "search");
  key = ClassifyKey("tunefleet:cache:musicbrainz:release-group:releases:abc");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->endpoint, "release-group");
  key = ClassifyKey("tunefleet:cache:discogs:release:/releases/42");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->endpoint, "release");
  key = ClassifyKey("tunefleet:cache:lastfm:track.getTopTags");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->endpoint, "track.getTopTags");
}

TEST(ClassifyKey, RateLimitAndForeignKeysAreNotCache) {
  EXPECT_FALSE(ClassifyKey("tunefleet:ratelimit:spotify"));
  EXPECT_FALSE(ClassifyKey("other:tunefleet:cache:spotify:track:1"));
  EXPECT_FALSE(ClassifyKey("tunefleet:cache:spotify"));
  EXPECT_FALSE(ClassifyKey("tunefleet:cache::track:1"));
  EXPECT_FALSE(ClassifyKey(""));
}

TEST(ResolveTarget, ProviderAloneIsItsWholeCache) {
  auto target = ResolveTarget(Invalidate("spotify"));
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->scope, "tunefleet:cache:spotify:");
  EXPECT_EQ(target->scan_pattern, "tunefleet:cache:spotify:*");
  EXPECT_TRUE(target->exact_key.empty());
}

TEST(ResolveTarget, MatchIsReadAfterProviderAndEndpoint) {
  auto options = Invalidate("spotify");
  options.endpoint = "track";
  options.match = "1*";
  auto target = ResolveTarget(options);
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->scope, "tunefleet:cache:spotify:track:");
  EXPECT_EQ(target->scan_pattern, "tunefleet:cache:spotify:track:1*");
}

TEST(ResolveTarget, AWholePatternInsideTheScopeIsAccepted) {
  auto options = Invalidate("spotify");
  options.match = "tunefleet:cache:spotify:search:*";
  auto target = ResolveTarget(options);
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->scan_pattern, "tunefleet:cache:spotify:search:*");
}

TEST(ResolveTarget, PatternsThatCouldLeaveTheProvidersPrefixAreRefused) {
  for (const std::string pattern : {"tunefleet:*", "tunefleet:cache:*", "tunefleet:cache:spot*",
                                    "tunefleet:cache:spotify*", "tunefleet:ratelimit:*", "tunefleet:cache:lastfm:*",
                                    "tunefleet:cache:[s]potify:*"}) {
    auto options = Invalidate("spotify");
    options.match = pattern;
    auto target = ResolveTarget(options);
    ASSERT_FALSE(target) << pattern << " was accepted as " << target->scan_pattern;
    EXPECT_NE(target.error().message.find("could match keys outside tunefleet:cache:spotify:"), std::string::npos)
        << target.error().message;
  }
}

TEST(ResolveTarget, MalformedPatternsAreRefused) {
  for (const std::string pattern : {"track:[12", "track:\\", "[^"}) {
    auto options = Invalidate("spotify");
    options.match = pattern;
    EXPECT_FALSE(ResolveTarget(options)) << pattern;
  }
  auto options = Invalidate("spotify");
  options.match = "track:[12]\\*";
  EXPECT_TRUE(ResolveTarget(options));
}

TEST(ResolveTarget, KeyIsOneExactKeyInsideTheScope) {
  auto options = Invalidate("spotify");
  options.key = "track:4uLU*";
  auto target = ResolveTarget(options);
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->exact_key, "tunefleet:cache:spotify:track:4uLU*");  // UNLINK takes it literally
  options.key = "tunefleet:cache:spotify:album:1";
  target = ResolveTarget(options);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->exact_key, "tunefleet:cache:spotify:album:1");
  options.key = "tunefleet:cache:lastfm:track.getTopTags:a:b";
  EXPECT_FALSE(ResolveTarget(options));
  options.key = "tunefleet:ratelimit:spotify";
  EXPECT_FALSE(ResolveTarget(options));
}

TEST(ResolveTarget, ProviderNamesArePlainTextInThePattern) {
  EXPECT_EQ(EscapeGlob("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f");
}

TEST(HitRatio, IsMissingWithoutCountsAndAShareWithThem) {
  HitCountsByProvider counts;
  EXPECT_FALSE(HitRatio(counts, "spotify"));
  counts["spotify"] = {.hits = 3, .misses = 1};
  counts["lastfm"] = {.hits = 0, .misses = 0};
  EXPECT_DOUBLE_EQ(*HitRatio(counts, "spotify"), 0.75);
  EXPECT_FALSE(HitRatio(counts, "lastfm"));
}

Stats Collect(std::size_t sample_size, const std::vector<std::string>& keys, std::string provider = {}) {
  StatsCollector collector(std::move(provider), sample_size);
  for (const auto& key : keys) collector.Add(key);
  return collector.stats();
}

TEST(StatsCollector, CountsPerProviderAndEndpointIgnoringRepeatsAndOtherKeys) {
  auto stats = Collect(10, {"tunefleet:cache:spotify:track:1", "tunefleet:cache:spotify:track:2",
                            "tunefleet:cache:spotify:track:1", "tunefleet:cache:spotify:album:1",
                            "tunefleet:cache:lastfm:track.getTopTags:a:b", "tunefleet:ratelimit:spotify"});
  EXPECT_EQ(stats.endpoints.size(), 3u);
  EXPECT_EQ((stats.endpoints[{"spotify", "track"}].keys), 2u);
  EXPECT_EQ((stats.endpoints[{"spotify", "album"}].keys), 1u);
  EXPECT_EQ((stats.endpoints[{"lastfm", "track.getTopTags"}].keys), 1u);
}

TEST(StatsCollector, KeepsToTheProviderAskedFor) {
  auto stats = Collect(10, {"tunefleet:cache:spotify:track:1", "tunefleet:cache:lastfm:x:y"}, "lastfm");
  ASSERT_EQ(stats.endpoints.size(), 1u);
  EXPECT_EQ(stats.endpoints.begin()->first.first, "lastfm");
}

TEST(StatsCollector, SamplesAtMostTheSampleSizeAndScalesTheMemory) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("tunefleet:cache:spotify:track:" + std::to_string(i));
  auto stats = Collect(100, keys);
  Group& group = stats.endpoints[{"spotify", "track"}];
  EXPECT_EQ(group.keys, 1000u);
  EXPECT_EQ(group.sample.size(), 100u);
  EXPECT_FALSE(group.exact());
  group.sampled = 100;
  group.sampled_bytes = 100 * 80;
  EXPECT_EQ(group.bytes(), 80000u);
}

TEST(StatsCollector, SmallEndpointsAreMeasuredWhole) {
  auto stats = Collect(100, {"tunefleet:cache:spotify:track:1", "tunefleet:cache:spotify:track:2"});
  Group& group = stats.endpoints[{"spotify", "track"}];
  EXPECT_TRUE(group.exact());
  group.sampled = 1;  // the other expired between SCAN and MEMORY USAGE: it uses nothing now
  group.sampled_bytes = 90;
  EXPECT_EQ(group.bytes(), 90u);
}

TEST(FormatStats, TablePrintsADashWithoutHitCountsAndMarksEstimates) {
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back("tunefleet:cache:spotify:track:" + std::to_string(i));
  keys.push_back("tunefleet:cache:spotify:album:1");
  auto stats = Collect(10, keys);
  stats.db_keys = 25;
  for (auto& [where, group] : stats.endpoints) {
    group.sampled = group.sample.size();
    group.sampled_bytes = 100 * group.sampled;
  }
  auto table = FormatStatsTable(stats, {});
  EXPECT_NE(table.find("HIT-RATIO"), std::string::npos);
  EXPECT_NE(table.find("~2.0 KiB"), std::string::npos) << table;  // track: 20 keys, estimated
  EXPECT_NE(table.find("100 B"), std::string::npos) << table;     // album: exact
  EXPECT_NE(table.find("hit ratio: - = not known"), std::string::npos) << table;
  EXPECT_NE(table.find("21 cache keys"), std::string::npos) << table;
  auto with_counts = FormatStatsTable(stats, {{"spotify", {.hits = 1, .misses = 3}}});
  EXPECT_NE(with_counts.find("25.0%"), std::string::npos) << with_counts;
}

TEST(FormatStats, JsonCarriesCountsMemoryAndANullHitRatio) {
  auto stats = Collect(10, {"tunefleet:cache:spotify:track:1", "tunefleet:cache:lastfm:m:a"});
  for (auto& [where, group] : stats.endpoints) {
    group.sampled = 1;
    group.sampled_bytes = 64;
  }
  rapidjson::Document doc;
  doc.Parse(FormatStatsJson(stats, {}).c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& providers = doc["providers"];
  ASSERT_EQ(providers.Size(), 2u);
  EXPECT_STREQ(providers[0]["provider"].GetString(), "lastfm");
  EXPECT_EQ(providers[0]["keys"].GetUint64(), 1u);
  EXPECT_TRUE(providers[0]["hit_ratio"].IsNull());
  EXPECT_EQ(providers[1]["endpoints"][0]["memory_bytes"].GetUint64(), 64u);
  EXPECT_TRUE(providers[1]["endpoints"][0]["memory_exact"].GetBool());
}

TEST(FormatBytes, UsesBinaryUnits) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(3u * 1024 * 1024), "3.0 MiB");
}

}  // namespace
}  // namespace cli::cache
