#include "workers/features/features_builder.hpp"

namespace features {

FeaturesSettings LoadFeaturesSettings(const config::Env& env) {
  using namespace std::chrono_literals;
  const FeaturesSettings defaults;
  FeaturesSettings s;
  s.top_genres = static_cast<int>(env.Int("TUNEFLEET_FEATURES_TOP_GENRES", defaults.top_genres, 0, 1000));
  s.top_moods = static_cast<int>(env.Int("TUNEFLEET_FEATURES_TOP_MOODS", defaults.top_moods, 0, 1000));
  s.vocabulary_refresh = env.Duration("TUNEFLEET_FEATURES_VOCABULARY_REFRESH", defaults.vocabulary_refresh, 1s);
  s.vocabulary_min_tracks =
      env.Int("TUNEFLEET_FEATURES_VOCABULARY_MIN_TRACKS", defaults.vocabulary_min_tracks, 1, 1'000'000'000);
  s.vocabulary_margin = env.Double("TUNEFLEET_FEATURES_VOCABULARY_MARGIN", defaults.vocabulary_margin, 0, 10);
  s.background_chunk =
      static_cast<int>(env.Int("TUNEFLEET_FEATURES_BACKGROUND_CHUNK", defaults.background_chunk, 1, 10000));
  return s;
}

}  // namespace features
