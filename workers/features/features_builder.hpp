#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/config/env.hpp"
#include "common/runtime/builder.hpp"

// tunefleet-features: keeps one feature vector per track in track_features, against a
// versioned vocabulary of the catalog's top genres and moods (docs/builders/features.md).
namespace features {

struct FeaturesSettings {
  int top_genres = 50;  // TUNEFLEET_FEATURES_TOP_GENRES: genre columns (0..1000)
  int top_moods = 20;   // TUNEFLEET_FEATURES_TOP_MOODS: mood columns (0..1000)
  // TUNEFLEET_FEATURES_VOCABULARY_REFRESH: how often the top genres and moods are derived
  // again from the catalog (at least 1 s from the environment; tests may set 0: every call).
  std::chrono::milliseconds vocabulary_refresh{std::chrono::minutes{5}};
  // TUNEFLEET_FEATURES_VOCABULARY_MIN_TRACKS: a genre or mood enters the vocabulary only once
  // this many tracks carry it.
  std::int64_t vocabulary_min_tracks = 3;
  // TUNEFLEET_FEATURES_VOCABULARY_MARGIN: a newcomer displaces a member of a full vocabulary
  // only when it is on more than (1 + margin) times as many tracks (0..10).
  double vocabulary_margin = 0.10;
  // TUNEFLEET_FEATURES_BACKGROUND_CHUNK: tracks rebuilt per Background() step (1..10000).
  int background_chunk = 500;
};

// Throws config::ConfigError naming the variable for a bad value.
FeaturesSettings LoadFeaturesSettings(const config::Env& env);

// The builder: Name() "features". Not thread safe (the runtime calls it from one thread).
std::unique_ptr<runtime::Builder> MakeFeaturesBuilder(std::string postgres_dsn, FeaturesSettings settings,
                                                      const resilience::Clock& clock);

}  // namespace features
