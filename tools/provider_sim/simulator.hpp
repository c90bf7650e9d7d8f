#pragma once

#include <array>
#include <optional>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "common/resilience/clock.hpp"
#include "tools/provider_sim/catalog.hpp"
#include "tools/provider_sim/provider_api.hpp"
#include "tools/provider_sim/rate_gate.hpp"
#include "tools/provider_sim/scrobbles.hpp"
#include "tools/provider_sim/settings.hpp"

namespace provider_sim {

// What the server does with a request.
enum class Action {
  kRespond,  // send `response` after `delay`
  kHold,     // never answer (timeout fault); the client gives up
  kReset,    // after `delay`, close the connection with SO_LINGER 0 (RST)
  kHuge,     // after `delay`, `response`'s status and headers, then a JSON body of
             // `huge_bytes` generated while it is written (never held in memory)
  kDrip,     // after `delay`, `response` with its body written one byte per `drip_interval`
};

struct Outcome {
  Action action = Action::kRespond;
  Response response;
  std::chrono::milliseconds delay{0};
  std::uint64_t huge_bytes = 0;
  bool chunked = false;  // kHuge: chunked transfer encoding instead of Content-Length
  std::chrono::milliseconds drip_interval{0};
};

struct ProviderStats {
  std::uint64_t requests = 0;
  std::uint64_t limited = 0;  // refused by the rate limit: violations (RateGate)
  std::uint64_t excused = 0;  // early only by the simulator's own loop lag: admitted, counted
  std::uint64_t not_found = 0;
  std::uint64_t faults_injected = 0;
  std::map<std::string, std::uint64_t, std::less<>> by_endpoint;
  std::map<std::string, std::uint64_t, std::less<>> by_status;  // "200", "429", "timeout", "reset"
  std::map<std::string, std::uint64_t, std::less<>> faults_by_kind;
};

// Everything the server does apart from sockets: routes a request to its provider, applies
// the provider's rate limit, draws faults, asks the provider API for the answer, adds latency
// and counts it all; also serves /_sim/ (stats, reset, config, health). Pure logic over an
// injected clock and a seeded random source, so unit tests drive it without a network.
// Not thread safe: the server calls it from its one loop thread.
class Simulator {
 public:
  Simulator(SimSettings settings, const resilience::Clock& clock);
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Outcome Handle(const Request& request);

  const SimSettings& settings() const { return settings_; }
  const ProviderStats& stats(Provider p) const { return stats_[static_cast<std::size_t>(p)]; }
  Catalog& catalog() { return catalog_; }
  ScrobbleBook& scrobbles() { return *scrobbles_; }
  std::string StatsJson() const;
  std::string ConfigJson() const;
  void Reset();
  // Applies a /_sim/config body; the error names the key, and nothing changes on error.
  std::optional<std::string> Configure(std::string_view json);
  // The server reports how late its loop woke up (a periodic timer's lateness). While the
  // loop did not run, requests waited in the sockets and are read together; how far apart
  // they really arrived is unknown by up to that much, so the rate gates widen their slack
  // by the largest lag of the last kLagMemory (a scheduling stall of the simulator is not
  // the client's violation). The largest lag ever seen is in the stats.
  void NoteLoopLag(std::chrono::microseconds lag);
  static constexpr std::chrono::milliseconds kLagMemory{50};
  static constexpr std::uint64_t kLoggedViolations = 20;  // per provider: the first ones are logged

 private:
  Outcome HandleControl(const Request& request, std::string_view path);
  Outcome HandleProvider(Provider provider, const Request& request, std::string_view path);
  std::chrono::milliseconds Latency(const ProviderSettings& p);
  RateGateSettings GateSettings(Provider p) const;
  bool AdmitCounted(RateGate& gate, ProviderStats& stats);
  void AddDiscogsHeaders(Response& response);

  SimSettings settings_;
  const resilience::Clock& clock_;
  Catalog catalog_;
  std::unique_ptr<ScrobbleBook> scrobbles_;  // Last.fm users' histories (user.getRecentTracks)
  std::array<std::unique_ptr<ProviderApi>, kProviderCount> apis_;
  std::array<std::unique_ptr<RateGate>, kProviderCount> gates_;
  std::array<ProviderStats, kProviderCount> stats_;
  MinuteWindow discogs_window_;
  std::mt19937_64 random_;
  resilience::Clock::TimePoint started_;
  // The first provider request since start or reset: quota windows measured from it do not
  // count the clients' start-up (stats: since_first_request_s).
  std::optional<resilience::Clock::TimePoint> first_request_;
  std::chrono::microseconds recent_lag_{0};
  resilience::Clock::TimePoint recent_lag_at_{};
  std::chrono::microseconds max_lag_{0};
};

}  // namespace provider_sim
