#include "common/metrics/builder_metrics.hpp"

namespace metrics {

BuilderMetrics::BuilderMetrics(prometheus::Registry& registry, const std::string& builder) {
  const prometheus::Labels labels{{"builder", builder}};
  ids_received_ = &prometheus::BuildCounter()
                       .Name("tunefleet_builder_ids_received_total")
                       .Help("Track ids read from follow-up messages")
                       .Register(registry)
                       .Add(labels);
  ids_coalesced_ = &prometheus::BuildCounter()
                        .Name("tunefleet_builder_ids_coalesced_total")
                        .Help("Track ids already waiting in the coalescing window (rebuilt once for all)")
                        .Register(registry)
                        .Add(labels);
  tracks_rebuilt_ = &prometheus::BuildCounter()
                         .Name("tunefleet_builder_tracks_rebuilt_total")
                         .Help("Tracks whose derived rows were recomputed and committed")
                         .Register(registry)
                         .Add(labels);
  tracks_missing_ = &prometheus::BuildCounter()
                         .Name("tunefleet_builder_tracks_missing_total")
                         .Help("Track ids with no tracks row any more (nothing to rebuild)")
                         .Register(registry)
                         .Add(labels);
  rebuild_seconds_ = &prometheus::BuildHistogram()
                          .Name("tunefleet_builder_rebuild_seconds")
                          .Help("Duration of one rebuild (all ids of one window)")
                          .Register(registry)
                          .Add(labels, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                                0.5, 1, 2.5, 5, 10, 30});
  background_steps_ = &prometheus::BuildCounter()
                           .Name("tunefleet_builder_background_steps_total")
                           .Help("Background steps that did work (e.g. rows moved to a new vocabulary)")
                           .Register(registry)
                           .Add(labels);
  pending_ids_ = &prometheus::BuildGauge()
                      .Name("tunefleet_builder_pending_ids")
                      .Help("Distinct track ids waiting for the next rebuild")
                      .Register(registry)
                      .Add(labels);
}

}  // namespace metrics
