#include "common/runtime/ack_tracker.hpp"

#include <algorithm>

namespace runtime {

void AckTracker::Received(std::uint64_t delivery_tag) { outstanding_.insert(delivery_tag); }

void AckTracker::Reset() {
  outstanding_.clear();
  acked_through_ = 0;
}

std::vector<AckTracker::AckCall> AckTracker::Finish(const std::vector<std::uint64_t>& delivery_tags) {
  std::vector<std::uint64_t> finished;
  for (auto tag : delivery_tags) {
    if (outstanding_.erase(tag) > 0) finished.push_back(tag);
  }
  std::sort(finished.begin(), finished.end());
  std::vector<AckCall> calls;
  if (finished.empty()) return calls;
  // Tags below the oldest still-outstanding one can go in one multiple ack; a multiple
  // ack would also cover tags acked earlier, which the broker ignores, and none that is
  // still outstanding.
  std::uint64_t oldest_open = outstanding_.empty() ? UINT64_MAX : *outstanding_.begin();
  auto split = std::lower_bound(finished.begin(), finished.end(), oldest_open);
  std::size_t below = static_cast<std::size_t>(split - finished.begin());
  if (below == 1) {
    calls.push_back({finished.front(), false});
  } else if (below > 1) {
    calls.push_back({*(split - 1), true});
  }
  if (below > 0) acked_through_ = std::max(acked_through_, *(split - 1));
  for (auto it = split; it != finished.end(); ++it) calls.push_back({*it, false});
  return calls;
}

}  // namespace runtime
