#include "common/runtime/run_worker.hpp"
#include "workers/fleet/fleet.hpp"
#include "workers/spotify/spotify_parse.hpp"
#include "workers/spotify/spotify_provider.hpp"
#include "workers/spotify/spotify_spec.hpp"

int main(int argc, char* argv[]) {
  static const resilience::SteadyClock clock;
  runtime::WorkerSpec worker;
  worker.provider = spotify::Spec();
  worker.make = [](runtime::ProviderContext& context) {
    return std::make_unique<spotify::SpotifyProvider>(spotify::LoadSpotifySettings(context.env, context.settings),
                                                      context, clock);
  };
  worker.normalize = spotify::NormalizeResponse;
  return runtime::RunWorker(argc, argv, worker, fleet::Providers());
}
