#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/gateway/gateway.hpp"
#include "common/logging/logger.hpp"
#include "common/runtime/pending_jobs.hpp"
#include "common/runtime/provider.hpp"
#include "common/runtime/provider_settings.hpp"
#include "workers/aoty/aoty_parse.hpp"

namespace aoty {

struct AotySettings {
  std::string base_url = "https://www.albumoftheyear.org";  // TUNEFLEET_AOTY_BASE_URL (policy)
  std::chrono::seconds page_ttl{};  // TUNEFLEET_AOTY_PAGE_TTL: cache of both pages (aoty_spec.cpp)
};

// The base URL and the cache TTL come from the provider settings; AOTY needs no key.
AotySettings LoadAotySettings(const runtime::ProviderSettings& provider);

// Album of the Year as a provider. An album job: the album search for "<artist> - <title>",
// the candidate whose artist and title match (PickCandidate; none: a not_found record), then
// its album page, whose scores become the album's aoty row. A track job stores nothing (AOTY
// scores albums). A page that changed shape is a permanent error naming what was missing; the
// page itself stays in the response cache under the key the error names (7 days). Loop
// thread only; jobs end by provider.hpp's lifetime rule ("aoty: shutting down").
class AotyProvider : public runtime::Provider {
 public:
  AotyProvider(gateway::Gateway& gateway, AotySettings settings);
  ~AotyProvider() override;
  AotyProvider(const AotyProvider&) = delete;
  AotyProvider& operator=(const AotyProvider&) = delete;

  // runtime::Provider
  std::string_view Name() const override { return "aoty"; }
  void Enrich(const json::Job& job, runtime::EnrichDone done) override;
  void Close() override;

 private:
  struct AlbumFlow;
  // One page through the gateway, cached under `cache_key`; `done` runs under jobs_.Guard.
  void Get(std::string url, std::string endpoint, std::string cache_key, gateway::CallDone done);
  void EnrichAlbum(const json::AlbumJob& job, runtime::PendingJob done);
  void SearchAnswered(const std::shared_ptr<AlbumFlow>& flow, core::Result<http::Response> result);
  void PageAnswered(const std::shared_ptr<AlbumFlow>& flow, core::Result<http::Response> result);

  gateway::Gateway& gateway_;
  AotySettings settings_;
  logging::Logger logger_{"aoty"};
  runtime::PendingJobs jobs_{"aoty"};
};

}  // namespace aoty
