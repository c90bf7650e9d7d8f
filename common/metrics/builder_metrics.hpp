#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace metrics {

// A builder's own metrics (names defined here, once), next to the WorkerMetrics every
// consumer exports. `builder` is the label value ("recommend", "features").
class BuilderMetrics {
 public:
  BuilderMetrics(prometheus::Registry& registry, const std::string& builder);

  // Track ids read from follow-ups, and those already waiting in the window (rebuilt once).
  prometheus::Counter& IdsReceived() { return *ids_received_; }
  prometheus::Counter& IdsCoalesced() { return *ids_coalesced_; }
  // Tracks recomputed, and ids that had no tracks row any more.
  prometheus::Counter& TracksRebuilt() { return *tracks_rebuilt_; }
  prometheus::Counter& TracksMissing() { return *tracks_missing_; }
  prometheus::Histogram& RebuildSeconds() { return *rebuild_seconds_; }
  prometheus::Counter& BackgroundSteps() { return *background_steps_; }
  prometheus::Gauge& PendingIds() { return *pending_ids_; }

 private:
  prometheus::Counter* ids_received_;
  prometheus::Counter* ids_coalesced_;
  prometheus::Counter* tracks_rebuilt_;
  prometheus::Counter* tracks_missing_;
  prometheus::Histogram* rebuild_seconds_;
  prometheus::Counter* background_steps_;
  prometheus::Gauge* pending_ids_;
};

}  // namespace metrics
