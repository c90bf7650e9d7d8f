#pragma once

#include <cstdint>
#include <string>
#include <vector>

// One recording, one row (docs/DATABASE.md, "Merging rows"): two catalog rows found to hold
// one identifier become one. Used by CatalogWriter after each commit; declared here so the
// writer and its tests share the types. pqxx stays out of this header (common/db's rule).
namespace pqxx {
class connection_base;
class result;
}  // namespace pqxx

namespace db {

enum class Entity { kTrack, kAlbum, kArtist };

// "track" | "album" | "artist": the metrics' and identity_conflicts' entity label.
const char* EntityName(Entity entity);

// What a write found: row `id` claims identifier `kind` = `value`, which row `other` holds.
struct MergeCandidate {
  Entity entity = Entity::kTrack;
  std::int64_t id = 0;
  std::int64_t other = 0;
  std::string kind;   // isrc | mbid | spotify_id (tracks); upc | mbid | spotify_id | discogs_id (albums);
                      // mbid | spotify_id | discogs_id (artists)
  std::string value;
};

enum class MergeOutcome {
  kMerged,     // `absorbed` is gone; its sources and references are the survivor's
  kAlreadyOne, // a merge before this one (another process's, or a redelivery's) did it
  kConflict,   // the rows disagree on another identifier: not merged, in identity_conflicts
};

struct MergeResult {
  MergeOutcome outcome = MergeOutcome::kAlreadyOne;
  Entity entity = Entity::kTrack;
  std::string kind;  // the shared identifier's kind
  std::int64_t survivor = 0;
  std::int64_t absorbed = 0;  // kMerged only
  // What the survivor's recompute found: its merged identifiers held by yet another row.
  std::vector<MergeCandidate> more;
};

// The rows of a merge statement (CatalogWriter's kMergeTracks / kMergeAlbums): one per
// identifier a row claims that another row holds, columns id, kind, value, other.
std::vector<MergeCandidate> CandidatesOf(const pqxx::result& rows, Entity entity);

// Merges the candidate's two rows in one transaction on `connection`, ordered with the
// writers by the rows' locks (taken in identity_key order, the writers' order):
// - both ids are first resolved through the aliases (a merge may have absorbed either);
// - the survivor is the row with the stronger identity key (isrc:/upc: > mbid: > spotify: >
//   discogs: > name:), then the older row;
// - per provider, the newer of the two sources (fetched_at) is kept; references follow;
//   the absorbed row's ids fill the survivor's empty ones; `recompute` (the writer's merge
//   statement: $1 bigint[] of ids, $2 the merge priority) recomputes the survivor once;
// - an alias keeps the absorbed identity key and id resolving to the survivor.
// Artists (no sources, no identity key): both rows are locked in name_key order, the survivor
// is the older row (lower id), tracks and albums follow it, the absorbed row's ids fill the
// survivor's empty ones and an artist_aliases row keeps its name_key resolving; `recompute`
// is not used (nullptr).
// Throws what libpqxx throws; the caller retries deadlocks.
MergeResult MergeRows(pqxx::connection_base& connection, const MergeCandidate& candidate, const char* recompute,
                      const std::string& merge_priority_array);

}  // namespace db
