// The lifetime rule for a provider's pending calls: every job's `done` runs exactly once, by its
// flow or, at Close / destruction, as a transient not-attempted "shutting down"; guarded
// callbacks never run after Close.
#include "common/runtime/pending_jobs.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace runtime {
namespace {

// Records every answer of one job.
struct Answers {
  std::vector<core::Result<Enrichment>> got;
  EnrichDone Done() {
    return [this](core::Result<Enrichment> result) { got.push_back(std::move(result)); };
  }
};

Enrichment OneTrack(const std::string& title) {
  Enrichment out;
  out.tracks.emplace_back();
  out.tracks.back().fields.title = title;
  return out;
}

void ExpectShuttingDown(const Answers& answers, const std::string& provider) {
  ASSERT_EQ(answers.got.size(), 1u);
  ASSERT_FALSE(answers.got[0]);
  EXPECT_EQ(answers.got[0].error().kind, core::ErrorKind::kTransient);
  EXPECT_FALSE(answers.got[0].error().attempted) << "shutting down must not use up the job's attempts";
  EXPECT_EQ(answers.got[0].error().message, provider + ": shutting down");
}

TEST(PendingJobs, FinishRunsDoneOnceAndLaterFinishesDoNothing) {
  PendingJobs jobs("test");
  Answers a;
  PendingJob job = jobs.Add(a.Done());
  EXPECT_TRUE(job.pending());
  EXPECT_EQ(jobs.size(), 1u);
  job.Finish(OneTrack("first"));
  job.Finish(core::Error::Transient("second"));
  PendingJob copy = job;
  copy.Finish(OneTrack("third"));
  ASSERT_EQ(a.got.size(), 1u);
  ASSERT_TRUE(a.got[0]);
  EXPECT_EQ(a.got[0]->tracks[0].fields.title, "first");
  EXPECT_FALSE(job.pending());
  EXPECT_EQ(jobs.size(), 0u);
}

TEST(PendingJobs, CloseFinishesEveryPendingJobOnceInOrderAndNotTheFinishedOnes) {
  PendingJobs jobs("spotify");
  Answers a, b, c;
  std::vector<std::string> order;
  PendingJob ja = jobs.Add([&](core::Result<Enrichment> r) { order.push_back("a"); a.got.push_back(std::move(r)); });
  PendingJob jb = jobs.Add([&](core::Result<Enrichment> r) { order.push_back("b"); b.got.push_back(std::move(r)); });
  PendingJob jc = jobs.Add([&](core::Result<Enrichment> r) { order.push_back("c"); c.got.push_back(std::move(r)); });
  jb.Finish(OneTrack("b"));
  jobs.Close();
  ExpectShuttingDown(a, "spotify");
  ExpectShuttingDown(c, "spotify");
  ASSERT_EQ(b.got.size(), 1u);
  EXPECT_TRUE(b.got[0]);
  EXPECT_EQ(order, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(jobs.closed());
  EXPECT_EQ(jobs.size(), 0u);
  // The flows' late answers, and a second Close, change nothing.
  ja.Finish(OneTrack("late"));
  jc.Finish(core::Error::InvalidInput("late"));
  jobs.Close();
  EXPECT_EQ(a.got.size(), 1u);
  EXPECT_EQ(c.got.size(), 1u);
}

TEST(PendingJobs, DestructionClosesAndLeavesHandlesHarmless) {
  Answers a;
  PendingJob job = [&] {
    auto jobs = std::make_unique<PendingJobs>("lastfm");
    return jobs->Add(a.Done());
  }();
  ExpectShuttingDown(a, "lastfm");
  EXPECT_FALSE(job.pending());
  job.Finish(OneTrack("after the provider is gone"));
  EXPECT_EQ(a.got.size(), 1u);
}

TEST(PendingJobs, AddAfterCloseAnswersAtOnce) {
  PendingJobs jobs("discogs");
  jobs.Close();
  Answers a;
  PendingJob job = jobs.Add(a.Done());
  ExpectShuttingDown(a, "discogs");
  EXPECT_FALSE(job.pending());
  job.Finish(OneTrack("x"));
  EXPECT_EQ(a.got.size(), 1u);
}

TEST(PendingJobs, GuardedCallbacksRunWhileOpenAndAreDroppedAfterCloseOrDestruction) {
  auto jobs = std::make_unique<PendingJobs>("musicbrainz");
  int ran = 0;
  std::function<void(int)> guarded = jobs->Guard([&ran](int n) { ran += n; });
  std::function<void(int)> outlives = jobs->Guard([&ran](int n) { ran += 100 * n; });
  guarded(1);
  EXPECT_EQ(ran, 1);
  jobs->Close();
  guarded(1);
  EXPECT_EQ(ran, 1) << "a guarded callback ran after Close";
  jobs.reset();
  outlives(1);
  EXPECT_EQ(ran, 1) << "a guarded callback ran after the jobs were destroyed";
}

TEST(PendingJobs, DoneThatTouchesOtherJobsDuringCloseAnswersEachOnce) {
  PendingJobs jobs("test");
  Answers a, b, late;
  PendingJob jb;
  // a's done, run first by Close, finishes b itself and starts another job: b is still to be
  // answered by Close, and neither is answered twice.
  jobs.Add([&](core::Result<Enrichment> r) {
    a.got.push_back(std::move(r));
    jb.Finish(OneTrack("from a"));
    jobs.Add(late.Done());
  });
  jb = jobs.Add(b.Done());
  jobs.Close();
  ExpectShuttingDown(a, "test");
  ExpectShuttingDown(b, "test");
  ExpectShuttingDown(late, "test");
}

}  // namespace
}  // namespace runtime
