#include "common/runtime/builder.hpp"
#include "workers/recommend/recommend_builder.hpp"
#include "workers/fleet/fleet.hpp"

int main(int argc, char* argv[]) {
  runtime::BuilderSpec spec;
  spec.name = "recommend";
  spec.make = [](const runtime::BuilderContext& context) {
    return recommend::MakeRecommendBuilder(context.postgres_dsn, recommend::LoadRecommendSettings(context.env),
                                           context.clock);
  };
  return runtime::RunBuilder(argc, argv, spec, fleet::Providers());
}
