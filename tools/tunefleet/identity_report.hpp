#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"

// `tunefleet identity conflicts | merges`: what the identity merges of
// migrations/0009_identity_merge.sql left (docs/OPERATIONS.md, "Identity merges and
// conflicts"). The two Read* functions are the database calls; formatting is pure.
namespace identity {

// One side of a conflict: a row and its value of the conflicting identifier.
struct ConflictRow {
  std::int64_t id = 0;
  std::string label;  // "artist - title" (tracks, albums) or the artist's name; empty: the row is gone
  std::string value;  // its value of the conflicting identifier
};

// An identity_conflicts row: two rows that share one identifier and disagree on another.
struct Conflict {
  std::string entity;  // track | album | artist
  ConflictRow low;     // the lower id
  ConflictRow high;
  std::string shared_kind;
  std::string shared_value;
  std::string conflict_kind;
  std::int64_t seen = 0;  // how often a write met the pair
  std::string first_seen;  // RFC 3339 UTC
  std::string last_seen;
};

// An alias row: a row a merge absorbed, and the survivor it resolves to.
struct Merge {
  std::string entity;  // track | album
  std::int64_t absorbed_id = 0;
  std::string identity_key;  // the absorbed row's identity key (it keeps resolving)
  std::int64_t survivor_id = 0;
  std::string survivor;  // the survivor's "artist - title"; empty when the survivor is gone
  std::string kind;      // the identifier both rows held
  std::string value;
  std::string merged_at;  // RFC 3339 UTC
};

struct MergeTotal {
  std::string entity;
  std::string kind;
  std::int64_t merges = 0;
};

struct MergeList {
  std::vector<Merge> merges;       // newest first, at most the limit
  std::vector<MergeTotal> totals;  // every merge since `since`, by entity then kind
};

// Conflicts, the most recently seen first. `entity`: empty for all.
core::Result<std::vector<Conflict>> ReadConflicts(const std::string& dsn, const std::string& entity, int limit);

// Merges at or after `since` (PostgreSQL timestamptz text; empty: all), newest first.
core::Result<MergeList> ReadMerges(const std::string& dsn, const std::string& since, int limit);

std::string FormatConflicts(const std::vector<Conflict>& conflicts);
std::string FormatConflictsJson(const std::vector<Conflict>& conflicts);
std::string FormatMerges(const MergeList& list);
std::string FormatMergesJson(const MergeList& list);

// --since: "2026-12-07" (midnight UTC), "2026-12-07T18:00:00Z", or "7d" / "24h" / "30m" before
// `now`, as timestamptz text for ReadMerges ("2026-12-07 18:00:00+00"); nullopt when `text` is
// none of these (or not a real date).
std::optional<std::string> ParseSince(const std::string& text, std::chrono::system_clock::time_point now);

}  // namespace identity
