#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"

// `tunefleet stats`: the catalog's figures, read from the catalog_stats_* views of
// migrations/0008_catalog_stats.sql (the Grafana "Catalog" dashboard reads the same views),
// and their two renderings. Formatting is pure; ReadCatalogStats is the one database call.
namespace stats {

struct Bucket {
  int providers = 0;        // how many providers stored the entity (source rows with status ok)
  std::int64_t count = 0;   // tracks (or albums) with that many
};

struct SourceCounts {
  std::int64_t stored = 0;     // source rows with status ok
  std::int64_t not_found = 0;  // source rows with status not_found
};

struct ProviderCoverage {
  std::string provider;
  SourceCounts tracks;
  SourceCounts albums;
  // Messages in RabbitMQ's tunefleet.<provider>.dead (ready + unacked); nullopt when the
  // management API was not asked or did not answer.
  std::optional<std::int64_t> dead_letters;
};

struct TagCount {
  std::string name;
  std::int64_t tracks = 0;
  double share = 0;  // of all tracks, 0..1, rounded to 4 decimals by the view
};

struct FeatureVersion {
  int version = 0;
  bool latest = false;
  std::int64_t rows = 0;
  std::int64_t cells = 0;
  std::int64_t missing_cells = 0;
  double missing_share = 0;
};

struct ProviderRate {
  std::string provider;
  std::int64_t jobs_last_hour = 0;
  std::int64_t jobs_last_day = 0;
};

struct CatalogStats {
  std::string at;  // when it was read, RFC 3339 UTC (the database's clock)
  std::int64_t tracks = 0;
  std::int64_t albums = 0;
  std::int64_t tracks_with_audio_features = 0;
  double audio_features_share = 0;
  std::vector<Bucket> tracks_by_providers;  // providers ascending, 0 first
  std::vector<Bucket> albums_by_providers;
  std::vector<ProviderCoverage> coverage;   // by provider name
  bool dead_letters_known = false;          // the management API answered
  int top = 0;                              // genres and moods hold at most this many
  std::vector<TagCount> genres;             // most tracks first, then by name
  std::int64_t distinct_genres = 0;
  std::vector<TagCount> moods;
  std::int64_t distinct_moods = 0;
  std::vector<FeatureVersion> feature_matrix;  // by version
  std::vector<ProviderRate> enrichment_rate;   // by provider
  // Identity merges (catalog_stats_identity, migrations/0010_identity_stats.sql): rows merged
  // into another, and pairs of rows in identity_conflicts.
  std::int64_t merged_tracks = 0;
  std::int64_t merged_albums = 0;
  std::int64_t merged_artists = 0;
  std::int64_t identity_conflicts = 0;
};

// Reads every figure in one read-only REPEATABLE READ transaction (one snapshot).
core::Result<CatalogStats> ReadCatalogStats(const std::string& dsn, int top);

// Sets each provider's dead_letters from {provider: messages}; providers only the broker
// knows get a coverage row of their own.
void AddDeadLetters(CatalogStats& stats, const std::map<std::string, std::int64_t>& dead);

// Aligned tables for a terminal.
std::string FormatTable(const CatalogStats& stats);

// One JSON document (docs/OPERATIONS.md, "tunefleet stats"), no trailing newline.
std::string FormatJson(const CatalogStats& stats);

}  // namespace stats
