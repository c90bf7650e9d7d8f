// provider.hpp's lifetime rule, for each provider over a gateway built on fakes: jobs whose
// calls are still waiting at the transport end exactly once, as a transient not-attempted
// "<provider>: shutting down", when the provider is closed or destroyed; answers that arrive
// afterwards reach nobody and start no new request; a job enriched after Close is answered at
// once.
#include <gtest/gtest.h>
#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/gateway/gateway.hpp"
#include "common/gateway/micro_batcher.hpp"
#include "tests/fakes/gateway_fakes.hpp"
#include "tests/fakes/provider_flow.hpp"
#include "workers/aoty/aoty_provider.hpp"
#include "workers/discogs/discogs_provider.hpp"
#include "workers/lastfm/lastfm_provider.hpp"
#include "workers/musicbrainz/musicbrainz_provider.hpp"
#include "workers/spotify/spotify_provider.hpp"

namespace {

using namespace std::chrono_literals;
using Answer = fakes::FakeTransport::Answer;

constexpr const char* kBase = "https://api.test";
// Every answer cached, as in production (the TTLs of the specs): calls go through a cache lookup.
constexpr std::chrono::seconds kTtl{3600};

json::TrackJob Track() {
  json::TrackJob job;
  job.job_id = "t1";
  job.artist = "Madonna";
  job.title = "Frozen";
  job.isrc = "USWB19800001";
  return job;
}

json::AlbumJob Album() {
  json::AlbumJob job;
  job.job_id = "a1";
  job.artist = "Madonna";
  job.album = "Ray of Light";
  job.discogs_id = 1503102;
  return job;
}

class ProviderLifetime : public ::testing::Test {
 protected:
  ProviderLifetime() {
    uv_loop_init(&loop_);
    gateway_ = fakes::MakeFlowGateway(fakes_, "test");
  }
  ~ProviderLifetime() override {
    gateway_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // the micro-batchers' timers close
    uv_loop_close(&loop_);
  }

  runtime::EnrichDone Recorder(const std::string& name) {
    return [this, name](core::Result<runtime::Enrichment> result) { answers_[name].push_back(std::move(result)); };
  }
  // Cache lookups and rate-limit slots answered until nothing moves; HTTP stays held.
  void Pump() { ASSERT_TRUE(fakes_.Pump()) << "the gateway never settled"; }
  // Every held request answered (and what that starts), until nothing moves.
  void Settle() { ASSERT_TRUE(fakes_.Settle()) << "the gateway never settled"; }
  void ExpectShuttingDown(const std::string& name, const std::string& provider) {
    const auto& got = answers_[name];
    ASSERT_EQ(got.size(), 1u) << name << ": done must run exactly once";
    ASSERT_FALSE(got[0]) << name;
    EXPECT_EQ(got[0].error().kind, core::ErrorKind::kTransient) << name;
    EXPECT_FALSE(got[0].error().attempted) << name;
    EXPECT_EQ(got[0].error().message, provider + ": shutting down") << name;
  }

  // Enriches a track and an album job and leaves their first calls waiting at the transport;
  // `end` then closes or destroys the provider; the held answers (which, reaching a flow, would
  // send its next request) are delivered afterwards.
  void Run(runtime::Provider& provider, const std::function<void()>& end) {
    provider.Enrich(Track(), Recorder("track"));
    provider.Enrich(Album(), Recorder("album"));
    Pump();
    ASSERT_GT(fakes_.transport.held(), 0u) << "the calls should be waiting for their answers";
    if (track_waits_) {
      ASSERT_TRUE(answers_.empty()) << "a job ended before its answer";
    } else {
      // A provider that stores nothing for a track job (AOTY scores albums) ends it at once,
      // with no records; only the album job waits.
      ASSERT_EQ(answers_.size(), 1u) << "the album job ended before its answer";
      ASSERT_EQ(answers_["track"].size(), 1u);
      ASSERT_TRUE(answers_["track"][0]) << answers_["track"][0].error().message;
      EXPECT_TRUE(answers_["track"][0]->tracks.empty() && answers_["track"][0]->albums.empty());
    }
    end();
    const std::string name(provider_name_);
    if (track_waits_) ExpectShuttingDown("track", name);
    ExpectShuttingDown("album", name);
    std::size_t sent = fakes_.transport.requests().size();
    Settle();
    EXPECT_EQ(answers_["track"].size(), 1u) << "a late answer reached the track job";
    EXPECT_EQ(answers_["album"].size(), 1u) << "a late answer reached the album job";
    EXPECT_EQ(fakes_.transport.requests().size(), sent) << "a late answer started another request";
  }

  // Close, then the answers; then a job enriched after Close is answered at once, sending nothing.
  void RunClosed(runtime::Provider& provider) {
    Run(provider, [&provider] { provider.Close(); });
    std::size_t sent = fakes_.transport.requests().size();
    provider.Enrich(Track(), Recorder("after"));
    ExpectShuttingDown("after", std::string(provider_name_));
    Settle();
    EXPECT_EQ(answers_["after"].size(), 1u);
    EXPECT_EQ(fakes_.transport.requests().size(), sent);
  }

