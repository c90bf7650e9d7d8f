#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "common/db/catalog_writer.hpp"

namespace fakes {

// A catalog store in memory, called from the pipeline's database thread. Every track gets
// the next id (1, 2, ...). While held, a write waits inside the store (the test looks at
// the pipeline meanwhile: nothing of that batch is committed yet) until Release; FailNext
// makes the next write fail instead of committing. Any thread.
class FakeCatalogStore final : public db::CatalogStore {
 public:
  void Hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    changed_.notify_all();
  }
  void FailNext(core::Error error) {
    std::lock_guard lock(mutex_);
    fail_next_ = std::move(error);
  }
  // Waits (at most `limit`) until a write has entered the store; false when none did.
  bool WaitForWrite(std::chrono::milliseconds limit = std::chrono::seconds{5}) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [this] { return writes_entered_ > 0; });
  }
  // Writes that committed (tracks and albums of one batch count as one each).
  std::size_t commits() const {
    std::lock_guard lock(mutex_);
    return commits_;
  }
  std::vector<catalog::TrackRecord> tracks() const {
    std::lock_guard lock(mutex_);
    return tracks_;
  }

  // db::CatalogStore
  core::Result<std::vector<db::JobIds>> WriteJobs(const std::vector<db::JobRows>& jobs) override {
    std::unique_lock lock(mutex_);
    if (auto refused = Enter(lock)) return *refused;
    std::vector<db::JobIds> out;
    bool wrote_tracks = false;
    bool wrote_albums = false;
    for (const auto& job : jobs) {
      db::JobIds ids;
      for (const auto& record : job.tracks) {
        tracks_.push_back(record);
        ids.tracks.push_back(static_cast<std::int64_t>(tracks_.size()));
        wrote_tracks = true;
      }
      for (std::size_t i = 0; i < job.albums.size(); ++i) {
        ids.albums.push_back(static_cast<std::int64_t>(++albums_));
        wrote_albums = true;
      }
      out.push_back(std::move(ids));
    }
    if (wrote_tracks) ++commits_;
    if (wrote_albums) ++commits_;
    return out;
  }
  core::Result<void> Ping() override { return core::Ok(); }

 private:
  // Counts the write, waits while held, and returns the planned failure, if any.
  std::optional<core::Error> Enter(std::unique_lock<std::mutex>& lock) {
    ++writes_entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !held_; });
    auto failure = std::move(fail_next_);
    fail_next_.reset();
    return failure;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  std::optional<core::Error> fail_next_;
  std::size_t writes_entered_ = 0;
  std::size_t commits_ = 0;
  std::size_t albums_ = 0;
  std::vector<catalog::TrackRecord> tracks_;
};

}  // namespace fakes
