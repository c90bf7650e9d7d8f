#include "tools/provider_sim/settings.hpp"

#include <rapidjson/document.h>

#include <cctype>
#include <charconv>
#include <functional>
#include <sstream>

namespace provider_sim {
namespace {

using config::ConfigError;

double ParseNumber(std::string_view text, std::string_view what) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    throw ConfigError(std::string(what) + "=\"" + std::string(text) + "\" is not a number");
  }
  return value;
}

double InRange(double value, double lo, double hi, std::string_view what) {
  if (!(value >= lo && value <= hi)) {
    std::ostringstream out;
    out << what << "=" << value << " is out of range; expected " << lo << ".." << hi;
    throw ConfigError(out.str());
  }
  return value;
}

std::vector<FaultKind> ParseKinds(std::string_view text, std::string_view what) {
  std::vector<FaultKind> kinds;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    auto kind = ParseFaultKind(item);
    if (!kind) {
      throw ConfigError(std::string(what) + ": unknown fault kind \"" + std::string(item) +
                        "\"; expected 500, 503, timeout, reset, malformed, 401, 403, huge, huge-chunked, drip, foreign-page");
    }
    kinds.push_back(*kind);
  }
  if (kinds.empty()) throw ConfigError(std::string(what) + " is empty; expected e.g. 500,503");
  return kinds;
}

std::chrono::milliseconds Millis(std::string_view text, std::string_view what) {
  return std::chrono::milliseconds{
      static_cast<std::int64_t>(InRange(ParseNumber(text, what), 0, 3'600'000, what))};
}

bool ParseBool(std::string_view text, std::string_view what) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off") return false;
  throw ConfigError(std::string(what) + "=\"" + std::string(text) + "\" is not a boolean");
}

// One option: its flag name (without "--"), whether it takes a value, and how it applies.
struct Option {
  std::string flag;
  bool takes_value;
  std::function<void(SimSettings&, std::string_view value, std::string_view what)> apply;
};

std::vector<Option> Options() {
  std::vector<Option> options = {
      {"port", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.port = static_cast<int>(InRange(static_cast<double>(config::ParseInt(v, w)), 0, 65535, w));
       }},
      {"seed", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.seed = static_cast<std::uint64_t>(config::ParseInt(v, w));
       }},
      {"not-found-share", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.not_found_share = InRange(ParseNumber(v, w), 0, 1, w);
       }},
      {"unlimited", false,
       [](SimSettings& s, std::string_view v, std::string_view w) { s.unlimited = ParseBool(v, w); }},
      {"rate-slack-ms", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.rate_slack = std::chrono::microseconds{
             static_cast<std::int64_t>(InRange(ParseNumber(v, w), 0, 1000, w) * 1000)};
       }},
      {"log-level", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") {
           throw ConfigError(std::string(w) + "=\"" + std::string(v) + "\" is not one of: debug, info, warn, error");
         }
         s.log_level = std::string(v);
       }},
      {"huge-body-bytes", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.huge_body_bytes = static_cast<std::uint64_t>(InRange(ParseNumber(v, w), 64, 1e12, w));
       }},
      {"drip-interval-ms", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.drip_interval = Millis(v, w);
         if (s.drip_interval.count() < 1) throw ConfigError(std::string(w) + " must be at least 1");
       }},
      {"discogs-search-decoys", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.discogs_search_decoys = static_cast<int>(InRange(static_cast<double>(config::ParseInt(v, w)), 0, 1000, w));
       }},
      {"lastfm-users", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         std::vector<LastfmUser> users;
         while (!v.empty()) {
           const std::size_t comma = v.find(',');
           std::string_view item = v.substr(0, comma);
           v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
           if (item.empty()) continue;
           const std::size_t colon = item.find(':');
           if (colon == std::string_view::npos || colon == 0) {
             throw ConfigError(std::string(w) + ": \"" + std::string(item) + "\" is not NAME:SCROBBLES (e.g. alice:10000)");
           }
           const auto count = config::ParseInt(item.substr(colon + 1), w);
           if (count < 0 || count > 5'000'000) throw ConfigError(std::string(w) + ": scrobbles must be between 0 and 5000000");
           users.push_back({std::string(item.substr(0, colon)), static_cast<int>(count)});
         }
         s.lastfm_users = std::move(users);
       }},
      {"lastfm-history-end", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.lastfm_history_end = config::ParseInt(v, w);
         if (s.lastfm_history_end < 0) throw ConfigError(std::string(w) + " must not be negative");
       }},
      {"cyanite-never-finish-share", true,
       [](SimSettings& s, std::string_view v, std::string_view w) {
         s.cyanite_never_finish_share = InRange(ParseNumber(v, w), 0, 1, w);
       }},
  };
  for (std::size_t i = 0; i < kProviderCount; ++i) {
    std::string p(kProviderNames[i]);
    auto at = [i](SimSettings& s) -> ProviderSettings& { return s.providers[i]; };
    options.push_back({p + "-latency-ms", true, [at](SimSettings& s, std::string_view v, std::string_view w) {
                         at(s).latency = Millis(v, w);
                       }});
    options.push_back({p + "-jitter-ms", true, [at](SimSettings& s, std::string_view v, std::string_view w) {
                         at(s).jitter = Millis(v, w);
                       }});
    options.push_back({p + "-error-rate", true, [at](SimSettings& s, std::string_view v, std::string_view w) {
                         at(s).error_rate = InRange(ParseNumber(v, w), 0, 1, w);
                       }});
    options.push_back({p + "-error-kinds", true, [at](SimSettings& s, std::string_view v, std::string_view w) {
                         at(s).error_kinds = ParseKinds(v, w);
                       }});
    options.push_back({p + "-rate", true, [at](SimSettings& s, std::string_view v, std::string_view w) {
                         at(s).rate_per_second = ParseRate(v, w);
                       }});
    options.push_back({p + "-burst", true, [at](SimSettings& s, std::string_view v, std::string_view w) {
                         at(s).burst = InRange(ParseNumber(v, w), 1, 1e9, w);
                       }});
  }
  return options;
}

