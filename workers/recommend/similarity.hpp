#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// How tunefleet-recommend scores one track against another (docs/builders/recommend.md). Pure
// functions: no SQL, no clock, no globals; the builder feeds them rows it read.
namespace recommend {

inline constexpr std::size_t kAudioFeatureCount = 9;
// The keys of tracks.audio_features used for the audio term, in this order everywhere.
inline constexpr std::array<std::string_view, kAudioFeatureCount> kAudioFeatureNames = {
    "danceability", "energy",   "valence",     "tempo",   "acousticness",
    "instrumentalness", "liveness", "speechiness", "loudness"};

using AudioFeatures = std::array<std::optional<double>, kAudioFeatureCount>;

// What scoring needs of one track. Genres and moods in the row's order (most agreed first).
struct TrackProfile {
  std::int64_t id = 0;
  std::vector<std::string> genres;
  std::vector<std::string> moods;
  std::optional<double> popularity;  // 0..100; nullopt when unknown
  AudioFeatures audio;               // all nullopt when the track has no audio_features
};

// Catalog mean and standard deviation of each audio feature, to standardize them (z-scores):
// tempo (60..200 BPM) and loudness (-60..0 dB) would otherwise swamp the 0..1 features. A
// feature whose stddev is not positive (unknown, or constant over the catalog) is left out.
struct FeatureStats {
  std::array<double, kAudioFeatureCount> mean{};
  std::array<double, kAudioFeatureCount> stddev{};
};

// Relative weights of the four terms; only their ratios matter. Defaults in
// docs/builders/recommend.md.
struct ScoringWeights {
  double genres = 0.45;      // Jaccard overlap of genres
  double moods = 0.20;       // Jaccard overlap of moods
  double audio = 0.25;       // 1 / (1 + RMS distance of standardized audio features)
  double popularity = 0.10;  // 1 - |popularity difference| / 100
};

// The four terms for one pair, each nullopt when either track lacks what it compares: an
// empty genre or mood list means "not known" (providers had none), not "has none".
struct SimilarityTerms {
  std::optional<double> genres;
  std::optional<double> moods;
  std::optional<double> audio;
  std::optional<double> popularity;
};

// |a ∩ b| / |a ∪ b| of two tag lists (duplicates count once); 0 when both are empty.
double Jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b);

// Root mean square of the z-score differences over the features both tracks have (and whose
// stddev is positive); nullopt when there is none.
std::optional<double> AudioDistance(const AudioFeatures& a, const AudioFeatures& b, const FeatureStats& stats);

SimilarityTerms Terms(const TrackProfile& target, const TrackProfile& candidate, const FeatureStats& stats);

// The weighted mean of the terms that exist for this pair: a missing term drops out together
// with its weight instead of counting as 0 (which would rank every track without audio
// features last) or as a guess. In [0, 1]; 0 when no term with a positive weight exists.
double Score(const SimilarityTerms& terms, const ScoringWeights& weights);

// The tags of `target` that `candidate` also has, in the target's order.
std::vector<std::string> SharedTags(const std::vector<std::string>& target, const std::vector<std::string>& candidate);

struct Neighbour {
  std::int64_t id = 0;
  double score = 0;
  std::vector<std::string> shared_genres;
  std::vector<std::string> shared_moods;
};

// The best `k` of `candidates` for `target`, best first: higher score first, equal scores by
// lower id, so the same input always gives the same list. Skips the target itself and
// repeated candidate ids.
std::vector<Neighbour> TopNeighbours(const TrackProfile& target, const std::vector<const TrackProfile*>& candidates,
                                     const ScoringWeights& weights, const FeatureStats& stats, std::size_t k);

// Merges one target's candidate lists into at most `limit` distinct ids, not `exclude`:
// `preferred` first (tracks carrying all of the target's genres, or of its artist), then the
// per-tag `pools` taken in turns (one id from each pool per round), in the given order of
// pools (the builder passes the rarest tag first, whose tracks say the most).
std::vector<std::int64_t> MergeCandidates(const std::vector<std::int64_t>& preferred,
                                          const std::vector<const std::vector<std::int64_t>*>& pools,
                                          std::int64_t exclude, std::size_t limit);

}  // namespace recommend
