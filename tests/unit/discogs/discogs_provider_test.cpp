// The Discogs provider's settings and request paths (the flow itself runs against
// provider-sim in tests/integration/discogs/).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "workers/discogs/discogs_provider.hpp"
#include "workers/discogs/discogs_spec.hpp"

namespace discogs {
namespace {

config::Env EnvOf(std::map<std::string, std::string> values) {
  return config::Env([values = std::move(values)](const std::string& key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

// What the worker does: the runtime reads the spec's policy and TTLs over `env`, then the
// provider its own variables.
DiscogsSettings Load(const config::Env& env, const runtime::ProviderSpec& spec = Spec()) {
  return LoadDiscogsSettings(env, runtime::LoadProviderSettings(env, spec));
}

TEST(DiscogsSettings, DefaultPolicyIsDesignsDiscogsRow) {
  runtime::ProviderPolicy p = Spec().policy;
  EXPECT_EQ(p.base_url, "https://api.discogs.com");
  EXPECT_DOUBLE_EQ(p.rate_per_second, 1.0);
  EXPECT_DOUBLE_EQ(p.burst, 5);
  EXPECT_EQ(p.breaker_failures, 5);
  EXPECT_EQ(p.breaker_open, std::chrono::seconds(60));
  EXPECT_EQ(p.breaker_successes, 2);
  EXPECT_EQ(p.remaining_header, "x-discogs-ratelimit-remaining");
  EXPECT_NE(p.user_agent.find("tunefleet-discogs"), std::string::npos);
  auto settings = runtime::LoadProviderSettings(EnvOf({}), Spec());
  EXPECT_EQ(settings.gateway.remaining_header, "x-discogs-ratelimit-remaining");
  EXPECT_DOUBLE_EQ(settings.gateway.rate_limit.rate_per_second, 1.0);
}

TEST(DiscogsSettings, MissingTokenIsAConfigErrorNamingTheVariable) {
  try {
    (void)Load(EnvOf({}));
    FAIL() << "expected a ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("TUNEFLEET_DISCOGS_TOKEN"), std::string::npos) << e.what();
  }
}

TEST(DiscogsSettings, TokenComesFromTheVariableOrAFile) {
  auto s = Load(EnvOf({{"TUNEFLEET_DISCOGS_TOKEN", "abc123"}}));
  EXPECT_EQ(s.token, "abc123");
  EXPECT_TRUE(s.cache);
  EXPECT_EQ(s.release_ttl, std::chrono::hours(24 * 30));

  auto path = std::filesystem::temp_directory_path() / ("discogs-token-" + std::to_string(::getpid()));
  std::ofstream(path) << "from-file\n";
  auto from_file = Load(EnvOf({{"TUNEFLEET_DISCOGS_TOKEN_FILE", path.string()}}));
  std::filesystem::remove(path);
  EXPECT_EQ(from_file.token, "from-file");
}

TEST(DiscogsSettings, TokenWithAControlCharacterIsRefused) {
  EXPECT_THROW((void)Load(EnvOf({{"TUNEFLEET_DISCOGS_TOKEN", "abc\r\nX-Evil: 1"}})),
               config::ConfigError);
}

TEST(DiscogsSettings, CacheAndTtlsAreOverridable) {
  runtime::ProviderSpec spec = Spec();
  spec.policy.base_url = "http://127.0.0.1:8089/discogs/";
  auto s = Load(EnvOf({{"TUNEFLEET_DISCOGS_TOKEN", "t"},
                       {"TUNEFLEET_DISCOGS_CACHE", "false"},
                       {"TUNEFLEET_DISCOGS_RELEASE_CACHE_TTL", "2h"},
                       {"TUNEFLEET_DISCOGS_PER_PAGE", "10"}}),
                spec);
  EXPECT_EQ(s.base_url, "http://127.0.0.1:8089/discogs");
  EXPECT_FALSE(s.cache);
  EXPECT_EQ(s.release_ttl, std::chrono::hours(2));
  EXPECT_EQ(s.per_page, 10);
  EXPECT_THROW((void)Load(EnvOf({{"TUNEFLEET_DISCOGS_TOKEN", "t"}, {"TUNEFLEET_DISCOGS_PER_PAGE", "0"}}), spec),
               config::ConfigError);
}

TEST(DiscogsSettings, SearchPagesAndArtistTtlHaveDefaultsAndBounds) {
  auto s = Load(EnvOf({{"TUNEFLEET_DISCOGS_TOKEN", "t"}}));
  EXPECT_EQ(s.search_pages, 3);
  EXPECT_EQ(s.artist_ttl, std::chrono::hours(24 * 30));
  auto set = Load(EnvOf({{"TUNEFLEET_DISCOGS_TOKEN", "t"},
                         {"TUNEFLEET_DISCOGS_SEARCH_PAGES", "1"},
                         {"TUNEFLEET_DISCOGS_ARTIST_CACHE_TTL", "1h"}}));
  EXPECT_EQ(set.search_pages, 1);
  EXPECT_EQ(set.artist_ttl, std::chrono::hours(1));
  try {
    (void)Load(EnvOf({{"TUNEFLEET_DISCOGS_TOKEN", "t"}, {"TUNEFLEET_DISCOGS_SEARCH_PAGES", "0"}}));
    FAIL() << "expected a ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("TUNEFLEET_DISCOGS_SEARCH_PAGES"), std::string::npos) << e.what();
  }
}

TEST(DiscogsRequests, LaterPagesAppendThePageNumber) {
  json::AlbumJob job;
  job.artist = "Nirvana";
  job.album = "Nevermind";
  std::string path = AlbumSearchPath(job, 5);
  EXPECT_EQ(PagePath(path, 1), path);  // page 1 keeps the cache key it always had
  EXPECT_EQ(PagePath(path, 2), path + "&page=2");
  EXPECT_EQ(PagePath("/database/search", 3), "/database/search?page=3");
}

TEST(DiscogsRequests, TrackSearchUsesTheAlbumAsReleaseTitleWhenPresent) {
  json::TrackJob job;
  job.artist = "AC/DC";
  job.title = "T.N.T. & more";
  EXPECT_EQ(TrackSearchPath(job, 5), "/database/search?type=release&artist=AC%2FDC&track=T.N.T.%20%26%20more&per_page=5");
  job.album = "High Voltage";
  EXPECT_EQ(TrackSearchPath(job, 5), "/database/search?type=release&artist=AC%2FDC&release_title=High%20Voltage&per_page=5");
}

TEST(DiscogsRequests, AlbumSearchEncodesUtf8) {
  json::AlbumJob job;
  job.artist = "Sigur Rós";
  job.album = "( )";
  EXPECT_EQ(AlbumSearchPath(job, 5), "/database/search?type=release&artist=Sigur%20R%C3%B3s&release_title=%28%20%29&per_page=5");
}

}  // namespace
}  // namespace discogs