std::string EnvName(std::string_view flag) {
  std::string out = "TUNEFLEET_SIM_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// JSON value -> the string the flag parser takes, so both paths share one validation.
std::optional<std::string> JsonScalar(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsNumber()) {
    std::ostringstream out;
    out.precision(17);
    out << v.GetDouble();
    return out.str();
  }
  return std::nullopt;
}

}  // namespace

std::string_view FaultName(FaultKind kind) {
  switch (kind) {
    case FaultKind::k500: return "500";
    case FaultKind::k503: return "503";
    case FaultKind::kTimeout: return "timeout";
    case FaultKind::kReset: return "reset";
    case FaultKind::kMalformed: return "malformed";
    case FaultKind::k401: return "401";
    case FaultKind::k403: return "403";
    case FaultKind::kHuge: return "huge";
    case FaultKind::kHugeChunked: return "huge-chunked";
    case FaultKind::kDrip: return "drip";
    case FaultKind::kForeignPage: return "foreign-page";
  }
  return "?";
}

std::optional<FaultKind> ParseFaultKind(std::string_view name) {
  for (auto kind : {FaultKind::k500, FaultKind::k503, FaultKind::kTimeout, FaultKind::kReset,
                    FaultKind::kMalformed, FaultKind::k401, FaultKind::k403, FaultKind::kHuge,
                    FaultKind::kHugeChunked, FaultKind::kDrip, FaultKind::kForeignPage}) {
    if (FaultName(kind) == name) return kind;
  }
  return std::nullopt;
}

double ParseRate(std::string_view text, std::string_view what) {
  std::size_t slash = text.find('/');
  double per = 1;
  if (slash != std::string_view::npos) {
    std::string_view unit = text.substr(slash + 1);
    if (unit == "s") per = 1;
    else if (unit == "min" || unit == "m") per = 60;
    else if (unit == "h") per = 3600;
    else throw ConfigError(std::string(what) + "=\"" + std::string(text) + "\": unit must be /s, /min or /h");
    text = text.substr(0, slash);
  }
  return InRange(ParseNumber(text, what), 0, 1e9, what) / per;
}

SimSettings DefaultSettings() {
  SimSettings s;
  s.of(Provider::kSpotify).rate_per_second = 10;
  s.of(Provider::kSpotify).burst = 10;
  s.of(Provider::kLastfm).rate_per_second = 5;
  s.of(Provider::kLastfm).burst = 5;
  s.of(Provider::kMusicbrainz).rate_per_second = 1;
  s.of(Provider::kMusicbrainz).burst = 1;
  s.of(Provider::kDiscogs).rate_per_second = 1;  // 60/min
  s.of(Provider::kDiscogs).burst = 5;
  s.of(Provider::kCyanite).rate_per_second = 2;  // cyanite_spec.cpp's polite default
  s.of(Provider::kCyanite).burst = 2;
  s.of(Provider::kAoty).rate_per_second = 0.5;  // a web site: what the provider's polite default sends
  s.of(Provider::kAoty).burst = 1;
  return s;
}

SimSettings ParseSettings(const std::vector<std::string>& args, const config::Env& env) {
  SimSettings settings = DefaultSettings();
  auto options = Options();
  for (const auto& option : options) {
    std::string var = EnvName(option.flag);
    if (auto value = env.Raw(var)) option.apply(settings, *value, var);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.substr(0, 2) != "--") throw ConfigError("unexpected argument \"" + std::string(arg) + "\"");
    arg.remove_prefix(2);
    std::optional<std::string_view> inline_value;
    if (std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const Option* found = nullptr;
    for (const auto& option : options) {
      if (option.flag == arg) found = &option;
    }
    std::string what = "--" + std::string(arg);
    if (found == nullptr) throw ConfigError("unknown flag " + what + " (see --help)");
    if (!found->takes_value) {
      found->apply(settings, inline_value.value_or("true"), what);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) throw ConfigError(what + " needs a value");
      inline_value = args[++i];
    }
    found->apply(settings, *inline_value, what);
  }
  return settings;
}

