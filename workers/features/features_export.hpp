#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

// What `tunefleet export` streams: the feature matrix and the enriched catalog, read with
// COPY in one REPEATABLE READ snapshot, one line at a time (memory does not grow with the
// catalog), ordered by track id (the same database gives the same bytes).
namespace features {

// Receives each output line, line break included; false stops the export (a write failed).
using LineSink = std::function<bool(std::string_view line)>;
// Called after each row with rows written so far and the rows the export will write.
using ProgressSink = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct FeaturesExport {
  int version = 0;                      // the vocabulary version exported
  std::vector<std::string> columns;     // its columns (the header is track_id + these)
  std::uint64_t rows = 0;               // rows written: tracks at that version
  std::uint64_t other_version_rows = 0; // tracks whose row is at another version (left out)
  std::uint64_t tracks_without_row = 0; // tracks the builder has not computed yet (left out)
};

// `version`: nullopt for the latest. Errors: kTransient (database unreachable, naming it),
// kInvalidInput (no such version, no vocabulary yet), and kTransient "output write failed"
// when `sink` returned false.
core::Result<FeaturesExport> ExportFeatures(const std::string& dsn, std::optional<int> version,
                                            const LineSink& sink, const ProgressSink& progress);

enum class TracksFormat { kCsv, kJsonl };

// The columns of `export tracks` (CSV header, JSONL keys).
const std::vector<std::string>& TrackExportColumns();

// Returns the number of tracks written.
core::Result<std::uint64_t> ExportTracks(const std::string& dsn, TracksFormat format, const LineSink& sink,
                                         const ProgressSink& progress);

}  // namespace features
