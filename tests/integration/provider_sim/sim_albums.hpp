#pragma once

#include <string>
#include <utility>

#include "tests/integration/provider_sim/sim_process.hpp"

// Albums of provider-sim's catalog, found through its Spotify API (the catalog is one for all
// providers, and Spotify's search has a rate of its own, so no other provider's limit sees
// these requests). For the albums-bring-their-tracks tests of each worker.
namespace provider_sim_test {

// `text` percent-encoded for a query string (curl_easy_escape).
std::string UrlEscape(const std::string& text);

// "Authorization: Bearer <token>" from the simulator's Spotify token endpoint (client
// credentials); an added failure and "" when it gives no token.
std::string SimSpotifyBearer(const SimProcess& sim);

// An album of the simulated catalog with exactly `tracks` tracks: {artist, title}, named
// "<name_prefix>Album Artist <n>" and "<name_prefix>Long Player <n>" (a prefix of its own per
// test keeps its albums apart from another test's). An added failure and {} when there is none.
std::pair<std::string, std::string> SimAlbumWithTracks(const SimProcess& sim, int tracks,
                                                       const std::string& name_prefix = "");

}  // namespace provider_sim_test
