#include "tools/provider_sim/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <rapidjson/document.h>

#include "common/logging/logger.hpp"
#include "tools/provider_sim/json_out.hpp"

namespace provider_sim {
namespace {

Response Json(int status, std::string body) { return {status, std::move(body), {}, false}; }

Response SimError(int status, std::string_view message) {
  JsonOut out;
  out.BeginObject();
  out.Field("error", message);
  out.EndObject();
  return Json(status, out.Take());
}

void Count(std::map<std::string, std::uint64_t, std::less<>>& counts, std::string_view key) {
  auto it = counts.find(key);
  if (it == counts.end()) it = counts.emplace(std::string(key), 0).first;
  ++it->second;
}

void WriteCounts(JsonOut& out, std::string_view key, const std::map<std::string, std::uint64_t, std::less<>>& counts) {
  out.Key(key).BeginObject();
  for (const auto& [name, count] : counts) out.Field(name, static_cast<std::int64_t>(count));
  out.EndObject();
}

}  // namespace

Simulator::Simulator(SimSettings settings, const resilience::Clock& clock)
    : settings_(std::move(settings)),
      clock_(clock),
      catalog_(settings_.seed, settings_.not_found_share, BuiltinVocabulary()),
      discogs_window_(clock),
      random_(settings_.seed ^ 0x73696d75ull),
      started_(clock.Now()) {
  apis_[static_cast<std::size_t>(Provider::kSpotify)] = MakeSpotifyApi(catalog_);
  // Wall-clock time only here and in POST /_sim/lastfm/scrobbles: scrobbles carry unix seconds.
  const std::int64_t history_end =
      settings_.lastfm_history_end > 0 ? settings_.lastfm_history_end : static_cast<std::int64_t>(std::time(nullptr)) - 120;
  scrobbles_ = std::make_unique<ScrobbleBook>(settings_.seed, settings_.lastfm_users, history_end);
  apis_[static_cast<std::size_t>(Provider::kLastfm)] = MakeLastfmApi(catalog_, *scrobbles_);
  apis_[static_cast<std::size_t>(Provider::kMusicbrainz)] = MakeMusicBrainzApi(catalog_);
  apis_[static_cast<std::size_t>(Provider::kDiscogs)] = MakeDiscogsApi(catalog_, settings_);
  apis_[static_cast<std::size_t>(Provider::kCyanite)] = MakeCyaniteApi(catalog_, settings_);
  apis_[static_cast<std::size_t>(Provider::kAoty)] = MakeAotyApi(catalog_);
  for (std::size_t i = 0; i < kProviderCount; ++i) {
    gates_[i] = std::make_unique<RateGate>(GateSettings(static_cast<Provider>(i)), clock_);
  }
}

RateGateSettings Simulator::GateSettings(Provider p) const {
  const ProviderSettings& ps = settings_.of(p);
  return {.rate_per_second = settings_.unlimited ? 0.0 : ps.rate_per_second,
          .burst = ps.burst,
          .slack = settings_.rate_slack};
}

std::chrono::milliseconds Simulator::Latency(const ProviderSettings& p) {
  auto delay = p.latency;
  if (p.jitter.count() > 0) {
    std::uniform_int_distribution<std::int64_t> jitter(0, p.jitter.count());
    delay += std::chrono::milliseconds{jitter(random_)};
  }
  return delay;
}

Outcome Simulator::Handle(const Request& request) {
  std::string_view path = request.target.path;
  if (path.starts_with("/_sim/")) return HandleControl(request, path.substr(5));
  for (std::size_t i = 0; i < kProviderCount; ++i) {
    std::string_view name = kProviderNames[i];
    if (path.size() >= name.size() + 2 && path[0] == '/' && path.substr(1, name.size()) == name &&
        path[name.size() + 1] == '/') {
      return HandleProvider(static_cast<Provider>(i), request, path.substr(name.size() + 1));
    }
  }
  return {Action::kRespond, SimError(404, "no provider at this path; expected /spotify, /lastfm, /musicbrainz, /discogs, /cyanite, /aoty or /_sim"), {}};
}

void Simulator::NoteLoopLag(std::chrono::microseconds lag) {
  auto now = clock_.Now();
  if (lag >= recent_lag_ || now - recent_lag_at_ > kLagMemory) {
    recent_lag_ = lag;
    recent_lag_at_ = now;
  }
  max_lag_ = std::max(max_lag_, lag);
}

bool Simulator::AdmitCounted(RateGate& gate, ProviderStats& stats) {
  auto unseen = clock_.Now() - recent_lag_at_ <= kLagMemory ? recent_lag_ : std::chrono::microseconds{0};
  auto excused_before = gate.excused();
  bool admitted = gate.Admit(unseen);
  stats.excused += gate.excused() - excused_before;
  return admitted;
}

Outcome Simulator::HandleProvider(Provider provider, const Request& request, std::string_view path) {
  auto index = static_cast<std::size_t>(provider);
  ProviderApi& api = *apis_[index];
  ProviderStats& stats = stats_[index];
  const ProviderSettings& ps = settings_.of(provider);
  RateGate& gate = *gates_[index];
  if (provider == Provider::kDiscogs) discogs_window_.Record();

  Outcome outcome;
  outcome.delay = Latency(ps);
  std::string_view endpoint = api.Endpoint(request, path);
  ++stats.requests;
  if (!first_request_) first_request_ = clock_.Now();
  Count(stats.by_endpoint, endpoint.empty() ? "unknown" : endpoint);

  std::string_view fault_name;
  if (endpoint.empty()) {
    outcome.response = api.UnknownPath();
  } else if (api.Limited(endpoint) && !AdmitCounted(gate, stats)) {
    ++stats.limited;
    // When a run counts violations, the first ones say when they happened (the faults a test
    // injected are logged with times too), so a failure can be matched to its cause.
    if (stats.limited <= kLoggedViolations) {
      logging::Logger("provider-sim")
          .Warn("rate limit exceeded",
                {{"provider", std::string(ProviderName(provider))},
                 {"endpoint", std::string(endpoint)},
                 {"since_first_request_s", std::chrono::duration<double>(clock_.Now() - *first_request_).count()},
                 {"tokens", gate.tokens()},
                 {"recent_lag_ms", static_cast<double>(recent_lag_.count()) / 1000.0}});
    }
    outcome.response = api.RateLimited(gate.RetryAfterSeconds());
  } else if (ps.error_rate > 0 && std::uniform_real_distribution<double>(0, 1)(random_) < ps.error_rate) {
    FaultKind kind = ps.error_kinds[std::uniform_int_distribution<std::size_t>(0, ps.error_kinds.size() - 1)(random_)];
    fault_name = FaultName(kind);
    ++stats.faults_injected;
    Count(stats.faults_by_kind, fault_name);
    switch (kind) {
      case FaultKind::k500: outcome.response = api.ServerError(500); break;
      case FaultKind::k503: outcome.response = api.ServerError(503); break;
      // The provider's error body with an auth status: enough for a client's 401/403 path.
      case FaultKind::k401: outcome.response = api.ServerError(401); break;
      case FaultKind::k403: outcome.response = api.ServerError(403); break;
      case FaultKind::kTimeout:
        Count(stats.by_status, "timeout");
        return {Action::kHold, {}, {}};
      case FaultKind::kReset:
        Count(stats.by_status, "reset");
        return {Action::kReset, {}, outcome.delay};
      case FaultKind::kMalformed: {
        auto refused = api.CheckAuth(endpoint, request);
        outcome.response = refused ? std::move(*refused) : api.Handle(endpoint, path, request);
        std::string& body = outcome.response.body;
        body.resize(body.size() / 2);  // cut mid-document: never valid JSON
        break;
      }
      case FaultKind::kForeignPage:
        // A 200 that is not the API's answer: a proxy's error page served with status 200.
        outcome.response.status = 200;
        outcome.response.content_type = "text/html; charset=utf-8";
        outcome.response.body =
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
            "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
        break;
      case FaultKind::kHuge:
      case FaultKind::kHugeChunked:
        Count(stats.by_status, fault_name);
        outcome.action = Action::kHuge;
        outcome.huge_bytes = settings_.huge_body_bytes;
        outcome.chunked = kind == FaultKind::kHugeChunked;
        if (provider == Provider::kDiscogs) AddDiscogsHeaders(outcome.response);
        return outcome;
      case FaultKind::kDrip: {
        auto refused = api.CheckAuth(endpoint, request);
        outcome.response = refused ? std::move(*refused) : api.Handle(endpoint, path, request);
        if (provider == Provider::kDiscogs) AddDiscogsHeaders(outcome.response);
        Count(stats.by_status, fault_name);
        outcome.action = Action::kDrip;
        outcome.drip_interval = settings_.drip_interval;
        return outcome;
      }
    }
  } else if (auto refused = api.CheckAuth(endpoint, request)) {
    outcome.response = std::move(*refused);
  } else {
    outcome.response = api.Handle(endpoint, path, request);
  }

  if (provider == Provider::kDiscogs) AddDiscogsHeaders(outcome.response);
  if (outcome.response.not_found) ++stats.not_found;
  Count(stats.by_status, std::to_string(outcome.response.status));
  return outcome;
}

void Simulator::AddDiscogsHeaders(Response& response) {
  auto limit = static_cast<std::int64_t>(std::lround(settings_.of(Provider::kDiscogs).rate_per_second * 60));
  auto used = static_cast<std::int64_t>(discogs_window_.Used());
  response.headers.emplace_back("X-Discogs-Ratelimit", std::to_string(limit));
  response.headers.emplace_back("X-Discogs-Ratelimit-Used", std::to_string(used));
  response.headers.emplace_back("X-Discogs-Ratelimit-Remaining", std::to_string(std::max<std::int64_t>(0, limit - used)));
}

Outcome Simulator::HandleControl(const Request& request, std::string_view path) {
  if (path == "/health" && request.method == "GET") return {Action::kRespond, Json(200, R"({"status":"ok"})"), {}};
  if (path == "/stats" && request.method == "GET") return {Action::kRespond, Json(200, StatsJson()), {}};
  if (path == "/reset" && request.method == "POST") {
    Reset();
    return {Action::kRespond, Json(200, StatsJson()), {}};
  }
  if (path == "/config" && request.method == "GET") return {Action::kRespond, Json(200, ConfigJson()), {}};
  if (path == "/config" && request.method == "POST") {
    if (auto error = Configure(request.body)) return {Action::kRespond, SimError(400, *error), {}};
    return {Action::kRespond, Json(200, ConfigJson()), {}};
  }
  if (path == "/lastfm/scrobbles" && request.method == "POST") {
    // {"user":"alice","count":5,"at":1700000000}: scrobbles newer than any so far (at: unix
    // seconds of the first; default now), so a test can add plays while an import pages.
    rapidjson::Document doc;
    doc.Parse(request.body.data(), request.body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("user") || !doc["user"].IsString()) {
      return {Action::kRespond, SimError(400, "expected {\"user\":NAME,\"count\":N[,\"at\":UNIX_SECONDS]}"), {}};
    }
    const std::string user = doc["user"].GetString();
    const int count = doc.HasMember("count") && doc["count"].IsInt() ? doc["count"].GetInt() : 1;
    const std::int64_t at = doc.HasMember("at") && doc["at"].IsInt64() ? doc["at"].GetInt64()
                                                                       : static_cast<std::int64_t>(std::time(nullptr));
    if (auto error = scrobbles_->Append(user, count, at)) return {Action::kRespond, SimError(400, *error), {}};
    const auto* history = scrobbles_->Find(user);
    JsonOut out;
    out.BeginObject();
    out.Field("user", user);
    out.Field("appended", count);
    out.Field("total", static_cast<std::int64_t>(history->size()));
    out.Field("newest_uts", history->front().uts);
    out.EndObject();
    return {Action::kRespond, Json(200, out.Take()), {}};
  }
  return {Action::kRespond, SimError(404, "unknown control path; expected GET /_sim/stats, /_sim/health, /_sim/config, POST /_sim/reset, /_sim/config, /_sim/lastfm/scrobbles"), {}};
}

void Simulator::Reset() {
  for (std::size_t i = 0; i < kProviderCount; ++i) {
    stats_[i] = ProviderStats{};
    // A reset also refills the buckets, so a test starts from a known state.
    gates_[i] = std::make_unique<RateGate>(GateSettings(static_cast<Provider>(i)), clock_);
  }
  discogs_window_.Clear();
  started_ = clock_.Now();
  first_request_.reset();
  max_lag_ = std::chrono::microseconds{0};
}

std::optional<std::string> Simulator::Configure(std::string_view json) {
  if (auto error = ApplyConfigJson(json, settings_)) return error;
  catalog_.set_not_found_share(settings_.not_found_share);
  for (std::size_t i = 0; i < kProviderCount; ++i) gates_[i]->Reconfigure(GateSettings(static_cast<Provider>(i)));
  return std::nullopt;
}

std::string Simulator::StatsJson() const {
  JsonOut out;
  out.BeginObject();
  for (std::size_t i = 0; i < kProviderCount; ++i) {
    const ProviderStats& s = stats_[i];
    out.Key(kProviderNames[i]).BeginObject();
    out.Field("requests", static_cast<std::int64_t>(s.requests));
    WriteCounts(out, "by_endpoint", s.by_endpoint);
    WriteCounts(out, "by_status", s.by_status);
    out.Field("limited", static_cast<std::int64_t>(s.limited));
    out.Field("excused_by_loop_lag", static_cast<std::int64_t>(s.excused));
    out.Field("not_found", static_cast<std::int64_t>(s.not_found));
    out.Field("faults_injected", static_cast<std::int64_t>(s.faults_injected));
    WriteCounts(out, "faults_by_kind", s.faults_by_kind);
    out.EndObject();
  }
  out.Field("uptime_s", std::chrono::duration<double>(clock_.Now() - started_).count());
  out.Field("since_first_request_s",
            first_request_ ? std::chrono::duration<double>(clock_.Now() - *first_request_).count() : 0.0);
  out.Field("max_loop_lag_ms", std::chrono::duration<double, std::milli>(max_lag_).count());
  out.EndObject();
  return out.Take();
}

std::string Simulator::ConfigJson() const {
  JsonOut out;
  out.BeginObject();
  out.Field("seed", static_cast<std::int64_t>(settings_.seed));
  out.Field("not_found_share", settings_.not_found_share);
  out.Field("unlimited", settings_.unlimited);
  out.Field("rate_slack_ms", static_cast<double>(settings_.rate_slack.count()) / 1000.0);
  out.Field("huge_body_bytes", static_cast<std::int64_t>(settings_.huge_body_bytes));
  out.Field("drip_interval_ms", static_cast<std::int64_t>(settings_.drip_interval.count()));
  for (std::size_t i = 0; i < kProviderCount; ++i) {
    const ProviderSettings& p = settings_.providers[i];
    out.Key(kProviderNames[i]).BeginObject();
    out.Field("latency_ms", static_cast<std::int64_t>(p.latency.count()));
    out.Field("jitter_ms", static_cast<std::int64_t>(p.jitter.count()));
    out.Field("error_rate", p.error_rate);
    out.Key("error_kinds").BeginArray();
    for (auto kind : p.error_kinds) out.Str(FaultName(kind));
    out.EndArray();
    out.Field("rate", p.rate_per_second);
    out.Field("burst", p.burst);
    out.EndObject();
  }
  out.EndObject();
  return out.Take();
}

}  // namespace provider_sim
