#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/uv/handles.hpp"

namespace gateway {

struct MicroBatcherSettings {
  std::size_t max_ids = 50;                  // the endpoint's id limit per call
  std::chrono::milliseconds window{5};       // how long to gather ids before sending
};

// Gathers ids asked for by concurrent jobs for a few milliseconds (or until the endpoint's
// limit) and fetches them in one multi-id call (Spotify /v1/audio-features?ids=, /v1/artists?ids=).
// Each caller gets its own slice of the answer: the value for its id, nullopt when the answer
// has none, or the call's error. Identical ids in one window share one slot. Loop thread only.
class MicroBatcher {
 public:
  using Values = std::map<std::string, std::string>;  // id -> that id's part of the answer
  using FetchDone = std::function<void(core::Result<Values>)>;
  using Fetch = std::function<void(const std::vector<std::string>& ids, FetchDone done)>;
  using GetDone = std::function<void(core::Result<std::optional<std::string>>)>;

  MicroBatcher(uv_loop_s& loop, MicroBatcherSettings settings, Fetch fetch);
  ~MicroBatcher();
  MicroBatcher(const MicroBatcher&) = delete;
  MicroBatcher& operator=(const MicroBatcher&) = delete;

  void Get(const std::string& id, GetDone done);
  std::size_t calls() const { return calls_; }

 private:
  void Flush();

  MicroBatcherSettings settings_;
  Fetch fetch_;
  uv::Timer timer_;
  std::vector<std::string> order_;                   // distinct ids in arrival order
  std::map<std::string, std::vector<GetDone>> waiting_;
  std::size_t calls_ = 0;
};

}  // namespace gateway
