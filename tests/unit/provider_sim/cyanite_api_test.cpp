// provider-sim's /cyanite read by the worker's own parser (workers/cyanite): the simulator
// serves the shapes the provider was written for, and its analyses move NotStarted ->
// (enqueue) -> Processing -> Finished or Failed, per query.
#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.hpp"
#include "tools/provider_sim/ids.hpp"
#include "tools/provider_sim/simulator.hpp"
#include "workers/cyanite/cyanite_parse.hpp"

namespace provider_sim {
namespace {

class CyaniteSimTest : public ::testing::Test {
 protected:
  explicit CyaniteSimTest(bool unlimited = true, double never_finish_share = 0) {
    SimSettings settings = DefaultSettings();
    settings.unlimited = unlimited;
    settings.cyanite_never_finish_share = never_finish_share;
    sim_ = std::make_unique<Simulator>(settings, clock_);
  }

  Response Post(const std::string& body, std::string authorization = "Bearer token") {
    Request request;
    request.method = "POST";
    request.target = ParseTarget("/cyanite/graphql");
    request.authorization = std::move(authorization);
    request.body = body;
    return sim_->Handle(request).response;
  }
  cyanite::SpotifyTrackAnswer Track(const std::string& id) {
    Response response = Post(cyanite::SpotifyTrackRequest(id));
    EXPECT_EQ(response.status, 200) << response.body;
    auto answer = cyanite::ParseSpotifyTrack(response.body);
    EXPECT_TRUE(answer) << answer.error().message << "\n" << response.body;
    return answer ? *answer : cyanite::SpotifyTrackAnswer{};
  }
  cyanite::EnqueueAnswer Enqueue(const std::string& id) {
    Response response = Post(cyanite::SpotifyTrackEnqueueRequest(id));
    EXPECT_EQ(response.status, 200) << response.body;
    auto answer = cyanite::ParseEnqueue(response.body);
    EXPECT_TRUE(answer) << answer.error().message << "\n" << response.body;
    return answer ? *answer : cyanite::EnqueueAnswer{};
  }

