// The fleet's list of providers, gathered from the provider folders, and each provider's
// settings read back from its own spec (the defaults each one had before the specs).
#include "workers/fleet/fleet.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/json/job_parser.hpp"
#include "common/json/job_writer.hpp"
#include "workers/discogs/discogs_provider.hpp"
#include "workers/discogs/discogs_spec.hpp"
#include "workers/lastfm/lastfm_provider.hpp"
#include "workers/lastfm/lastfm_spec.hpp"
#include "workers/musicbrainz/musicbrainz_provider.hpp"
#include "workers/musicbrainz/musicbrainz_spec.hpp"
#include "workers/spotify/spotify_provider.hpp"
#include "workers/spotify/spotify_spec.hpp"

namespace fleet {
namespace {

using namespace std::chrono_literals;
constexpr std::chrono::seconds kDay = 24h;

config::Env EnvOf(std::map<std::string, std::string> values) {
  return config::Env([values = std::move(values)](const std::string& key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

TEST(Fleet, ListsEveryProviderFolderOnceInFleetOrder) {
  EXPECT_EQ(Names().known, (std::vector<std::string>{"spotify", "lastfm", "musicbrainz", "discogs", "cyanite", "aoty",
                                                     "noop"}));
  // Cyanite analyses by Spotify id only: it gets the jobs published to it by name.
  EXPECT_EQ(Names().all, (std::vector<std::string>{"spotify", "lastfm", "musicbrainz", "discogs", "aoty"}));
  std::set<int> ranks;
  for (const auto& spec : Providers()) {
    if (spec.merge_rank) {
      EXPECT_TRUE(ranks.insert(*spec.merge_rank).second) << spec.name << ": rank taken twice";
    }
  }
}

TEST(Fleet, MergePriorityIsTheCatalogsOrderWithNoopLeftToTheEnd) {
  EXPECT_EQ(MergePriority(),
            (std::vector<std::string>{"spotify", "musicbrainz", "discogs", "lastfm", "cyanite", "aoty"}));
}

// Every worker publishes follow-ups under its own name (runtime/provider_pipeline.cpp); the
// builders validate them against schemas/followup.schema.json, whose provider enum must
// therefore name every provider of the fleet.
TEST(Fleet, EveryProvidersFollowUpPassesTheSchema) {
  const json::JobParser parser;
  for (const auto& name : Names().known) {
    json::FollowUp followup{.job_id = "fu:" + name,
                            .trace_id = "t-1",
                            .track_ids = {1},
                            .provider = name,
                            .reason = "enriched",
                            .emitted_at = "2026-12-07T03:00:00Z"};
    auto parsed = parser.Parse(json::Serialize(json::Job{followup}));
    EXPECT_TRUE(parsed.has_value()) << name << ": " << (parsed ? "" : parsed.error().message);
  }
}

TEST(Fleet, OnlyNoopWorksWithoutTheNetwork) {
  for (const auto& spec : Providers()) {
    SCOPED_TRACE(spec.name);
    EXPECT_EQ(spec.policy.uses_network, spec.name != "noop");
    if (spec.policy.uses_network) {
      EXPECT_FALSE(spec.policy.base_url.empty());
    }
  }
}

TEST(ProviderSpecs, SpotifyReadsItsPolicyAndTtlsFromItsSpec) {
  auto env = EnvOf({{"TUNEFLEET_SPOTIFY_CLIENT_ID", "id"}, {"TUNEFLEET_SPOTIFY_CLIENT_SECRET", "secret"}});
  auto provider = runtime::LoadProviderSettings(env, spotify::Spec());
  EXPECT_EQ(provider.policy.base_url, "https://api.spotify.com");
  EXPECT_DOUBLE_EQ(provider.policy.rate_per_second, 10);
  EXPECT_EQ(provider.policy.breaker_open, 60s);
  auto s = spotify::LoadSpotifySettings(env, provider);
  EXPECT_EQ(s.track_ttl, 30 * kDay);
  EXPECT_EQ(s.album_ttl, 30 * kDay);
  EXPECT_EQ(s.search_ttl, 7 * kDay);
}

TEST(ProviderSpecs, LastfmReadsItsPolicyAndTtlFromItsSpec) {
  auto env = EnvOf({{"TUNEFLEET_LASTFM_API_KEY", "key"}, {"TUNEFLEET_LASTFM_TAGS_TTL", "2h"}});
  auto provider = runtime::LoadProviderSettings(env, lastfm::Spec());
  EXPECT_DOUBLE_EQ(provider.policy.rate_per_second, 5);
  EXPECT_EQ(lastfm::LoadLastfmSettings(env, provider).tags_ttl, 2h);
  auto defaults = EnvOf({{"TUNEFLEET_LASTFM_API_KEY", "key"}});
  EXPECT_EQ(lastfm::LoadLastfmSettings(defaults, runtime::LoadProviderSettings(defaults, lastfm::Spec())).tags_ttl,
            7 * kDay);
}

TEST(ProviderSpecs, MusicBrainzReadsItsPolicyAndTtlsFromItsSpec) {
  auto env = EnvOf({});
  auto provider = runtime::LoadProviderSettings(env, musicbrainz::Spec());
  EXPECT_DOUBLE_EQ(provider.policy.rate_per_second, 1);
  EXPECT_EQ(provider.policy.breaker_failures, 3);
  EXPECT_NE(provider.policy.user_agent.find("TUNEFLEET_MUSICBRAINZ_USER_AGENT"), std::string::npos);
  auto s = musicbrainz::LoadMusicBrainzSettings(provider);
  EXPECT_EQ(s.lookup_ttl, 30 * kDay);
  EXPECT_EQ(s.search_ttl, 7 * kDay);
}

TEST(ProviderSpecs, DiscogsReadsItsTtlsFromItsSpec) {
  auto env = EnvOf({{"TUNEFLEET_DISCOGS_TOKEN", "t"}});
  auto s = discogs::LoadDiscogsSettings(env, runtime::LoadProviderSettings(env, discogs::Spec()));
  EXPECT_EQ(s.release_ttl, 30 * kDay);
  EXPECT_EQ(s.search_ttl, 7 * kDay);
  EXPECT_EQ(s.not_found_ttl, kDay);
}

}  // namespace
}  // namespace fleet
