// Cyanite GraphQL shapes (docs/providers/CYANITE.md, "Where the shapes come from"): one
// endpoint, POST /graphql with {"query", "variables"}; answers are {"data": ...} or a GraphQL
// {"errors": [...]} array, served with HTTP 200 except on the rate limit (429) and a 503.
// The analysis is asynchronous: a track not analysed yet is NotStarted until it is enqueued,
// then Processing for one query, then Finished (or Failed), counted in queries, not time, so
// a test is fast and the same run gives the same answers.
#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>

#include "tools/provider_sim/ids.hpp"
#include "tools/provider_sim/json_out.hpp"
#include "tools/provider_sim/provider_api.hpp"

namespace provider_sim {
namespace {

constexpr std::uint64_t kAnalysisSalt = 0x6379616e69746531ull;  // "cyanite1"
constexpr std::uint64_t kNeverFinishSalt = 0x6379616e69746532ull;  // "cyanite2"

// What Cyanite does with a (found) track, decided by its key: 40 % analysed already, 5 % never
// enqueueable (no preview), 5 % enqueued but failing, the rest analysed after one Processing.
enum class Fate { kAnalysed, kNoPreview, kFails, kAnalysedLater };

Fate FateOf(std::uint64_t key) {
  auto bucket = Mix(key ^ kAnalysisSalt) % 100;
  if (bucket < 40) return Fate::kAnalysed;
  if (bucket < 45) return Fate::kNoPreview;
  if (bucket < 50) return Fate::kFails;
  return Fate::kAnalysedLater;
}

Response GraphqlError(int status, std::string_view code, std::string_view message,
                      std::optional<int> retry_after = std::nullopt) {
  JsonOut out;
  out.BeginObject();
  out.Key("errors").BeginArray();
  out.BeginObject();
  out.Field("message", message);
  out.Key("extensions").BeginObject();
  out.Field("code", code);
  if (retry_after) out.Field("retryAfter", *retry_after);
  out.EndObject();
  out.EndObject();
  out.EndArray();
  out.NullField("data");
  out.EndObject();
  return {status, out.Take(), {}, false};
}

// Cyanite's labels for the catalog's canonical genres: the first label whose words a genre has.
constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kGenreLabels = {{
    {"metal", "metal"},       {"hip hop", "rapHipHop"},     {"rap", "rapHipHop"},
    {"r&b", "rnb"},           {"soul", "funkSoul"},         {"funk", "funkSoul"},
    {"jazz", "jazz"},         {"blues", "blues"},           {"classical", "classical"},
    {"reggae", "reggae"},     {"ambient", "ambient"},       {"latin", "latin"},
    {"folk", "folkCountry"},  {"country", "folkCountry"},   {"singer-songwriter", "singerSongwriter"},
    {"electronic", "electronicDance"}, {"house", "electronicDance"}, {"techno", "electronicDance"},
    {"trance", "electronicDance"},     {"punk", "rock"},             {"rock", "rock"},
    {"pop", "pop"},
}};

// Cyanite's label for each style family (style.cpp): the first genre tag of every result, so a
// track whose genres' words name no label still gets its family's.
std::string_view FamilyLabel(std::string_view family) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kLabels = {{
      {"rock", "rock"},           {"pop", "pop"},           {"electronic", "electronicDance"},
      {"hip hop", "rapHipHop"},   {"r&b", "funkSoul"},      {"metal", "metal"},
      {"country", "folkCountry"}, {"jazz", "jazz"},         {"punk", "rock"},
      {"folk", "folkCountry"},    {"blues", "blues"},       {"latin", "latin"},
      {"reggae", "reggae"},       {"classical", "classical"}, {"singer-songwriter", "singerSongwriter"},
      {"asian", "pop"},           {"african", "funkSoul"},  {"world music", "folkCountry"},
      {"easy listening", "pop"},  {"avant-garde", "ambient"},
  }};
  for (const auto& [name, label] : kLabels) {
    if (name == family) return label;
  }
  return "pop";
}

std::string_view KeyName(int key, int mode) {
  static constexpr std::array<std::string_view, 12> kMajor = {"cMajor",  "dbMajor", "dMajor",  "ebMajor",
                                                              "eMajor",  "fMajor",  "fsMajor", "gMajor",
                                                              "abMajor", "aMajor",  "bbMajor", "bMajor"};
  static constexpr std::array<std::string_view, 12> kMinor = {"cMinor",  "csMinor", "dMinor",  "dsMinor",
                                                              "eMinor",  "fMinor",  "fsMinor", "gMinor",
                                                              "gsMinor", "aMinor",  "bbMinor", "bMinor"};
  auto i = static_cast<std::size_t>(((key % 12) + 12) % 12);
  return mode == 1 ? kMajor[i] : kMinor[i];
}

class CyaniteApi final : public ProviderApi {
 public:
  CyaniteApi(Catalog& catalog, const SimSettings& settings) : catalog_(catalog), settings_(settings) {}

