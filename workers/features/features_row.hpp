#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The pure half of tunefleet-features: which columns a vocabulary gives, how one track
// becomes a feature vector, and when the vocabulary gets a new version. No SQL, no clock.
// docs/builders/features.md describes the columns and rules these functions implement.
namespace features {

// The audio features read from tracks.audio_features, in column order.
inline constexpr std::array<std::string_view, 9> kAudioFeatures = {
    "danceability", "energy",   "valence",     "tempo",   "acousticness",
    "instrumentalness", "liveness", "speechiness", "loudness"};

// The columns every vocabulary starts with, in order, before its genre and mood columns.
inline constexpr std::array<std::string_view, 14> kFixedColumns = {
    "duration_ms", "popularity", "track_number", "release_year", "explicit",
    "danceability", "energy", "valence", "tempo", "acousticness",
    "instrumentalness", "liveness", "speechiness", "loudness"};

inline constexpr std::string_view kGenrePrefix = "genre:";
inline constexpr std::string_view kMoodPrefix = "mood:";

// The genres and moods one-hot encoded by one version, each list in column order (sorted).
struct VocabularyContent {
  std::vector<std::string> genres;
  std::vector<std::string> moods;
  bool operator==(const VocabularyContent&) const = default;
};

struct Vocabulary {
  int version = 0;
  VocabularyContent content;
};

// kFixedColumns, then "genre:<g>" for each genre, then "mood:<m>" for each mood.
std::vector<std::string> ColumnNames(const VocabularyContent& content);

// What the builder reads of one tracks row; nullopt = NULL (unknown).
struct TrackInput {
  std::int64_t id = 0;
  std::optional<double> duration_ms;
  std::optional<double> popularity;
  std::optional<double> track_number;
  std::optional<double> release_year;
  std::optional<bool> explicit_flag;
  // In kAudioFeatures order; nullopt when the object, or that key, is absent or not a number.
  std::array<std::optional<double>, kAudioFeatures.size()> audio;
  std::vector<std::string> genres;
  std::vector<std::string> moods;
};

// One track_features row: values in ColumnNames order, 0 where missing.
struct FeatureRow {
  std::vector<float> values;
  std::vector<bool> missing;
};

// Pure. Missing: a NULL field, an absent or non-numeric audio feature, a value that does not
// fit a float, and every genre column of a track with no genres at all (same for moods). A
// track with genres none of which is in the vocabulary has 0 (known) in every genre column.
FeatureRow ComputeRow(const TrackInput& track, const VocabularyContent& vocabulary);

// A number from tracks.audio_features (the text of a JSON number); nullopt if it is not one
// or does not fit a double.
std::optional<double> ParseNumber(std::string_view text);

// How many tracks carry each genre (or mood), as derived from the catalog.
using TagCounts = std::vector<std::pair<std::string, std::int64_t>>;

struct VocabularyRules {
  int top = 50;                 // N: at most this many entries
  std::int64_t min_tracks = 3;  // a newcomer needs at least this many tracks
  double margin = 0.10;         // a newcomer displaces a member only with > (1 + margin) x its count
};

// Pure. The top-N entries given the current ones: members still in the catalog stay (the
// least frequent are dropped when there are more than N), free places go to the most
// frequent newcomers with at least min_tracks tracks, and a newcomer displaces the least
// frequent member only when it beats it by the margin. Sorted by name (column order).
std::vector<std::string> SelectTop(const std::vector<std::string>& current, const TagCounts& counts,
                                   const VocabularyRules& rules);

// Pure. The content a new version should have, or nullopt when `latest` (nullopt: no version
// yet, then the answer is always a content, possibly empty) should stay.
std::optional<VocabularyContent> NextVocabulary(const std::optional<VocabularyContent>& latest,
                                                const TagCounts& genre_counts, const TagCounts& mood_counts,
                                                const VocabularyRules& genre_rules,
                                                const VocabularyRules& mood_rules);

}  // namespace features

