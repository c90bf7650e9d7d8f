// The Cyanite flow on a gateway of fakes: which operation is sent when, and how each analysis
// state ends the job (a record, not_found, a pending wait in the delay tiers, a dead letter).
#include "workers/cyanite/cyanite_provider.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/fakes/gateway_fakes.hpp"
#include "tests/fakes/provider_flow.hpp"
#include "tests/unit/cyanite/test_data.hpp"

namespace cyanite {
namespace {

using namespace std::chrono_literals;
using cyanite_test::Data;
using fakes::FakeTransport;
using ::testing::HasSubstr;

json::TrackJob Job(std::optional<std::string> spotify_id = "4cOdK2wGLETKBW3PvgPWqT") {
  json::TrackJob job;
  job.job_id = "j1";
  job.artist = "Artist";
  job.title = "Title";
  job.spotify_id = std::move(spotify_id);
  return job;
}

class CyaniteProviderTest : public ::testing::Test {
 protected:
  CyaniteProviderTest() {
    gateway_ = fakes::MakeFlowGateway(fakes_, "cyanite");
    provider_ = std::make_unique<CyaniteProvider>(
        *gateway_, CyaniteSettings{.base_url = "https://api.test/", .access_token = "token", .pending_wait = 45s});
  }
  ~CyaniteProviderTest() override {
    provider_.reset();
    gateway_.reset();
  }

  // Enriches `job` with the scripted answers to POST /graphql, in order; the one result.
  core::Result<runtime::Enrichment> Run(std::vector<FakeTransport::Answer> answers, json::TrackJob job = Job(),
                                        const runtime::JobHistory& history = {}) {
    fakes_.transport.Script("/graphql", std::move(answers));
    return fakes::EnrichOnce(
        fakes_, [&](runtime::EnrichDone done) { provider_->EnrichWithHistory(job, history, std::move(done)); });
  }
  std::vector<std::string> Operations() const {
    std::vector<std::string> out;
    for (const auto& r : fakes_.transport.requests()) {
      out.push_back(r.body.find("spotifyTrackEnqueue(") != std::string::npos ? "enqueue" : "track");
    }
    return out;
  }

  fakes::GatewayFakes fakes_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<CyaniteProvider> provider_;
};

TEST_F(CyaniteProviderTest, FinishedAnalysisIsOneCallAndARecord) {
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-finished.json"))});
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->tracks.size(), 1u);
  const auto& record = result->tracks[0];
  EXPECT_EQ(record.status, catalog::SourceStatus::kOk);
  EXPECT_THAT(record.moods, ::testing::Contains("melancholic"));
  ASSERT_TRUE(record.raw_json);
  EXPECT_THAT(*record.raw_json, HasSubstr("AudioAnalysisV7Finished"));
  EXPECT_THAT(Operations(), ::testing::ElementsAre("track"));
  const auto& request = fakes_.transport.requests().at(0);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.test/graphql");
  EXPECT_THAT(request.headers, ::testing::Contains(std::pair<std::string, std::string>("Authorization", "Bearer token")));
}

void ExpectPending(const core::Result<runtime::Enrichment>& result) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::kTransient);
  EXPECT_FALSE(result.error().attempted) << "a pending analysis must never dead-letter";
  EXPECT_TRUE(result.error().pending) << "the runtime counts pending rounds";
  EXPECT_EQ(result.error().retry_after, std::chrono::milliseconds(45s));
  EXPECT_THAT(result.error().message, HasSubstr("pending"));
}

TEST_F(CyaniteProviderTest, ProcessingAnalysisWaitsInTheDelayTiersWithoutCountingAnAttempt) {
  ExpectPending(Run({FakeTransport::Status(200, Data("spotifytrack-processing.json"))}));
  EXPECT_THAT(Operations(), ::testing::ElementsAre("track")) << "a pending analysis is not enqueued again";
}