  // ProviderApi
  std::string_view Endpoint(const Request& request, std::string_view path) const override {
    if ((path != "/graphql" && path != "/graphql/") || request.method != "POST") return "";
    std::string query = QueryOf(request.body);
    if (query.find("spotifyTrackEnqueue(") != std::string::npos) return "spotifyTrackEnqueue";
    if (query.find("spotifyTrack(") != std::string::npos) return "spotifyTrack";
    return "graphql";
  }

  std::optional<Response> CheckAuth(std::string_view /*endpoint*/, const Request& request) const override {
    std::string_view auth = request.authorization;
    if (!auth.starts_with("Bearer ") || auth.size() <= 7) {
      return GraphqlError(200, "UNAUTHENTICATED", "Invalid or missing access token.");
    }
    return std::nullopt;
  }

  Response Handle(std::string_view endpoint, std::string_view /*path*/, const Request& request) override {
    rapidjson::Document body;
    body.Parse(request.body.data(), request.body.size());
    if (body.HasParseError() || !body.IsObject()) {
      return GraphqlError(400, "BAD_REQUEST", "POST body missing, invalid Content-Type, or JSON object has no keys.");
    }
    if (endpoint == "spotifyTrack") {
      const auto* id = Variable(body, {"id"});
      if (id == nullptr) return GraphqlError(200, "BAD_USER_INPUT", "Variable \"$id\" of required type \"ID!\" was not provided.");
      return Track(id);
    }
    if (endpoint == "spotifyTrackEnqueue") {
      const auto* id = Variable(body, {"input", "spotifyTrackId"});
      if (id == nullptr) {
        return GraphqlError(200, "BAD_USER_INPUT", "Variable \"$input\" of required type \"SpotifyTrackEnqueueInput!\" was not provided.");
      }
      return Enqueue(id);
    }
    return GraphqlError(200, "GRAPHQL_VALIDATION_FAILED", "This simulator answers spotifyTrack and spotifyTrackEnqueue only.");
  }

  Response RateLimited(int retry_after_seconds) const override {
    Response response = GraphqlError(429, "RATE_LIMITED", "Too many requests, please try again later.", retry_after_seconds);
    response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
    return response;
  }
  // A resolver failure is a GraphQL error with HTTP 200 (what GraphQL servers answer); a 503 is
  // the gateway in front; 401 and 403 carry the GraphQL auth codes.
  Response ServerError(int status) const override {
    if (status == 500) return GraphqlError(200, "INTERNAL_SERVER_ERROR", "Unexpected error value: internal failure");
    if (status == 401) return GraphqlError(401, "UNAUTHENTICATED", "Invalid access token.");
    if (status == 403) return GraphqlError(403, "FORBIDDEN", "Access token revoked.");
    return GraphqlError(status, "SERVICE_UNAVAILABLE", "Service temporarily unavailable.");
  }
  Response UnknownPath() const override { return GraphqlError(404, "NOT_FOUND", "Cannot POST: only /graphql exists."); }

 private:
  static std::string QueryOf(std::string_view text) {
    rapidjson::Document body;
    body.Parse(text.data(), text.size());
    if (body.HasParseError() || !body.IsObject() || !body.HasMember("query") || !body["query"].IsString()) return "";
    return body["query"].GetString();
  }

  // variables.<path...> when it is a string.
  static const char* Variable(const rapidjson::Document& body, std::initializer_list<const char*> path) {
    if (!body.HasMember("variables") || !body["variables"].IsObject()) return nullptr;
    const rapidjson::Value* v = &body["variables"];
    for (const char* name : path) {
      if (!v->IsObject() || !v->HasMember(name)) return nullptr;
      v = &(*v)[name];
    }
    return v->IsString() ? v->GetString() : nullptr;
  }

  std::optional<std::uint64_t> KeyOf(std::string_view id) const {
    auto key = ParseSpotifyId(id, IdKind::kTrack, catalog_.seed());
    if (!key || catalog_.NotFound(*key)) return std::nullopt;
    return key;
  }

  // The analysis state of a found track now; a query of a Processing track moves it on.
  std::string_view StateOf(std::uint64_t key, bool advance) {
    Fate fate = FateOf(key);
    if (fate == Fate::kAnalysed) return "Finished";
    auto it = enqueued_.find(key);
    if (it == enqueued_.end()) return "NotStarted";
    if (NeverFinishes(key)) return "Processing";
    if (it->second == 0) {
      if (advance) ++it->second;
      return "Processing";
    }
    return fate == Fate::kFails ? "Failed" : "Finished";
  }

