#include "common/runtime/ack_tracker.hpp"

#include <gtest/gtest.h>

namespace runtime {
namespace {

using Calls = std::vector<AckTracker::AckCall>;

AckTracker Received(std::initializer_list<std::uint64_t> tags) {
  AckTracker tracker;
  for (auto tag : tags) tracker.Received(tag);
  return tracker;
}

TEST(AckTracker, ContiguousRunFromTheOldestIsOneMultipleAck) {
  auto tracker = Received({1, 2, 3, 4, 5});
  EXPECT_EQ(tracker.Finish({3, 1, 2}), (Calls{{3, true}}));
  EXPECT_EQ(tracker.outstanding(), 2u);
}

TEST(AckTracker, SingleOldestTagIsOneSingleAck) {
  auto tracker = Received({1, 2, 3});
  EXPECT_EQ(tracker.Finish({1}), (Calls{{1, false}}));
}

TEST(AckTracker, TagsAfterAGapAreAckedOneByOne) {
  auto tracker = Received({1, 2, 3, 4, 5});
  EXPECT_EQ(tracker.Finish({2, 4, 5}), (Calls{{2, false}, {4, false}, {5, false}}));
  EXPECT_EQ(tracker.outstanding(), 2u);
}

TEST(AckTracker, RunBelowAGapIsMultipleAndTheRestSingle) {
  auto tracker = Received({1, 2, 3, 4, 5, 6});
  EXPECT_EQ(tracker.Finish({1, 2, 3, 5, 6}), (Calls{{3, true}, {5, false}, {6, false}}));
  EXPECT_EQ(tracker.outstanding(), 1u);
}

TEST(AckTracker, ClosingTheGapAcksOnlyWhatIsStillOutstanding) {
  auto tracker = Received({1, 2, 3, 4});
  EXPECT_EQ(tracker.Finish({2, 3}), (Calls{{2, false}, {3, false}}));
  // 1 and 4 remain; finishing both: 1 is below everything open, so a single ack; 4 too.
  EXPECT_EQ(tracker.Finish({1, 4}), (Calls{{4, true}}));
  EXPECT_EQ(tracker.outstanding(), 0u);
}

TEST(AckTracker, DroppedTagIsNeverAckedAndDoesNotBlockTheRun) {
  auto tracker = Received({1, 2, 3});
  tracker.Drop(1);
  EXPECT_EQ(tracker.Finish({1, 2, 3}), (Calls{{3, true}}));
}

TEST(AckTracker, UnknownAndRepeatedTagsAreIgnored) {
  auto tracker = Received({1, 2});
  EXPECT_EQ(tracker.Finish({7}), Calls{});
  EXPECT_EQ(tracker.Finish({1}), (Calls{{1, false}}));
  EXPECT_EQ(tracker.Finish({1}), Calls{});
}

TEST(AckTracker, ResetForgetsEveryTagOfTheOldConnection) {
  auto tracker = Received({1, 2, 3});
  tracker.Reset();
  EXPECT_EQ(tracker.outstanding(), 0u);
  EXPECT_EQ(tracker.Finish({1, 2}), Calls{});
  // Tags restart at 1 on a new connection.
  tracker.Received(1);
  tracker.Received(2);
  EXPECT_EQ(tracker.Finish({1, 2}), (Calls{{2, true}}));
}

}  // namespace
}  // namespace runtime
