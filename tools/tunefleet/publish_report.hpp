#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// What `tunefleet publish` prints: progress and the summary. Pure formatting.
namespace publish {

struct Counters {
  std::uint64_t lines = 0;            // data records read (after --skip-lines; blank lines excluded)
  std::uint64_t rejected = 0;         // records written to the rejects file
  std::uint64_t published = 0;        // messages published (republishing does not count again)
  std::uint64_t republished = 0;      // messages published again after a nack or a lost connection
  std::uint64_t confirmed = 0;        // messages the broker confirmed
  std::uint64_t confirmed_lines = 0;  // lines whose every message is confirmed
};

// 52600 -> "52,600".
std::string FormatCount(std::uint64_t n);
// Three significant digits, grouped: 52634.2 -> "52,600", 812.4 -> "812", 3.14 -> "3.14".
std::string FormatRate(double per_second);
// "0.4 s", "1.9 s", "59 s", "2 min 05 s", "1 h 02 min".
std::string FormatDuration(double seconds);

// One progress line (no line break): read, published, confirmed, rejected, rate and, when
// `fraction` (0..1 of the input read) is known, the ETA.
std::string ProgressLine(const Counters& counters, double elapsed_seconds, std::optional<double> fraction);

// "published 100000 jobs (100000 confirmed) to tunefleet.jobs as track.all in 1.9 s
// (52,600/s); 0 rejected", plus " (see FILE)" when some were rejected.
std::string SummaryLine(const Counters& counters, std::string_view exchange, std::string_view routing,
                        double elapsed_seconds, std::string_view rejects_path);
// The --dry-run summary: "validated 1000 lines in 0.1 s (10,000/s), nothing published; 2 rejected".
std::string DryRunSummaryLine(const Counters& counters, double elapsed_seconds, std::string_view rejects_path);

}  // namespace publish
