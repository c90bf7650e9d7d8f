#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/provider_sim/catalog.hpp"
#include "tools/provider_sim/query.hpp"
#include "tools/provider_sim/settings.hpp"

namespace provider_sim {

// One parsed HTTP request, as the simulator sees it.
struct Request {
  std::string method;  // "GET", "POST"
  Target target;       // path without the provider prefix is passed separately
  std::string authorization;
  std::string user_agent;
  std::string body;
};

// One answer; JSON unless content_type says otherwise (AOTY serves HTML).
struct Response {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  bool not_found = false;  // the catalog said "not found" (counted in stats)
  std::string content_type = "application/json; charset=utf-8";
};

// One provider's API: how its paths map to endpoints, how it authenticates and how its
// answers and errors look. Pure functions of the request and the catalog (no I/O, no
// clock): the simulator applies limits, faults and latency around them.
class ProviderApi {
 public:
  virtual ~ProviderApi() = default;
  // The endpoint name for stats ("search", "track.getTopTags"), or "" for an unknown path.
  // `path` is what follows the provider prefix, e.g. "/v1/tracks/abc".
  virtual std::string_view Endpoint(const Request& request, std::string_view path) const = 0;
  // Whether requests to this endpoint count against the rate limit.
  virtual bool Limited(std::string_view /*endpoint*/) const { return true; }
  // A refusal when the request lacks the provider's credentials.
  virtual std::optional<Response> CheckAuth(std::string_view endpoint, const Request& request) const = 0;
  virtual Response Handle(std::string_view endpoint, std::string_view path, const Request& request) = 0;
  // The provider's answer to a request over the limit (429, 503 or Last.fm error 29).
  virtual Response RateLimited(int retry_after_seconds) const = 0;
  // An injected 500 or 503 in the provider's error shape.
  virtual Response ServerError(int status) const = 0;
  virtual Response UnknownPath() const = 0;
};

std::unique_ptr<ProviderApi> MakeSpotifyApi(Catalog& catalog);
class ScrobbleBook;
// `scrobbles` outlives the API (user.getRecentTracks).
std::unique_ptr<ProviderApi> MakeLastfmApi(Catalog& catalog, ScrobbleBook& scrobbles);
std::unique_ptr<ProviderApi> MakeMusicBrainzApi(Catalog& catalog);
// `settings` outlives the API (the simulator's own, changed in place at run time).
std::unique_ptr<ProviderApi> MakeDiscogsApi(Catalog& catalog, const SimSettings& settings);
std::unique_ptr<ProviderApi> MakeCyaniteApi(Catalog& catalog, const SimSettings& settings);
std::unique_ptr<ProviderApi> MakeAotyApi(Catalog& catalog);

}  // namespace provider_sim
