#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/config/env.hpp"
#include "common/core/result.hpp"
#include "common/runtime/builder.hpp"
#include "workers/recommend/similarity.hpp"

// tunefleet-recommend: keeps track_similar (the top K neighbours of every track) up to date.
// docs/builders/recommend.md has the formula and the settings.
namespace recommend {

struct RecommendSettings {
  std::size_t k = 20;             // TUNEFLEET_RECOMMEND_K: neighbours kept per track (1..200)
  std::size_t candidates = 500;   // TUNEFLEET_RECOMMEND_CANDIDATES: tracks scored per track (>= k)
  ScoringWeights weights;         // TUNEFLEET_RECOMMEND_WEIGHT_{GENRES,MOODS,AUDIO,POPULARITY}
  // TUNEFLEET_RECOMMEND_STATS_TTL: how long the catalog mean/stddev of the audio features is
  // reused before it is read again (they move slowly; reading them scans the whole table).
  std::chrono::milliseconds stats_ttl = std::chrono::minutes{10};
};

// Reads TUNEFLEET_RECOMMEND_*; throws config::ConfigError naming the variable.
RecommendSettings LoadRecommendSettings(const config::Env& env);

// The builder. Not thread safe: the runtime calls it from its one database thread. Opens its
// connection on first use and again after a failure.
std::unique_ptr<runtime::Builder> MakeRecommendBuilder(std::string postgres_dsn, RecommendSettings settings,
                                                       const resilience::Clock& clock);

// EXPLAIN (no ANALYZE) of each candidate statement the builder runs for `track_ids`, with the
// same parameters and session settings: the plan tests read it to check the GIN indexes are
// used. One plan text per statement, lines joined by '\n'.
core::Result<std::vector<std::string>> ExplainCandidateQueries(const std::string& postgres_dsn,
                                                               const std::vector<std::int64_t>& track_ids,
                                                               const RecommendSettings& settings);

}  // namespace recommend
