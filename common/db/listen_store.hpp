#pragma once

// Where `tunefleet import lastfm|csv` stores scrobbles (migrations/0011_listeners.sql,
// docs/LISTENERS.md). One Store call is one transaction: the listener, the catalog rows the
// scrobbles resolve to by the identity rules (a new name- or MBID-keyed row when none exists;
// the id columns are left to the workers), the listens (once per listener, time and track),
// the listen_publications of rows no provider has enriched yet (once per row, ever) and,
// when given, the import's cursor. Publishing follows the commit: the caller publishes what
// Store (or Unpublished, after a crash) returns and calls MarkPublished after the broker's
// confirms. Blocking; one connection; confined to one thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

namespace db {

class Session;

// One scrobble as an import read it. Empty album and mbid mean unknown.
struct ScrobbleRow {
  std::string artist;
  std::string title;
  std::string album;
  std::string mbid;  // MusicBrainz recording id
  std::int64_t played_at = 0;  // unix seconds
};

// A listener's Last.fm import: the fixed window [window_from, window_to) it pages (unix
// seconds; no window_from: from the beginning) and the first page not yet stored.
struct ListenCursor {
  std::optional<std::int64_t> window_from = {};
  std::int64_t window_to = 0;
  int next_page = 1;
  std::optional<int> total_pages = {};
  bool done = false;
};

// A track job to publish for a row of listen_publications: the row's names and the one id
// its identity key is made of (so the job resolves to this very row), job_id "listen-<id>".
struct TrackToPublish {
  std::int64_t track_id = 0;
  std::string job_id;
  std::string artist;
  std::string title;
  std::string album;
  std::string isrc;
  std::string mbid;
  std::string spotify_id;
};

struct StoreResult {
  std::uint64_t stored = 0;      // listens inserted
  std::uint64_t already = 0;     // listens that were there already (or twice in the batch)
  std::uint64_t invalid = 0;     // rows without an artist or title (and no mbid): not stored
  std::uint64_t new_tracks = 0;  // catalog rows created
  std::vector<TrackToPublish> to_publish;  // queued by this call, published_at NULL
};

class ListenStore {
 public:
  explicit ListenStore(std::string dsn);
  ~ListenStore();
  ListenStore(const ListenStore&) = delete;
  ListenStore& operator=(const ListenStore&) = delete;

  // Stores `rows` for the listener (created when new; names compare lower-cased) in one
  // transaction, with `cursor` saved in it when given. Retried as a whole (a few times, on a
  // new connection) on transient errors: deadlock, serialization, a row a merge deleted
  // between resolving and inserting (23503), a lost connection. source: "lastfm" or "csv".
  core::Result<StoreResult> Store(std::string_view listener, std::string_view source,
                                  const std::vector<ScrobbleRow>& rows, const std::optional<ListenCursor>& cursor);
  // The listener's cursor for `source`; nullopt when there is none (or no such listener).
  core::Result<std::optional<ListenCursor>> Cursor(std::string_view listener, std::string_view source);
  // Saves the cursor alone (a fresh window before its first page, or a window marked done).
  core::Result<void> SaveCursor(std::string_view listener, std::string_view source, const ListenCursor& cursor);
  // Queued jobs the broker has not confirmed (what a crash left), oldest first, at most `limit`.
  core::Result<std::vector<TrackToPublish>> Unpublished(std::size_t limit);
  // Sets published_at on these rows (after the broker confirmed their jobs).
  core::Result<void> MarkPublished(const std::vector<std::int64_t>& track_ids);

  static constexpr int kAttempts = 5;

 private:
  std::unique_ptr<Session> session_;
};

}  // namespace db
