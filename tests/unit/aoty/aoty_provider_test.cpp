// The AOTY flow on a gateway of fakes: a 2xx page that is not AOTY's (a proxy's error page, a
// bot challenge, an empty body) is transient, names the URL and what was missing, and is never
// cached; AOTY's own pages are.
#include "workers/aoty/aoty_provider.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/fakes/gateway_fakes.hpp"
#include "tests/fakes/provider_flow.hpp"
#include "tests/unit/aoty/test_data.hpp"

namespace aoty {
namespace {

using namespace std::chrono_literals;
using aoty_test::Data;
using fakes::FakeTransport;
using ::testing::HasSubstr;

json::AlbumJob Job() {
  json::AlbumJob job;
  job.job_id = "j1";
  job.artist = "Frank Ocean";
  job.album = "Blonde";
  return job;
}

class AotyProviderTest : public ::testing::Test {
 protected:
  AotyProviderTest() {
    gateway_ = fakes::MakeFlowGateway(fakes_, "aoty");
    provider_ = std::make_unique<AotyProvider>(*gateway_, AotySettings{.base_url = "https://aoty.test", .page_ttl = 3600s});
  }
  ~AotyProviderTest() override {
    provider_.reset();
    gateway_.reset();
  }

  core::Result<runtime::Enrichment> Run() {
    return fakes::EnrichOnce(fakes_,
                             [&](runtime::EnrichDone done) { provider_->Enrich(json::Job{Job()}, std::move(done)); });
  }

  fakes::GatewayFakes fakes_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<AotyProvider> provider_;
};

TEST_F(AotyProviderTest, ASearchAnsweredWithAProxyPageIsTransientNamesTheUrlAndIsNotCached) {
  for (std::string body : {Data("proxy-502.html"), Data("challenge.html"), std::string()}) {
    fakes_.transport.Script("/search/albums/", {FakeTransport::Status(200, body)});
    auto result = Run();
    ASSERT_FALSE(result) << "read as " << (result->albums.empty() ? "nothing" : "a record") << ": " << body;
    EXPECT_EQ(result.error().kind, core::ErrorKind::kTransient);
    EXPECT_THAT(result.error().message,
                HasSubstr("aoty search: unexpected page at https://aoty.test/search/albums/?q=Frank%20Ocean"));
    EXPECT_THAT(result.error().message, HasSubstr("no div.albumBlock or div.noResults"));
  }
  EXPECT_EQ(fakes_.redis.Sent("SET"), 0u) << "a page that is not AOTY's must never be cached";
}

TEST_F(AotyProviderTest, AnAlbumPageAnsweredWithAProxyPageIsTransientNotACachedChangedPage) {
  fakes_.transport.Script("/search/albums/", {FakeTransport::Status(200, Data("search-several.html"))});
  fakes_.transport.Script("/album/57799-frank-ocean-blonde.php", {FakeTransport::Status(200, Data("proxy-502.html"))});
  auto result = Run();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::kTransient) << result.error().message;
  EXPECT_THAT(result.error().message, HasSubstr("aoty album: unexpected page at https://aoty.test/album/57799"));
  EXPECT_THAT(result.error().message, HasSubstr("\"502 Bad Gateway\""));
  EXPECT_EQ(fakes_.redis.Sent("SET"), 1u) << "the search page only";
}

TEST_F(AotyProviderTest, AotysOwnNoResultsPageIsNotFoundAndCached) {
  fakes_.transport.Script("/search/albums/", {FakeTransport::Status(200, Data("search-none.html"))});
  auto result = Run();
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->albums.size(), 1u);
  EXPECT_EQ(result->albums[0].status, catalog::SourceStatus::kNotFound);
  EXPECT_EQ(fakes_.redis.Sent("SET"), 1u);
}

}  // namespace
}  // namespace aoty
