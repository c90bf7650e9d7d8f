#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/catalog/records.hpp"
#include "common/core/result.hpp"
#include "common/db/identity_merge.hpp"

namespace db {

// One job's effect in a write (migrations/0002_job_effects.sql): named in job_commits in the
// same transaction as its rows, so the view job_effects counts how often it was committed.
struct JobEffect {
  std::string provider;
  std::string job_id;
  int followup_ids = 0;  // the track ids this commit sends to the builders
};

// One job's rows in a batch write: views of the caller's records, read during the call.
struct JobRows {
  std::span<const catalog::TrackRecord> tracks;
  std::span<const catalog::AlbumRecord> albums;
  std::optional<JobEffect> effect;  // counted in job_commits; absent: not counted
};

// One album_tracks row (migrations/0006_album_tracks.sql) whose track job the broker has not
// confirmed yet: what the runtime publishes, and how it marks the row afterwards.
struct AlbumTrackJob {
  std::int64_t album_id = 0;
  std::int32_t disc = 1;
  std::int32_t position = 1;
  std::int64_t track_id = 0;
  std::string identity_key;  // tracks.identity_key: the job carries exactly the id it names
  std::string artist;
  std::string title;
  std::string album;
  std::optional<std::int32_t> duration_ms;
};

// The row ids of one job's records, in the order of its records.
struct JobIds {
  std::vector<std::int64_t> tracks;  // tracks.id
  std::vector<std::int64_t> albums;  // albums.id
  // The album_tracks rows this job's provider claimed whose track jobs are not confirmed yet
  // (this delivery's and an earlier, crashed one's), in album, disc, position order.
  std::vector<AlbumTrackJob> track_jobs;
  // The merges and conflicts the batch's write found (docs/DATABASE.md, "Merging rows"), on
  // the batch's first job only: for the metrics. The ids above already name survivors.
  std::vector<MergeResult> identity;
};

// Where the provider pipeline writes its batches, on its database thread: CatalogWriter
// (PostgreSQL) in the workers, a fake in the runtime's unit tests. Meanings as in CatalogWriter.
class CatalogStore {
 public:
  virtual ~CatalogStore() = default;
  virtual core::Result<std::vector<JobIds>> WriteJobs(const std::vector<JobRows>& jobs) = 0;
  virtual core::Result<void> Ping() = 0;
  // Records that the broker confirmed these rows' track jobs (album_tracks
  // .track_job_published_at), so the album job's next delivery publishes them no more.
  virtual core::Result<void> MarkTrackJobsPublished(const std::vector<AlbumTrackJob>& /*rows*/) { return {}; }
};

// Writes provider contributions: for a batch, one transaction with one multi-row upsert of
// the catalog rows and their *_sources rows, then one statement that recomputes the merged
// rows (genres, moods, scalars by provider priority) from every provider's sources. Every
// write is an idempotent upsert, so a redelivered batch changes nothing.
//
// Blocking; confined to one thread (it owns its connection, opened lazily and reopened
// after a failure). Errors: kTransient when retrying the same batch can succeed (connection
// lost, deadlock, serialization, a concurrent writer took an id), kInvalidInput when the
// data itself is refused.
class CatalogWriter final : public CatalogStore {
 public:
  // `merge_priority`: provider names, the first one's scalar fields win the merge; providers
  // not in it come after all of these, ordered by name (the fleet's list: workers/fleet).
  CatalogWriter(std::string dsn, std::vector<std::string> merge_priority);
  ~CatalogWriter() override;
  CatalogWriter(const CatalogWriter&) = delete;
  CatalogWriter& operator=(const CatalogWriter&) = delete;

  // Writes a batch of jobs: all their tracks in one transaction, then all their albums in a
  // second; the jobs' effects are counted in the last of the two. Returns each job's ids, in
  // input order (the same ids WriteTracks and WriteAlbums return for its records).
  core::Result<std::vector<JobIds>> WriteJobs(const std::vector<JobRows>& jobs) override;
  // Returns the tracks.id of each record, in input order. `effects` are counted in the same
  // transaction (a job in it twice counts twice).
  core::Result<std::vector<std::int64_t>> WriteTracks(const std::vector<catalog::TrackRecord>& records,
                                                      const std::vector<JobEffect>& effects = {});
  // Returns the albums.id of each record, in input order. The tracklists of records with
  // status kOk are linked in the same transaction (album_tracks; a position another
  // provider's tracklist claimed first is left to it).
  core::Result<std::vector<std::int64_t>> WriteAlbums(const std::vector<catalog::AlbumRecord>& records,
                                                      const std::vector<JobEffect>& effects = {});
  // Opens the connection now (the worker checks the database at start).
  core::Result<void> Ping() override;
  core::Result<void> MarkTrackJobsPublished(const std::vector<AlbumTrackJob>& rows) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace db
