#include "tools/tunefleet/publish_report.hpp"

#include <cmath>
#include <cstdio>

namespace publish {
namespace {

std::string Rejected(const Counters& counters, std::string_view rejects_path) {
  std::string out = std::to_string(counters.rejected) + " rejected";
  if (counters.rejected > 0) out += " (see " + std::string(rejects_path) + ")";
  return out;
}

double Rate(std::uint64_t n, double seconds) { return seconds > 0 ? static_cast<double>(n) / seconds : 0.0; }

}  // namespace

std::string FormatCount(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatRate(double per_second) {
  if (!(per_second > 0) || !std::isfinite(per_second)) return "0";
  if (per_second < 100) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", per_second);
    return buffer;
  }
  const double magnitude = std::pow(10.0, std::floor(std::log10(per_second)) - 2);
  return FormatCount(static_cast<std::uint64_t>(std::llround(per_second / magnitude) * static_cast<long long>(magnitude)));
}

std::string FormatDuration(double seconds) {
  char buffer[48];
  if (seconds < 10) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
  } else if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.0f s", seconds);
  } else if (seconds < 3600) {
    const auto whole = static_cast<long long>(seconds);
    std::snprintf(buffer, sizeof buffer, "%lld min %02lld s", whole / 60, whole % 60);
  } else {
    const auto minutes = static_cast<long long>(seconds / 60);
    std::snprintf(buffer, sizeof buffer, "%lld h %02lld min", minutes / 60, minutes % 60);
  }
  return buffer;
}

std::string ProgressLine(const Counters& counters, double elapsed_seconds, std::optional<double> fraction) {
  std::string out = "read " + FormatCount(counters.lines) + " lines, published " + FormatCount(counters.published) +
                    ", confirmed " + FormatCount(counters.confirmed) + ", rejected " +
                    FormatCount(counters.rejected) + ", " + FormatRate(Rate(counters.confirmed, elapsed_seconds)) +
                    "/s";
  if (fraction && *fraction > 0.0 && *fraction <= 1.0) {
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.0f%%", *fraction * 100);
    out += ", " + std::string(percent);
    if (elapsed_seconds >= 1.0) out += ", ETA " + FormatDuration(elapsed_seconds * (1.0 - *fraction) / *fraction);
  }
  return out;
}

std::string SummaryLine(const Counters& counters, std::string_view exchange, std::string_view routing,
                        double elapsed_seconds, std::string_view rejects_path) {
  return "published " + std::to_string(counters.published) + " jobs (" + std::to_string(counters.confirmed) +
         " confirmed) to " + std::string(exchange) + " as " + std::string(routing) + " in " +
         FormatDuration(elapsed_seconds) + " (" + FormatRate(Rate(counters.confirmed, elapsed_seconds)) +
         "/s); " + Rejected(counters, rejects_path);
}

std::string DryRunSummaryLine(const Counters& counters, double elapsed_seconds, std::string_view rejects_path) {
  const std::uint64_t valid = counters.lines - counters.rejected;
  return "validated " + std::to_string(counters.lines) + " lines in " + FormatDuration(elapsed_seconds) + " (" +
         FormatRate(Rate(counters.lines, elapsed_seconds)) + "/s), " + std::to_string(valid) +
         " valid, nothing published (--dry-run); " + Rejected(counters, rejects_path);
}

}  // namespace publish