  uv_loop_t loop_;
  fakes::GatewayFakes fakes_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::map<std::string, std::vector<core::Result<runtime::Enrichment>>> answers_;
  std::string_view provider_name_;
  bool track_waits_ = true;  // false: the provider answers a track job without a call
};

// --- Last.fm: an album without tags asks for the artist's tags next ------------------------

class LastfmLifetime : public ProviderLifetime {
 protected:
  std::unique_ptr<lastfm::LastfmProvider> Make() {
    fakes_.transport.Script("/2.0/", {fakes::FakeTransport::Status(
                                   200, R"({"album":{"artist":"Madonna","name":"Ray of Light","mbid":"","tags":""}})")});
    provider_name_ = "lastfm";
    return std::make_unique<lastfm::LastfmProvider>(*gateway_, lastfm::LastfmSettings{kBase, "key", kTtl});
  }
};

TEST_F(LastfmLifetime, DestroyedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  Run(*provider, [&provider] { provider.reset(); });
}

TEST_F(LastfmLifetime, ClosedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  RunClosed(*provider);
}

// --- MusicBrainz: an unknown ISRC falls back to the search ---------------------------------

class MusicBrainzLifetime : public ProviderLifetime {
 protected:
  std::unique_ptr<musicbrainz::MusicBrainzProvider> Make() {
    fakes_.transport.Script(fakes::FakeTransport::PathOf(musicbrainz::IsrcUrl(kBase, Track().isrc.value())),
                      {fakes::FakeTransport::Status(404)});
    provider_name_ = "musicbrainz";
    return std::make_unique<musicbrainz::MusicBrainzProvider>(*gateway_,
                                                              musicbrainz::MusicBrainzSettings{kBase, kTtl, kTtl});
  }
};

TEST_F(MusicBrainzLifetime, DestroyedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  Run(*provider, [&provider] { provider.reset(); });
}

TEST_F(MusicBrainzLifetime, ClosedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  RunClosed(*provider);
}

// --- Discogs: an album's discogs_id that is no release is tried as a master ----------------

class DiscogsLifetime : public ProviderLifetime {
 protected:
  std::unique_ptr<discogs::DiscogsProvider> Make() {
    fakes_.transport.Script("/releases/1503102", {fakes::FakeTransport::Status(404)});
    provider_name_ = "discogs";
    discogs::DiscogsSettings settings;
    settings.base_url = kBase;
    settings.token = "token";
    settings.release_ttl = settings.search_ttl = settings.not_found_ttl = kTtl;
    return std::make_unique<discogs::DiscogsProvider>(*gateway_, settings);
  }
};

TEST_F(DiscogsLifetime, DestroyedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  Run(*provider, [&provider] { provider.reset(); });
}

TEST_F(DiscogsLifetime, ClosedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  RunClosed(*provider);
}

// --- Spotify: both jobs wait for the token, whose answer would send their searches ---------

class SpotifyLifetime : public ProviderLifetime {
 protected:
  std::unique_ptr<spotify::SpotifyProvider> Make() {
    fakes_.transport.Script("/api/token", {fakes::FakeTransport::Status(
                                        200, R"({"access_token":"t","token_type":"Bearer","expires_in":3600})")});
    provider_name_ = "spotify";
    spotify::SpotifySettings settings;
    settings.base_url = kBase;
    settings.auth_url = kBase;
    settings.client_id = "id";
    settings.client_secret = "secret";
    settings.track_ttl = settings.album_ttl = settings.search_ttl = kTtl;
    context_ = std::make_unique<runtime::ProviderContext>(runtime::ProviderContext{
        env_, provider_settings_, gateway_.get(), &fakes_.metrics,
        [this](std::size_t max_ids, std::chrono::milliseconds window, auto fetch) {
          return std::make_unique<gateway::MicroBatcher>(loop_, gateway::MicroBatcherSettings{max_ids, window},
                                                         std::move(fetch));
        }});
    return std::make_unique<spotify::SpotifyProvider>(settings, *context_, fakes_.clock);
  }

  config::Env env_{[](const std::string&) -> std::optional<std::string> { return std::nullopt; }};
  runtime::ProviderSettings provider_settings_;
  std::unique_ptr<runtime::ProviderContext> context_;
};

TEST_F(SpotifyLifetime, DestroyedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  Run(*provider, [&provider] { provider.reset(); });
}

TEST_F(SpotifyLifetime, ClosedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  RunClosed(*provider);
}

// --- AOTY: the album search, whose answer (a matching candidate) would fetch the album page;
// a track job stores nothing and ends at once --------------------------------------------

class AotyLifetime : public ProviderLifetime {
 protected:
  std::unique_ptr<aoty::AotyProvider> Make() {
    fakes_.transport.Script(
        "/search/albums/",
        {fakes::FakeTransport::Status(
            200, "<!DOCTYPE html><html><body><div class=\"albumBlock\">"
                 "<a href=\"/album/1-madonna-ray-of-light.php\"><div class=\"artistTitle\">Madonna</div></a>"
                 "<a href=\"/album/1-madonna-ray-of-light.php\"><div class=\"albumTitle\">Ray of Light</div></a>"
                 "</div></body></html>")});
    provider_name_ = "aoty";
    track_waits_ = false;
    aoty::AotySettings settings;
    settings.base_url = kBase;
    settings.page_ttl = kTtl;
    return std::make_unique<aoty::AotyProvider>(*gateway_, settings);
  }
};

TEST_F(AotyLifetime, DestroyedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  Run(*provider, [&provider] { provider.reset(); });
}

TEST_F(AotyLifetime, ClosedWithCallsPendingEndsEachJobOnce) {
  auto provider = Make();
  RunClosed(*provider);
}

// The search answer above does lead to the album page when nobody ends the job early: the
// lifetime tests' "no request after the end" is a real check for AOTY.
TEST_F(AotyLifetime, TheSearchAnswerFetchesTheAlbumPage) {
  auto provider = Make();
  provider->Enrich(Album(), Recorder("album"));
  Settle();
  EXPECT_EQ(fakes_.transport.Count("/album/1-madonna-ray-of-light.php"), 1);
}

}  // namespace
