#include "common/runtime/builder.hpp"
#include "workers/features/features_builder.hpp"
#include "workers/fleet/fleet.hpp"

int main(int argc, char* argv[]) {
  runtime::BuilderSpec spec;
  spec.name = "features";
  spec.make = [](const runtime::BuilderContext& context) {
    return features::MakeFeaturesBuilder(context.postgres_dsn, features::LoadFeaturesSettings(context.env),
                                         context.clock);
  };
  return runtime::RunBuilder(argc, argv, spec, fleet::Providers());
}
