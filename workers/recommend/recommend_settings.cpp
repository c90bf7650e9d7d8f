#include <string>

#include "workers/recommend/recommend_builder.hpp"

namespace recommend {

RecommendSettings LoadRecommendSettings(const config::Env& env) {
  const RecommendSettings defaults;
  RecommendSettings s;
  // rank is a smallint and the CLI prints one line per neighbour: a few hundred is plenty.
  s.k = static_cast<std::size_t>(env.Int("TUNEFLEET_RECOMMEND_K", static_cast<std::int64_t>(defaults.k), 1, 200));
  s.candidates = static_cast<std::size_t>(
      env.Int("TUNEFLEET_RECOMMEND_CANDIDATES", static_cast<std::int64_t>(defaults.candidates), 1, 100000));
  if (s.candidates < s.k) {
    throw config::ConfigError("TUNEFLEET_RECOMMEND_CANDIDATES (" + std::to_string(s.candidates) +
                              ") is smaller than TUNEFLEET_RECOMMEND_K (" + std::to_string(s.k) +
                              "); at least K candidates are needed to keep K neighbours");
  }
  s.weights.genres = env.Double("TUNEFLEET_RECOMMEND_WEIGHT_GENRES", defaults.weights.genres, 0, 1000);
  s.weights.moods = env.Double("TUNEFLEET_RECOMMEND_WEIGHT_MOODS", defaults.weights.moods, 0, 1000);
  s.weights.audio = env.Double("TUNEFLEET_RECOMMEND_WEIGHT_AUDIO", defaults.weights.audio, 0, 1000);
  s.weights.popularity = env.Double("TUNEFLEET_RECOMMEND_WEIGHT_POPULARITY", defaults.weights.popularity, 0, 1000);
  if (!(s.weights.genres + s.weights.moods > 0)) {
    // Candidates are found through shared genres and moods; with both weights at 0 a track
    // without audio features or popularity would score 0 against everything.
    throw config::ConfigError(
        "TUNEFLEET_RECOMMEND_WEIGHT_GENRES and TUNEFLEET_RECOMMEND_WEIGHT_MOODS are both 0; at least one must be "
        "positive");
  }
  s.stats_ttl = env.Duration("TUNEFLEET_RECOMMEND_STATS_TTL", defaults.stats_ttl);
  return s;
}

}  // namespace recommend
