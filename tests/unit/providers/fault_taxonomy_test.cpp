// One provider-fault taxonomy for every provider (docs/GATEWAY.md, "Provider faults"): what
// provider-sim can inject (500, 503, timeout, reset, malformed body) and every recorded error
// body in tests/data, through the same decisions the gateway makes for a call: the status
// classification, then the provider's classify hook on a 2xx body. Transient means retried
// (never dead-lettered before the attempts are spent), not found means a stored outcome,
// permanent means dead-lettered as invalid_input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include "common/gateway/gateway.hpp"
#include "workers/cyanite/cyanite_parse.hpp"
#include "workers/discogs/discogs_parse.hpp"
#include "workers/lastfm/lastfm_parse.hpp"
#include "workers/musicbrainz/musicbrainz_parse.hpp"
#include "workers/spotify/spotify_parse.hpp"

namespace {

using Classify = std::function<std::optional<core::Error>(const std::string& body)>;

struct Provider {
  std::string name;
  Classify classify;          // the hook each provider gives the gateway for 2xx bodies
  std::string healthy_fixture;  // a recorded 2xx body of the provider
};

std::string Fixture(const std::string& provider, const std::string& file) {
  std::ifstream in(std::filesystem::path(TUNEFLEET_SOURCE_DIR) / "tests/data" / provider / file, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + provider + "/" + file);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::vector<Provider>& Providers() {
  static const std::vector<Provider> kProviders = {
      {"lastfm", [](const std::string& b) { return lastfm::ClassifyBody(b, "track.getInfo"); }, "own-track-getinfo.json"},
      {"musicbrainz", [](const std::string& b) { return musicbrainz::ClassifyBody(b, "recording"); },
       "own-recording-lookup-tags-isrcs.json"},
      {"spotify", [](const std::string& b) { return spotify::CheckBody(b, "track"); }, "beets-track-happy.json"},
      {"discogs", [](const std::string& b) { return discogs::CheckBody(b, "release"); },
       "harmony-release-1503102-rick-astley.json"},
      {"cyanite", [](const std::string& b) { return cyanite::ClassifyBody(b, "spotifyTrack"); },
       "spotifytrack-finished.json"},
  };
  return kProviders;
}

// What the gateway decides for one answer: ClassifyStatus, then (for a 2xx) the hook.
std::optional<core::Error> Decide(const Provider& provider, long status, const std::string& body) {
  http::Response response;
  response.status = status;
  response.body = body;
  if (auto error = gateway::ClassifyStatus(response, provider.name + " call")) return error;
  return provider.classify(body);
}

std::string Kind(const std::optional<core::Error>& error) {
  return error ? std::string(core::ToString(error->kind)) : std::string("ok");
}

TEST(ProviderFaultTaxonomy, EveryProvidersHealthyBodyPasses) {
  for (const auto& p : Providers()) {
    EXPECT_EQ(Kind(Decide(p, 200, Fixture(p.name, p.healthy_fixture))), "ok") << p.name;
  }
}

// provider-sim's 500 and 503 (and the statuses of its rate limits) are transient everywhere.
TEST(ProviderFaultTaxonomy, ServerErrorsAndRateLimitsAreTransientForEveryProvider) {
  for (const auto& p : Providers()) {
    for (long status : {500L, 502L, 503L, 504L, 429L, 408L}) {
      auto error = Decide(p, status, "{}");
      ASSERT_TRUE(error.has_value()) << p.name << " " << status;
      EXPECT_EQ(error->kind, core::ErrorKind::kTransient) << p.name << " " << status;
    }
  }
}

// provider-sim's "malformed": a real body cut in half; and the other shapes a broken proxy
// or an overloaded provider sends with a 200: an HTML page, nothing, garbage.
TEST(ProviderFaultTaxonomy, UnusableBodiesAreTransientForEveryProvider) {
  for (const auto& p : Providers()) {
    const std::string healthy = Fixture(p.name, p.healthy_fixture);
    for (std::size_t cut : {healthy.size() / 2, healthy.size() / 3, std::size_t{1}}) {
      auto error = Decide(p, 200, healthy.substr(0, cut));
      ASSERT_TRUE(error.has_value()) << p.name << " cut at " << cut;
      EXPECT_EQ(error->kind, core::ErrorKind::kTransient) << p.name << ": " << error->message;
    }
    for (const std::string& body : {std::string(""), std::string("  \n"),
                                    std::string("<html><body><h1>502 Bad Gateway</h1></body></html>"),
                                    std::string("\x1f\x8b\x08\x00 gzip bytes"), std::string("[1,2,3]")}) {
      auto error = Decide(p, 200, body);
      ASSERT_TRUE(error.has_value()) << p.name << " body " << body;
      EXPECT_EQ(error->kind, core::ErrorKind::kTransient) << p.name << ": " << error->message;
    }
  }
}

// 404 is "not found" (a stored outcome); other 4xx reject the request: permanent.
TEST(ProviderFaultTaxonomy, NotFoundIsAnOutcomeAndOther4xxArePermanent) {
  for (const auto& p : Providers()) {
    EXPECT_EQ(Kind(Decide(p, 404, "{}")), "not_found") << p.name;
    for (long status : {400L, 403L, 422L}) EXPECT_EQ(Kind(Decide(p, status, "{}")), "invalid_input") << p.name << status;
  }
}

// Every recorded error body, with the status the provider sends it with.
TEST(ProviderFaultTaxonomy, EveryRecordedErrorBodyGetsItsKind) {
  struct Case {
    std::string provider;
    std::string file;
    long status;
    std::string kind;
  };
  const Case cases[] = {
      {"lastfm", "koel-error-6-album-not-found.json", 200, "not_found"},
      {"lastfm", "own-error-6-artist-not-found.json", 200, "not_found"},
      {"lastfm", "own-error-10-invalid-key.json", 200, "invalid_input"},
      {"lastfm", "own-error-11-offline.json", 200, "transient"},
      {"lastfm", "own-error-29-rate-limit.json", 200, "transient"},
      {"musicbrainz", "own-error-404.json", 404, "not_found"},
      {"musicbrainz", "own-error-503-rate-limit.json", 503, "transient"},
      {"spotify", "jmperez-error-not-found-legacy.json", 404, "not_found"},
      {"spotify", "java-token-error-invalid-client.json", 400, "invalid_input"},
      {"discogs", "swiftdiscogs-error-release-404.json", 404, "not_found"},
      {"cyanite", "graphql-error-internal.json", 200, "transient"},
      {"cyanite", "graphql-error-rate-limited.json", 429, "transient"},
      {"cyanite", "graphql-error-rate-limited.json", 200, "transient"},
      {"cyanite", "graphql-error-unauthenticated.json", 200, "invalid_input"},
      {"cyanite", "graphql-error-validation.json", 200, "invalid_input"},
  };
  for (const auto& c : cases) {
    const Provider* provider = nullptr;
    for (const auto& p : Providers()) {
      if (p.name == c.provider) provider = &p;
    }
    ASSERT_NE(provider, nullptr);
    auto decided = Decide(*provider, c.status, Fixture(c.provider, c.file));
    EXPECT_EQ(Kind(decided), c.kind) << c.provider << "/" << c.file << ": " << (decided ? decided->message : "");
  }
}

}  // namespace
