#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/env.hpp"

namespace provider_sim {

enum class Provider { kSpotify = 0, kLastfm = 1, kMusicbrainz = 2, kDiscogs = 3, kCyanite = 4, kAoty = 5 };
inline constexpr std::size_t kProviderCount = 6;
inline constexpr std::array<std::string_view, kProviderCount> kProviderNames = {"spotify", "lastfm",  "musicbrainz",
                                                                                 "discogs", "cyanite", "aoty"};
inline std::string_view ProviderName(Provider p) { return kProviderNames[static_cast<std::size_t>(p)]; }

// What an injected fault does: answer 500 or 503; never answer (the client's timeout fires);
// reset the connection (SO_LINGER 0, the client sees ECONNRESET); answer 200 with a body cut
// in half (truncated JSON); answer 401 or 403 with the provider's error body (a key the
// provider no longer accepts, whatever the request carried); answer 200 with a body of
// SimSettings::huge_body_bytes generated while it is sent, its size announced in
// Content-Length (huge) or not (huge-chunked: chunked transfer encoding, so the client learns
// the size only by reading); answer the real body one byte per SimSettings::drip_interval
// (drip: a slow-drip server).
enum class FaultKind { k500, k503, kTimeout, kReset, kMalformed, k401, k403, kHuge, kHugeChunked, kDrip, kForeignPage };
std::string_view FaultName(FaultKind kind);
std::optional<FaultKind> ParseFaultKind(std::string_view name);

struct ProviderSettings {
  std::chrono::milliseconds latency{0};  // added to every answer
  std::chrono::milliseconds jitter{0};   // plus uniform [0, jitter]
  double error_rate = 0;                 // share of requests that get a fault, 0..1
  std::vector<FaultKind> error_kinds{FaultKind::k500, FaultKind::k503};  // drawn uniformly
  double rate_per_second = 10;           // enforced limit; 0 = none
  double burst = 10;
};

// A simulated Last.fm user whose history user.getRecentTracks serves (scrobbles.hpp).
struct LastfmUser {
  std::string name;
  int scrobbles = 0;
};

struct SimSettings {
  int port = 0;                  // 0 = ephemeral
  std::uint64_t seed = 1;        // catalog seed: same seed, same answers
  double not_found_share = 0.05;  // share of queries/ids answered "not found"
  bool unlimited = false;        // no rate limits at all (benchmarks)
  std::chrono::microseconds rate_slack{10'000};  // see RateGateSettings::slack
  std::string log_level = "info";
  std::uint64_t huge_body_bytes = 100ULL << 20;  // body size of the huge faults (never stored)
  std::chrono::milliseconds drip_interval{1000};  // between two bytes of a drip fault
  // Discogs searches: releases of the same title by other artists ("<artist> Tribute N")
  // listed before the match, so the match is on page decoys / per_page + 1 (0: the match alone).
  int discogs_search_decoys = 0;
  // Cyanite: the share of analyses that, once enqueued, stay Processing forever (a track
  // Cyanite never finishes), decided by the track's key; 0: every analysis finishes.
  double cyanite_never_finish_share = 0;
  // Last.fm users with a generated listening history (--lastfm-users alice:10000,bob:500).
  std::vector<LastfmUser> lastfm_users;
  // Unix seconds of the newest generated scrobble; 0: two minutes before the simulator starts.
  std::int64_t lastfm_history_end = 0;
  std::array<ProviderSettings, kProviderCount> providers;

  ProviderSettings& of(Provider p) { return providers[static_cast<std::size_t>(p)]; }
  const ProviderSettings& of(Provider p) const { return providers[static_cast<std::size_t>(p)]; }
};

// Defaults: the DESIGN.md policy table (Spotify 10/s burst 10, Last.fm 5/s burst 5,
// MusicBrainz 1/s burst 1, Discogs 60/min burst 5), no latency, no faults.
SimSettings DefaultSettings();

// Flags (`--spotify-latency-ms 50` or `--spotify-latency-ms=50`) override environment
// variables (TUNEFLEET_SIM_SPOTIFY_LATENCY_MS), which override the defaults. Throws
// config::ConfigError naming the flag or variable. `args` excludes argv[0].
SimSettings ParseSettings(const std::vector<std::string>& args, const config::Env& env);
std::string Usage();

// Applies a run-time change, e.g. {"spotify":{"error_rate":1.0,"error_kinds":["503"]},
// "not_found_share":0.1}, to a copy of `settings`. Returns the error (naming the key) and
// leaves `settings` untouched when anything is invalid.
std::optional<std::string> ApplyConfigJson(std::string_view json, SimSettings& settings);

// "10", "10/s", "60/min", "3600/h" -> requests per second.
double ParseRate(std::string_view text, std::string_view what);

}  // namespace provider_sim
