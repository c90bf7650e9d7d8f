#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/db/catalog_writer.hpp"

namespace fakes {

// A catalog store in memory, called from the pipeline's database thread. Every track gets
// the next id (1, 2, ...). While held, a write waits inside the store (the test looks at
// the pipeline meanwhile: nothing of that batch is committed yet) until Release; FailNext
// makes the next write fail instead of committing; GoDown makes every write and ping fail
// until Recover (a database that is gone); Refuse makes every write holding one job's record
// fail (a row the database refuses). Any thread.
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
  void GoDown(core::Error error) {
    std::lock_guard lock(mutex_);
    down_ = std::move(error);
  }
  void Recover() {
    std::lock_guard lock(mutex_);
    down_.reset();
  }
  void Refuse(std::string job_id, core::Error error) {
    std::lock_guard lock(mutex_);
    refused_job_id_ = std::move(job_id);
    refusal_ = std::move(error);
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
  // Writes that entered the store, committed or failed.
  std::size_t writes() const {
    std::lock_guard lock(mutex_);
    return writes_entered_;
  }
  std::size_t pings() const {
    std::lock_guard lock(mutex_);
    return pings_;
  }
  std::vector<catalog::TrackRecord> tracks() const {
    std::lock_guard lock(mutex_);
    return tracks_;
  }
  // album_tracks rows not yet marked published: every write of an album returns them (with
  // the album's id) as the first album job's track jobs, as CatalogWriter does until
  // MarkTrackJobsPublished.
  void SetUnpublishedTrackJobs(std::vector<db::AlbumTrackJob> rows) {
    std::lock_guard lock(mutex_);
    unpublished_ = std::move(rows);
  }
  // What the next committed write reports as its merges and conflicts (on the first job's
  // ids, as CatalogWriter does); later writes report none.
  void SetNextIdentity(std::vector<db::MergeResult> identity) {
    std::lock_guard lock(mutex_);
    next_identity_ = std::move(identity);
  }
  std::vector<db::AlbumTrackJob> marked() const {
    std::lock_guard lock(mutex_);
    return marked_;
  }

  // db::CatalogStore
  core::Result<std::vector<db::JobIds>> WriteJobs(const std::vector<db::JobRows>& jobs) override {
    std::unique_lock lock(mutex_);
    if (auto refused = Enter(lock, jobs)) return *refused;
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
        if (!wrote_albums) {
          for (auto row : unpublished_) {
            row.album_id = ids.albums.back();
            ids.track_jobs.push_back(std::move(row));
          }
        }
        wrote_albums = true;
      }
      out.push_back(std::move(ids));
    }
    if (!out.empty()) out.front().identity = std::exchange(next_identity_, {});
    if (wrote_tracks) ++commits_;
    if (wrote_albums) ++commits_;
    return out;
  }
  core::Result<void> MarkTrackJobsPublished(const std::vector<db::AlbumTrackJob>& rows) override {
    std::lock_guard lock(mutex_);
    for (const auto& row : rows) {
      marked_.push_back(row);
      std::erase_if(unpublished_, [&row](const db::AlbumTrackJob& r) {
        return r.disc == row.disc && r.position == row.position;
      });
    }
    return core::Ok();
  }
  core::Result<void> Ping() override {
    std::lock_guard lock(mutex_);
    ++pings_;
    if (down_) return *down_;
    return core::Ok();
  }

 private:
  // Counts the write, waits while held, and returns the failure it meets, if any.
  std::optional<core::Error> Enter(std::unique_lock<std::mutex>& lock, const std::vector<db::JobRows>& jobs) {
    ++writes_entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !held_; });
    if (down_) return down_;
    auto failure = std::move(fail_next_);
    fail_next_.reset();
    if (failure) return failure;
    for (const auto& job : jobs) {
      for (const auto& record : job.tracks) {
        if (refusal_ && record.job_id == refused_job_id_) return refusal_;
      }
    }
    return std::nullopt;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  std::optional<core::Error> fail_next_;
  std::optional<core::Error> down_;
  std::string refused_job_id_;
  std::optional<core::Error> refusal_;
  std::size_t writes_entered_ = 0;
  std::size_t pings_ = 0;
  std::size_t commits_ = 0;
  std::size_t albums_ = 0;
  std::vector<catalog::TrackRecord> tracks_;
  std::vector<db::AlbumTrackJob> unpublished_;
  std::vector<db::AlbumTrackJob> marked_;
  std::vector<db::MergeResult> next_identity_;
};

}  // namespace fakes