// An analysis still pending TUNEFLEET_CYANITE_PENDING_MAX (default 24 h) after the job's first
// pending round ends the job not_found, with the reason: never asked again every 30 s forever.
TEST_F(CyaniteProviderTest, AnAnalysisPendingLongerThanTheCapEndsNotFoundWithTheReason) {
  EXPECT_EQ(CyaniteSettings{}.pending_max, std::chrono::milliseconds(24h));
  auto now = std::chrono::system_clock::now();
  // Pending for a while, under the cap: waits again.
  ExpectPending(Run({FakeTransport::Status(200, Data("spotifytrack-processing.json"))}, Job(),
                    {.pending_rounds = 120, .pending_since = now - 1h}));
  // Over it: not_found, naming why.
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-processing.json"))}, Job(),
                    {.pending_rounds = 2880, .pending_since = now - 25h});
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->tracks.size(), 1u);
  EXPECT_EQ(result->tracks[0].status, catalog::SourceStatus::kNotFound);
  ASSERT_TRUE(result->tracks[0].raw_json);
  EXPECT_THAT(*result->tracks[0].raw_json, HasSubstr("the analysis never finished: still Processing after 90000 s"));
  EXPECT_THAT(*result->tracks[0].raw_json, HasSubstr("2880 pending rounds"));
  EXPECT_THAT(*result->tracks[0].raw_json, HasSubstr("AudioAnalysisV7Processing")) << "the last answer is kept";
}

TEST_F(CyaniteProviderTest, AJustEnqueuedAnalysisOfAJobPendingLongerThanTheCapEndsNotFound) {
  auto now = std::chrono::system_clock::now();
  auto enqueued = Run({FakeTransport::Status(200, Data("spotifytrack-not-started.json")),
                       FakeTransport::Status(200, Data("enqueue-success-processing.json"))},
                      Job(), {.pending_rounds = 3, .pending_since = now - 48h});
  ASSERT_TRUE(enqueued) << enqueued.error().message;
  EXPECT_EQ(enqueued->tracks.at(0).status, catalog::SourceStatus::kNotFound);
}

TEST_F(CyaniteProviderTest, EnqueuedAnalysisWaitsInTheDelayTiersToo) {
  ExpectPending(Run({FakeTransport::Status(200, Data("spotifytrack-enqueued.json"))}));
  EXPECT_THAT(Operations(), ::testing::ElementsAre("track"));
}

TEST_F(CyaniteProviderTest, NotStartedIsEnqueuedAndThenPending) {
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-not-started.json")),
                     FakeTransport::Status(200, Data("enqueue-success-processing.json"))});
  ASSERT_FALSE(result);
  EXPECT_FALSE(result.error().attempted);
  EXPECT_EQ(result.error().retry_after, std::chrono::milliseconds(45s));
  EXPECT_THAT(Operations(), ::testing::ElementsAre("track", "enqueue"));
  EXPECT_THAT(fakes_.transport.requests().at(1).body, HasSubstr("\"spotifyTrackId\":\"4cOdK2wGLETKBW3PvgPWqT\""));
}

TEST_F(CyaniteProviderTest, EnqueueOfAnAnalysedTrackIsARecord) {
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-not-started.json")),
                     FakeTransport::Status(200, Data("enqueue-success-finished.json"))});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_THAT(result->tracks.at(0).moods, ::testing::ElementsAre("calm"));
}

// A permanently unanalysable track is not_found, never dead-lettered: a failed analysis, a
// track Cyanite does not know, an enqueue refused for good.
TEST_F(CyaniteProviderTest, FailedAnalysisIsNotFound) {
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-failed.json"))});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->tracks.at(0).status, catalog::SourceStatus::kNotFound);
}

TEST_F(CyaniteProviderTest, UnknownSpotifyTrackIsNotFound) {
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-not-found.json"))});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->tracks.at(0).status, catalog::SourceStatus::kNotFound);
}

TEST_F(CyaniteProviderTest, RefusedEnqueueIsNotFound) {
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-not-started.json")),
                     FakeTransport::Status(200, Data("enqueue-error.json"))});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->tracks.at(0).status, catalog::SourceStatus::kNotFound);
  EXPECT_THAT(Operations(), ::testing::ElementsAre("track", "enqueue"));
}

TEST_F(CyaniteProviderTest, RateLimitedEnqueueIsRetried) {
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-not-started.json")),
                     FakeTransport::Status(200, Data("enqueue-error-rate-limit.json"))});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::kTransient);
}

