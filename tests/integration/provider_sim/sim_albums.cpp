#include "tests/integration/provider_sim/sim_albums.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace provider_sim_test {

std::string UrlEscape(const std::string& text) {
  CURL* curl = curl_easy_init();
  char* escaped = curl_easy_escape(curl, text.c_str(), static_cast<int>(text.size()));
  std::string out = escaped;
  curl_free(escaped);
  curl_easy_cleanup(curl);
  return out;
}

std::string SimSpotifyBearer(const SimProcess& sim) {
  HttpResult token = Fetch({.method = "POST",
                            .url = sim.Url("/spotify/api/token"),
                            .headers = {"Authorization: Basic aWQ6c2VjcmV0",
                                        "Content-Type: application/x-www-form-urlencoded"},
                            .body = "grant_type=client_credentials"});
  rapidjson::Document doc;
  doc.Parse(token.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("access_token")) {
    ADD_FAILURE() << "no Spotify token from the simulator: " << token.body;
    return "";
  }
  return std::string("Authorization: Bearer ") + doc["access_token"].GetString();
}

std::pair<std::string, std::string> SimAlbumWithTracks(const SimProcess& sim, int tracks,
                                                       const std::string& name_prefix) {
  std::string bearer = SimSpotifyBearer(sim);
  if (bearer.empty()) return {};
  for (int i = 0; i < 400; ++i) {
    std::string artist = name_prefix + "Album Artist " + std::to_string(i % 13);
    std::string title = name_prefix + "Long Player " + std::to_string(i);
    HttpResult search =
        Fetch({.url = sim.Url("/spotify/v1/search?q=" + UrlEscape("album:\"" + title + "\" artist:\"" + artist + "\"") +
                              "&type=album&limit=1"),
               .headers = {bearer}});
    rapidjson::Document doc;
    doc.Parse(search.body.c_str());
    if (search.status != 200 || doc.HasParseError() || !doc.HasMember("albums") || doc["albums"]["items"].Empty()) {
      continue;
    }
    if (doc["albums"]["items"][0]["total_tracks"].GetInt() == tracks) return {artist, title};
  }
  ADD_FAILURE() << "no album with " << tracks << " tracks in the simulated catalog";
  return {};
}

}  // namespace provider_sim_test
