#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

namespace runtime {

// Tracks the deliveries of one connection that are not yet acked, and turns a set of
// finished ones into as few basic.ack calls as possible: one `multiple` ack for the run of
// finished tags below the oldest unfinished one, single acks for the rest. Pure logic.
class AckTracker {
 public:
  struct AckCall {
    std::uint64_t delivery_tag;
    bool multiple;
    bool operator==(const AckCall&) const = default;
  };

  void Received(std::uint64_t delivery_tag);
  // Marks the tags finished and returns the ack calls that acknowledge exactly them.
  std::vector<AckCall> Finish(const std::vector<std::uint64_t>& delivery_tags);
  // Forgets a tag settled another way (rejected); no ack may cover it now.
  void Drop(std::uint64_t delivery_tag) { outstanding_.erase(delivery_tag); }
  // A new connection: all previous tags are void.
  void Reset();
  std::size_t outstanding() const { return outstanding_.size(); }

 private:
  std::set<std::uint64_t> outstanding_;
  std::uint64_t acked_through_ = 0;  // every tag <= this is acked
};

}  // namespace runtime