  // --cyanite-never-finish-share: an enqueued analysis that stays Processing, by the key.
  bool NeverFinishes(std::uint64_t key) const {
    double share = settings_.cyanite_never_finish_share;
    return share > 0 && static_cast<double>(Mix(key ^ kNeverFinishSalt) % 10'000) < share * 10'000;
  }

  void WriteAnalysis(JsonOut& out, std::uint64_t key, std::string_view state) {
    out.Key("audioAnalysisV7").BeginObject();
    out.Field("__typename", "AudioAnalysisV7" + std::string(state));
    if (state == "Failed") {
      out.Key("error").BeginObject();
      out.Field("message", "The audio of this track could not be analysed.");
      out.EndObject();
    } else if (state == "Finished") {
      WriteResult(out, key);
    }
    out.EndObject();
  }

  // A result coherent with the catalog: the Spotify simulator's audio features (tempo, key,
  // energy, valence, drawn around the artist's style family's sound), moods from valence and
  // energy, genres from the artist's family and genres.
  void WriteResult(JsonOut& out, std::uint64_t key) {
    AudioFeatures f = catalog_.Features(key);
    TrackRecord track = catalog_.Track(key);
    ArtistRecord artist = catalog_.Artist(track.artist_key);
    out.Key("result").BeginObject();
    out.Key("moodTags").BeginArray();
    if (f.energy >= 0.7) out.Str(f.valence >= 0.5 ? "energetic" : "aggressive");
    if (f.energy < 0.35) out.Str(f.valence >= 0.5 ? "chilled" : "calm");
    if (f.valence >= 0.7) out.Str("happy");
    if (f.valence >= 0.55 && f.energy >= 0.5) out.Str("uplifting");
    if (f.valence < 0.3) out.Str(f.energy >= 0.5 ? "dark" : "sad");
    if (f.valence >= 0.35 && f.valence < 0.7 && f.energy >= 0.35 && f.energy < 0.7) out.Str("romantic");
    out.EndArray();
    out.Key("genreTags").BeginArray();
    std::vector<std::string_view> labels{FamilyLabel(artist.family)};
    for (const auto& genre : artist.genres) {
      for (const auto& [word, label] : kGenreLabels) {
        if (genre.find(word) != std::string::npos) {
          if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
          break;
        }
      }
    }
    for (auto label : labels) out.Str(label);
    out.EndArray();
    out.Field("energyLevel", f.energy < 0.35 ? "low" : (f.energy < 0.7 ? "medium" : "high"));
    out.Field("valence", std::round((f.valence * 2 - 1) * 1000) / 1000);
    out.Field("arousal", std::round((f.energy * 2 - 1) * 1000) / 1000);
    out.Key("bpmPrediction").BeginObject();
    out.Field("value", std::round(f.tempo));
    out.Field("confidence", 0.9);
    out.EndObject();
    out.Field("bpmRangeAdjusted", std::round(f.tempo));
    out.Key("keyPrediction").BeginObject();
    out.Field("value", KeyName(f.key, f.mode));
    out.Field("confidence", 0.8);
    out.EndObject();
    out.EndObject();
  }

  Response Track(std::string_view id) {
    JsonOut out;
    out.BeginObject();
    out.Key("data").BeginObject();
    out.Key("spotifyTrack").BeginObject();
    auto key = KeyOf(id);
    if (!key) {
      out.Field("__typename", "SpotifyTrackError");
      out.Field("message", "Spotify track not found.");
      out.EndObject();
      out.EndObject();
      out.EndObject();
      return {200, out.Take(), {}, true};
    }
    out.Field("__typename", "SpotifyTrack");
    out.Field("id", id);
    WriteAnalysis(out, *key, StateOf(*key, true));
    out.EndObject();
    out.EndObject();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  Response Enqueue(std::string_view id) {
    JsonOut out;
    out.BeginObject();
    out.Key("data").BeginObject();
    out.Key("spotifyTrackEnqueue").BeginObject();
    auto key = KeyOf(id);
    if (!key || FateOf(*key) == Fate::kNoPreview) {
      out.Field("__typename", "SpotifyTrackEnqueueError");
      out.Field("message", key ? "No Spotify preview available for this track." : "Spotify track not found.");
      out.EndObject();
      out.EndObject();
      out.EndObject();
      return {200, out.Take(), {}, true};
    }
    if (FateOf(*key) != Fate::kAnalysed) enqueued_.try_emplace(*key, 0);
    out.Field("__typename", "SpotifyTrackEnqueueSuccess");
    out.Key("enqueuedSpotifyTrack").BeginObject();
    out.Field("id", id);
    WriteAnalysis(out, *key, StateOf(*key, false));
    out.EndObject();
    out.EndObject();
    out.EndObject();
    out.EndObject();
    return {200, out.Take(), {}, false};
  }

  Catalog& catalog_;
  const SimSettings& settings_;  // read on every request: run-time changes apply at once
  // Enqueued tracks -> how many queries saw them Processing (0 or 1).
  std::unordered_map<std::uint64_t, int> enqueued_;
};

}  // namespace

std::unique_ptr<ProviderApi> MakeCyaniteApi(Catalog& catalog, const SimSettings& settings) {
  return std::make_unique<CyaniteApi>(catalog, settings);
}

}  // namespace provider_sim
