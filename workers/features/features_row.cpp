#include "workers/features/features_row.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>

namespace features {
namespace {

// A double as a float value, or missing when it does not fit (or is not finite).
void Put(FeatureRow& row, std::size_t column, std::optional<double> value) {
  if (!value || !std::isfinite(*value) || std::fabs(*value) > std::numeric_limits<float>::max()) {
    row.missing[column] = true;
    return;
  }
  row.values[column] = static_cast<float>(*value);
}

void OneHot(FeatureRow& row, std::size_t first, const std::vector<std::string>& vocabulary,
            const std::vector<std::string>& tags) {
  if (tags.empty()) {
    for (std::size_t i = 0; i < vocabulary.size(); ++i) row.missing[first + i] = true;
    return;
  }
  // A linear search: vocabularies are a few dozen names, and a stored version's order is
  // whatever its row says (sorted when this builder wrote it, but not assumed).
  for (const auto& tag : tags) {
    auto it = std::find(vocabulary.begin(), vocabulary.end(), tag);
    if (it != vocabulary.end()) {
      row.values[first + static_cast<std::size_t>(it - vocabulary.begin())] = 1.0F;
    }
  }
}

}  // namespace

std::vector<std::string> ColumnNames(const VocabularyContent& content) {
  std::vector<std::string> columns(kFixedColumns.begin(), kFixedColumns.end());
  for (const auto& g : content.genres) columns.push_back(std::string(kGenrePrefix) + g);
  for (const auto& m : content.moods) columns.push_back(std::string(kMoodPrefix) + m);
  return columns;
}

FeatureRow ComputeRow(const TrackInput& track, const VocabularyContent& vocabulary) {
  const std::size_t size = kFixedColumns.size() + vocabulary.genres.size() + vocabulary.moods.size();
  FeatureRow row{std::vector<float>(size, 0.0F), std::vector<bool>(size, false)};
  Put(row, 0, track.duration_ms);
  Put(row, 1, track.popularity);
  Put(row, 2, track.track_number);
  Put(row, 3, track.release_year);
  if (track.explicit_flag) {
    row.values[4] = *track.explicit_flag ? 1.0F : 0.0F;
  } else {
    row.missing[4] = true;
  }
  for (std::size_t i = 0; i < kAudioFeatures.size(); ++i) Put(row, 5 + i, track.audio[i]);
  OneHot(row, kFixedColumns.size(), vocabulary.genres, track.genres);
  OneHot(row, kFixedColumns.size() + vocabulary.genres.size(), vocabulary.moods, track.moods);
  return row;
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::vector<std::string> SelectTop(const std::vector<std::string>& current, const TagCounts& counts,
                                   const VocabularyRules& rules) {
  std::unordered_map<std::string, std::int64_t> count_of;
  for (const auto& [tag, count] : counts) count_of[tag] += count;
  auto count = [&](const std::string& tag) {
    auto it = count_of.find(tag);
    return it == count_of.end() ? std::int64_t{0} : it->second;
  };
  // More frequent first; ties by name so the result never depends on input order.
  auto before = [&](const std::string& a, const std::string& b) {
    return count(a) != count(b) ? count(a) > count(b) : a < b;
  };

  std::vector<std::string> members;
  for (const auto& tag : std::set<std::string>(current.begin(), current.end())) {
    if (count(tag) > 0) members.push_back(tag);
  }
  std::sort(members.begin(), members.end(), before);
  const auto top = static_cast<std::size_t>(std::max(rules.top, 0));
  if (members.size() > top) members.resize(top);

  std::vector<std::string> candidates;
  const std::set<std::string> member_set(members.begin(), members.end());
  for (const auto& [tag, n] : count_of) {
    if (n >= rules.min_tracks && n > 0 && member_set.count(tag) == 0) candidates.push_back(tag);
  }
  std::sort(candidates.begin(), candidates.end(), before);

  std::size_t next = 0;
  while (members.size() < top && next < candidates.size()) members.push_back(candidates[next++]);
  // members stays sorted most frequent first: the last one is the weakest.
  std::sort(members.begin(), members.end(), before);
  while (next < candidates.size() && !members.empty()) {
    const std::string& newcomer = candidates[next];
    const double weakest = static_cast<double>(count(members.back()));
    if (static_cast<double>(count(newcomer)) <= weakest * (1.0 + rules.margin)) break;
    members.back() = newcomer;
    ++next;
    std::sort(members.begin(), members.end(), before);
  }
  std::sort(members.begin(), members.end());
  return members;
}

std::optional<VocabularyContent> NextVocabulary(const std::optional<VocabularyContent>& latest,
                                                const TagCounts& genre_counts, const TagCounts& mood_counts,
                                                const VocabularyRules& genre_rules,
                                                const VocabularyRules& mood_rules) {
  static const VocabularyContent kEmpty;
  const VocabularyContent& base = latest ? *latest : kEmpty;
  VocabularyContent next{SelectTop(base.genres, genre_counts, genre_rules),
                         SelectTop(base.moods, mood_counts, mood_rules)};
  if (latest && next == *latest) return std::nullopt;
  return next;
}

}  // namespace features

