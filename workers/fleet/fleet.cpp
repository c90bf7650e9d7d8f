#include "workers/fleet/fleet.hpp"

#include "workers/aoty/aoty_spec.hpp"
#include "workers/cyanite/cyanite_spec.hpp"
#include "workers/discogs/discogs_spec.hpp"
#include "workers/lastfm/lastfm_spec.hpp"
#include "workers/musicbrainz/musicbrainz_spec.hpp"
#include "workers/noop/noop_spec.hpp"
#include "workers/spotify/spotify_spec.hpp"

namespace fleet {

const std::vector<runtime::ProviderSpec>& Providers() {
  static const std::vector<runtime::ProviderSpec> kProviders = {spotify::Spec(), lastfm::Spec(), musicbrainz::Spec(),
                                                                discogs::Spec(), cyanite::Spec(), aoty::Spec(),
                                                                noop::Spec()};
  return kProviders;
}

const config::ProviderNames& Names() {
  static const config::ProviderNames kNames = runtime::FleetNames(Providers());
  return kNames;
}

const std::vector<std::string>& MergePriority() {
  static const std::vector<std::string> kPriority = runtime::MergePriority(Providers());
  return kPriority;
}

}  // namespace fleet