  fakes::FakeClock clock_;
  std::unique_ptr<Simulator> sim_;
};

TEST_F(CyaniteSimTest, EveryTrackReachesAnEndAndFinishedResultsParse) {
  int finished = 0, failed = 0, refused = 0, unknown = 0, waited = 0;
  for (std::uint64_t i = 0; i < 400; ++i) {
    std::string id = SpotifyId(Mix(i ^ 0x5eed), IdKind::kTrack, 1);
    auto answer = Track(id);
    if (!answer.found) {
      ++unknown;
      continue;
    }
    if (answer.analysis.state == cyanite::AnalysisState::kNotStarted) {
      auto enqueued = Enqueue(id);
      if (!enqueued.enqueued) {
        EXPECT_EQ(cyanite::EnqueueErrorFor(enqueued).kind, core::ErrorKind::kNotFound);
        ++refused;
        continue;
      }
      EXPECT_EQ(enqueued.analysis.state, cyanite::AnalysisState::kProcessing);
      for (int poll = 0; poll < 3 && answer.analysis.state != cyanite::AnalysisState::kFinished &&
                         answer.analysis.state != cyanite::AnalysisState::kFailed;
           ++poll) {
        answer = Track(id);
        if (answer.analysis.state == cyanite::AnalysisState::kProcessing) ++waited;
      }
    }
    if (answer.analysis.state == cyanite::AnalysisState::kFailed) {
      ++failed;
      continue;
    }
    ASSERT_EQ(answer.analysis.state, cyanite::AnalysisState::kFinished) << id;
    ASSERT_TRUE(answer.analysis.result);
    const auto& r = *answer.analysis.result;
    EXPECT_FALSE(r.genre_tags.empty()) << id;
    EXPECT_TRUE(r.bpm && *r.bpm >= 60 && *r.bpm <= 200) << id;
    EXPECT_TRUE(r.key && cyanite::KeyOf(*r.key)) << id;
    EXPECT_TRUE(r.valence && *r.valence >= -1 && *r.valence <= 1) << id;
    auto record = cyanite::TrackRecordFrom(json::TrackJob{.job_id = "j"}, id, r, "", normalize::Vocabulary::Default());
    EXPECT_FALSE(record.genres.empty()) << "no Cyanite genre label of the simulator maps: " << id;
    ++finished;
  }
  // 5 % unknown; of the rest 40 % finished at once, 5 % refused, 5 % failing, 50 % later.
  EXPECT_GT(finished, 300);
  EXPECT_GT(failed, 5);
  EXPECT_GT(refused, 5);
  EXPECT_GT(unknown, 5);
  EXPECT_GT(waited, 100) << "pending analyses: Processing for one query";
}

class CyaniteSimNeverFinishTest : public CyaniteSimTest {
 protected:
  CyaniteSimNeverFinishTest() : CyaniteSimTest(true, 0.5) {}
};

// --cyanite-never-finish-share 0.5: about half the enqueued analyses stay Processing however
// often they are asked (what TUNEFLEET_CYANITE_PENDING_MAX is for), by the track, so the same
// track stays stuck; the others finish after one Processing as usual.
TEST_F(CyaniteSimNeverFinishTest, AShareOfEnqueuedAnalysesStaysProcessingForever) {
  int stuck = 0, ended = 0;
  for (std::uint64_t i = 0; i < 400; ++i) {
    std::string id = SpotifyId(Mix(i ^ 0x5eed), IdKind::kTrack, 1);
    auto answer = Track(id);
    if (!answer.found || answer.analysis.state != cyanite::AnalysisState::kNotStarted) continue;
    if (!Enqueue(id).enqueued) continue;
    for (int poll = 0; poll < 5; ++poll) answer = Track(id);
    if (answer.analysis.state == cyanite::AnalysisState::kProcessing) {
      ++stuck;
      EXPECT_EQ(Track(id).analysis.state, cyanite::AnalysisState::kProcessing) << id;
    } else {
      ++ended;
    }
  }
  EXPECT_GT(stuck, 50);
  EXPECT_GT(ended, 50);
}

TEST_F(CyaniteSimTest, ErrorsAreGraphqlErrorsTheWorkerClassifies) {
  auto unauthenticated = Post(cyanite::SpotifyTrackRequest("x"), "");
  EXPECT_EQ(unauthenticated.status, 200);
  EXPECT_EQ(cyanite::ErrorCode(unauthenticated.body), "UNAUTHENTICATED");
  EXPECT_EQ(cyanite::ClassifyBody(unauthenticated.body, "spotifyTrack")->kind, core::ErrorKind::kInvalidInput);
  auto other = Post(R"({"query":"{ libraryTracks { edges { node { id } } } }"})");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(cyanite::ClassifyBody(other.body, "graphql")->kind, core::ErrorKind::kInvalidInput);
  auto unknown = Track("0000000000000000001234");
  EXPECT_FALSE(unknown.found);
}

class CyaniteSimLimitedTest : public CyaniteSimTest {
 protected:
  CyaniteSimLimitedTest() : CyaniteSimTest(false) {}
};

TEST_F(CyaniteSimLimitedTest, OverTheQuotaIs429WithRetryAfterAndARateLimitedError) {
  Response last;
  for (int i = 0; i < 3; ++i) last = Post(cyanite::SpotifyTrackRequest("x"));  // burst 2
  EXPECT_EQ(last.status, 429) << last.body;
  bool retry_after = false;
  for (const auto& [name, value] : last.headers) retry_after = retry_after || name == "Retry-After";
  EXPECT_TRUE(retry_after);
  auto error = cyanite::ClassifyBody(last.body, "spotifyTrack");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, core::ErrorKind::kTransient);
  EXPECT_TRUE(error->retry_after);
}

}  // namespace
}  // namespace provider_sim