TEST_F(CyaniteProviderTest, JobWithoutASpotifyIdIsNotFoundWithoutACall) {
  auto result = Run({}, Job(std::nullopt));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->tracks.at(0).status, catalog::SourceStatus::kNotFound);
  EXPECT_TRUE(fakes_.transport.requests().empty());
}

TEST_F(CyaniteProviderTest, GraphqlInternalErrorWithStatus200IsTransient) {
  auto internal = Run({FakeTransport::Status(200, Data("graphql-error-internal.json"))});
  ASSERT_FALSE(internal);
  EXPECT_EQ(internal.error().kind, core::ErrorKind::kTransient);
  EXPECT_TRUE(internal.error().attempted);
}

TEST_F(CyaniteProviderTest, GraphqlAuthErrorWithStatus200IsPermanentAndHidesTheToken) {
  auto auth = Run({FakeTransport::Status(200, Data("graphql-error-unauthenticated.json"))});
  ASSERT_FALSE(auth);
  EXPECT_EQ(auth.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(auth.error().message, ::testing::Not(HasSubstr("Bearer")));
}

TEST_F(CyaniteProviderTest, NotAuthorizedAccountIsPermanent) {
  auto result = Run({FakeTransport::Status(200, Data("spotifytrack-not-authorized.json"))});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(result.error().message, HasSubstr("TUNEFLEET_CYANITE_ACCESS_TOKEN"));
}

TEST_F(CyaniteProviderTest, AlbumJobsAreRefused) {
  json::AlbumJob album;
  album.job_id = "a1";
  std::vector<core::Result<runtime::Enrichment>> got;
  provider_->Enrich(album, [&got](core::Result<runtime::Enrichment> r) { got.push_back(std::move(r)); });
  ASSERT_EQ(got.size(), 1u);
  ASSERT_FALSE(got[0]);
  EXPECT_EQ(got[0].error().kind, core::ErrorKind::kInvalidInput);
}

// provider.hpp's lifetime rule: a job whose query is on its way ends once, as a transient,
// not-attempted "cyanite: shutting down", when the provider is closed; the late answer (which
// would enqueue) is dropped; a job enriched after Close is answered at once, sending nothing.
TEST_F(CyaniteProviderTest, ClosedWithACallPendingEndsTheJobOnceAndDropsTheLateAnswer) {
  fakes_.transport.Script("/graphql", {FakeTransport::Status(200, Data("spotifytrack-not-started.json"))});
  std::vector<core::Result<runtime::Enrichment>> got;
  provider_->Enrich(Job(), [&got](core::Result<runtime::Enrichment> r) { got.push_back(std::move(r)); });
  ASSERT_TRUE(fakes_.Pump());
  ASSERT_EQ(fakes_.transport.held(), 1u) << "the query should be waiting for its answer";
  ASSERT_TRUE(got.empty());
  provider_->Close();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_FALSE(got[0]);
  EXPECT_EQ(got[0].error().kind, core::ErrorKind::kTransient);
  EXPECT_FALSE(got[0].error().attempted);
  EXPECT_EQ(got[0].error().message, "cyanite: shutting down");
  ASSERT_TRUE(fakes_.Settle());
  EXPECT_EQ(got.size(), 1u) << "the late answer reached the job";
  EXPECT_THAT(Operations(), ::testing::ElementsAre("track")) << "the late answer enqueued the track";
  provider_->Enrich(Job(), [&got](core::Result<runtime::Enrichment> r) { got.push_back(std::move(r)); });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].error().message, "cyanite: shutting down");
  EXPECT_EQ(fakes_.transport.requests().size(), 1u);
}

TEST_F(CyaniteProviderTest, DestroyedWithACallPendingEndsTheJobOnce) {
  std::vector<core::Result<runtime::Enrichment>> got;
  provider_->Enrich(Job(), [&got](core::Result<runtime::Enrichment> r) { got.push_back(std::move(r)); });
  ASSERT_TRUE(fakes_.Pump());
  ASSERT_EQ(fakes_.transport.held(), 1u);
  provider_.reset();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].error().message, "cyanite: shutting down");
  ASSERT_TRUE(fakes_.Settle());
  EXPECT_EQ(got.size(), 1u);
}

}  // namespace
}  // namespace cyanite
