#include "common/runtime/run_worker.hpp"
#include "workers/fleet/fleet.hpp"
#include "workers/musicbrainz/musicbrainz_provider.hpp"
#include "workers/musicbrainz/musicbrainz_spec.hpp"

int main(int argc, char* argv[]) {
  runtime::WorkerSpec worker;
  worker.provider = musicbrainz::Spec();
  worker.make = [](runtime::ProviderContext& context) -> std::unique_ptr<runtime::Provider> {
    musicbrainz::MusicBrainzSettings settings = musicbrainz::LoadMusicBrainzSettings(context.settings);
    settings.tracklists = context.album_tracks;
    return std::make_unique<musicbrainz::MusicBrainzProvider>(*context.gateway, std::move(settings));
  };
  worker.normalize = musicbrainz::NormalizeAnswer;
  return runtime::RunWorker(argc, argv, worker, fleet::Providers());
}
