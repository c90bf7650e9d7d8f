#include "workers/recommend/similarity.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace recommend {
namespace {

bool Contains(const std::vector<std::string>& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

// Tag lists hold at most a few dozen entries, so linear scans beat building sets.
std::size_t DistinctCount(const std::vector<std::string>& tags) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (std::find(tags.begin(), tags.begin() + static_cast<std::ptrdiff_t>(i), tags[i]) ==
        tags.begin() + static_cast<std::ptrdiff_t>(i)) {
      ++n;
    }
  }
  return n;
}

}  // namespace

double Jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::size_t size_a = DistinctCount(a);
  const std::size_t size_b = DistinctCount(b);
  if (size_a == 0 && size_b == 0) return 0;
  std::size_t shared = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto first = a.begin() + static_cast<std::ptrdiff_t>(i);
    if (std::find(a.begin(), first, a[i]) != first) continue;  // counted already
    if (Contains(b, a[i])) ++shared;
  }
  return static_cast<double>(shared) / static_cast<double>(size_a + size_b - shared);
}

std::optional<double> AudioDistance(const AudioFeatures& a, const AudioFeatures& b, const FeatureStats& stats) {
  double sum = 0;
  int used = 0;
  for (std::size_t i = 0; i < kAudioFeatureCount; ++i) {
    if (!a[i] || !b[i] || !(stats.stddev[i] > 0)) continue;
    // (a - mean) / sd - (b - mean) / sd: the mean cancels out.
    const double diff = (*a[i] - *b[i]) / stats.stddev[i];
    sum += diff * diff;
    ++used;
  }
  if (used == 0) return std::nullopt;
  return std::sqrt(sum / used);
}

SimilarityTerms Terms(const TrackProfile& target, const TrackProfile& candidate, const FeatureStats& stats) {
  SimilarityTerms terms;
  if (!target.genres.empty() && !candidate.genres.empty()) terms.genres = Jaccard(target.genres, candidate.genres);
  if (!target.moods.empty() && !candidate.moods.empty()) terms.moods = Jaccard(target.moods, candidate.moods);
  if (auto distance = AudioDistance(target.audio, candidate.audio, stats)) terms.audio = 1.0 / (1.0 + *distance);
  if (target.popularity && candidate.popularity) {
    terms.popularity = std::clamp(1.0 - std::abs(*target.popularity - *candidate.popularity) / 100.0, 0.0, 1.0);
  }
  return terms;
}

double Score(const SimilarityTerms& terms, const ScoringWeights& weights) {
  double sum = 0;
  double weight = 0;
  auto add = [&](const std::optional<double>& term, double term_weight) {
    if (!term) return;
    sum += term_weight * *term;
    weight += term_weight;
  };
  add(terms.genres, weights.genres);
  add(terms.moods, weights.moods);
  add(terms.audio, weights.audio);
  add(terms.popularity, weights.popularity);
  return weight > 0 ? sum / weight : 0;
}

std::vector<std::string> SharedTags(const std::vector<std::string>& target, const std::vector<std::string>& candidate) {
  std::vector<std::string> shared;
  for (const auto& tag : target) {
    if (Contains(candidate, tag) && !Contains(shared, tag)) shared.push_back(tag);
  }
  return shared;
}

std::vector<Neighbour> TopNeighbours(const TrackProfile& target, const std::vector<const TrackProfile*>& candidates,
                                     const ScoringWeights& weights, const FeatureStats& stats, std::size_t k) {
  struct Scored {
    double score;
    const TrackProfile* profile;
  };
  std::vector<Scored> scored;
  scored.reserve(candidates.size());
  std::unordered_set<std::int64_t> seen;
  for (const TrackProfile* candidate : candidates) {
    if (candidate->id == target.id || !seen.insert(candidate->id).second) continue;
    scored.push_back({Score(Terms(target, *candidate, stats), weights), candidate});
  }
  auto better = [](const Scored& a, const Scored& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.profile->id < b.profile->id;
  };
  const std::size_t keep = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end(), better);
  std::vector<Neighbour> out;
  out.reserve(keep);
  for (std::size_t i = 0; i < keep; ++i) {
    const TrackProfile& c = *scored[i].profile;
    out.push_back({c.id, scored[i].score, SharedTags(target.genres, c.genres), SharedTags(target.moods, c.moods)});
  }
  return out;
}

std::vector<std::int64_t> MergeCandidates(const std::vector<std::int64_t>& preferred,
                                          const std::vector<const std::vector<std::int64_t>*>& pools,
                                          std::int64_t exclude, std::size_t limit) {
  std::vector<std::int64_t> out;
  std::unordered_set<std::int64_t> seen;
  auto take = [&](std::int64_t id) {
    if (id != exclude && seen.insert(id).second) out.push_back(id);
  };
  for (std::int64_t id : preferred) {
    if (out.size() >= limit) return out;
    take(id);
  }
  std::vector<std::size_t> next(pools.size(), 0);
  bool more = true;
  while (more && out.size() < limit) {
    more = false;
    for (std::size_t p = 0; p < pools.size() && out.size() < limit; ++p) {
      if (next[p] < pools[p]->size()) {
        take((*pools[p])[next[p]++]);
        more = true;
      }
    }
  }
  return out;
}

}  // namespace recommend