std::string Usage() {
  return R"(usage: provider-sim [flags]
A local stand-in for the Spotify, Last.fm, MusicBrainz and Discogs APIs (docs/PROVIDER_SIM.md).
Every flag can also be set by an environment variable: --spotify-latency-ms is
TUNEFLEET_SIM_SPOTIFY_LATENCY_MS; flags win.

  --port N                 listen on 127.0.0.1:N (0 = ephemeral; default 0)
  --seed N                 catalog seed (default 1)
  --not-found-share X      share of queries answered "not found", 0..1 (default 0.05)
  --unlimited              no rate limits (benchmarks)
  --rate-slack-ms MS       a request this early is not a violation (default 10)
  --log-level LEVEL        debug, info, warn, error (default info)
  --huge-body-bytes N      body size of the huge and huge-chunked faults (default 104857600)
  --drip-interval-ms MS    between two bytes of the drip fault (default 1000)
  --discogs-search-decoys N  releases of the same title by other artists a Discogs search
                           lists before the match (default 0; run time: discogs.search_decoys)
  --lastfm-users LIST       Last.fm users with a generated history for user.getRecentTracks:
                           NAME:SCROBBLES,... (default none; POST /_sim/lastfm/scrobbles adds)
  --lastfm-history-end UTS  unix seconds of the newest generated scrobble (default: 2 minutes
                           before the simulator starts)
  --cyanite-never-finish-share X  share of enqueued Cyanite analyses that stay Processing
                           forever, 0..1 (default 0; run time: cyanite_never_finish_share)
per provider P in spotify, lastfm, musicbrainz, discogs, cyanite, aoty:
  --P-latency-ms MS        base latency of every answer (default 0)
  --P-jitter-ms MS         plus uniform 0..MS (default 0)
  --P-error-rate X         share of requests that get a fault, 0..1 (default 0)
  --P-error-kinds LIST     faults drawn from: 500,503,timeout,reset,malformed,401,403,huge,
                           huge-chunked,drip,foreign-page (default 500,503)
  --P-rate R               enforced limit: 10, 10/s, 60/min (defaults 10/s, 5/s, 1/s, 60/min, 2/s,
                           0.5/s)
  --P-burst N              bucket size (defaults 10, 5, 1, 5, 2, 1)
)";
}

std::optional<std::string> ApplyConfigJson(std::string_view json, SimSettings& settings) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return "body is not a JSON object";
  SimSettings next = settings;
  auto options = Options();
  auto apply = [&](const std::string& flag, const rapidjson::Value& value) -> std::optional<std::string> {
    for (const auto& option : options) {
      if (option.flag != flag) continue;
      std::optional<std::string> text;
      if (value.IsArray()) {  // error_kinds: ["503", "reset"]
        std::string joined;
        for (const auto& item : value.GetArray()) {
          auto scalar = JsonScalar(item);
          if (!scalar) return flag + ": array items must be strings";
          joined += (joined.empty() ? "" : ",") + *scalar;
        }
        text = joined;
      } else {
        text = JsonScalar(value);
      }
      if (!text) return flag + ": expected a string, number or boolean";
      try {
        option.apply(next, *text, flag);
      } catch (const config::ConfigError& e) {
        return std::string(e.what());
      }
      return std::nullopt;
    }
    return "unknown setting \"" + flag + "\"";
  };
  for (const auto& member : doc.GetObject()) {
    std::string name(member.name.GetString(), member.name.GetStringLength());
    bool is_provider = false;
    for (auto provider : kProviderNames) is_provider = is_provider || provider == name;
    if (!is_provider) {
      std::string flag = name;
      for (char& c : flag) c = c == '_' ? '-' : c;
      if (flag == "port" || flag == "log-level" || flag == "seed" || flag.starts_with("lastfm-")) return "\"" + name + "\" cannot change at run time";
      if (auto error = apply(flag, member.value)) return error;
      continue;
    }
    if (!member.value.IsObject()) return "\"" + name + "\" must be an object";
    for (const auto& field : member.value.GetObject()) {
      std::string key(field.name.GetString(), field.name.GetStringLength());
      std::string flag = name + "-" + key;
      for (char& c : flag) c = c == '_' ? '-' : c;
      // Run-time names follow the JSON spelling: latency_ms, jitter_ms, error_rate, error_kinds, rate, burst.
      if (auto error = apply(flag, field.value)) return error;
    }
  }
  settings = std::move(next);
  return std::nullopt;
}

}  // namespace provider_sim
