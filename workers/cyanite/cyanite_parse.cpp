#include "workers/cyanite/cyanite_parse.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <utility>

#include "common/json/body_reader.hpp"
#include "common/json/record_writer.hpp"

namespace cyanite {
namespace {

using json::Node;

constexpr std::string_view kAnalysisField = "audioAnalysisV7";
constexpr std::string_view kAnalysisType = "AudioAnalysisV7";

std::string Where(std::string_view endpoint) { return "cyanite " + std::string(endpoint); }

void WriteString(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::vector<std::string> Strings(Node node) {
  std::vector<std::string> out;
  Node list = node.OptArray("an array of strings");
  for (Node item : list.Items()) {
    if (auto s = item.AsString()) {
      out.emplace_back(*s);
    } else {
      item.WrongType("a string");
    }
  }
  return out;
}

// AudioAnalysisV7<State> -> the state; a problem on the body for an unknown typename.
std::optional<AnalysisState> StateOf(Node analysis) {
  Node type = analysis["__typename"];
  std::string name = type.RequireString();
  if (name.empty()) return std::nullopt;
  std::string_view rest(name);
  if (rest.substr(0, kAnalysisType.size()) != kAnalysisType) {
    type.Problem("is not an " + std::string(kAnalysisType) + " state");
    return std::nullopt;
  }
  rest.remove_prefix(kAnalysisType.size());
  static const std::array<std::pair<std::string_view, AnalysisState>, 6> kStates = {{
      {"NotStarted", AnalysisState::kNotStarted},
      {"Enqueued", AnalysisState::kEnqueued},
      {"Processing", AnalysisState::kProcessing},
      {"Finished", AnalysisState::kFinished},
      {"Failed", AnalysisState::kFailed},
      {"NotAuthorized", AnalysisState::kNotAuthorized},
  }};
  for (const auto& [suffix, state] : kStates) {
    if (rest == suffix) return state;
  }
  type.Problem("is an analysis state this worker does not know");
  return std::nullopt;
}

Analysis AnalysisOf(Node node) {
  Analysis out;
  Node analysis = node.RequireObject("an audio analysis object");
  if (!analysis.Given()) return out;
  auto state = StateOf(analysis);
  if (!state) return out;
  out.state = *state;
  if (out.state == AnalysisState::kFinished) {
    Node r = analysis["result"].RequireObject("an analysis result object");
    AnalysisResult result;
    result.mood_tags = Strings(r["moodTags"]);
    result.genre_tags = Strings(r["genreTags"]);
    result.energy_level = r["energyLevel"].OptString();
    result.valence = r["valence"].OptDouble();
    result.arousal = r["arousal"].OptDouble();
    result.bpm = r["bpmPrediction"].OptObject()["value"].OptDouble();
    if (!result.bpm) result.bpm = r["bpmRangeAdjusted"].OptDouble();
    result.key = r["keyPrediction"].OptObject()["value"].OptString();
    out.result = std::move(result);
  } else if (out.state == AnalysisState::kFailed) {
    out.message = analysis["error"].OptObject()["message"].OptString().value_or("");
  } else if (out.state == AnalysisState::kNotAuthorized) {
    out.message = analysis["message"].OptString().value_or("");
  }
  return out;
}

core::Result<json::Body> Parse(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  if (auto error = GraphqlErrors(body, endpoint)) return *error;
  return parsed;
}

std::string RequestBody(std::string_view query, std::string_view variable, std::string_view id, bool as_input) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("query");
  WriteString(w, query);
  w.Key("variables");
  w.StartObject();
  WriteString(w, variable);
  if (as_input) {
    w.StartObject();
    w.Key("spotifyTrackId");
    WriteString(w, id);
    w.EndObject();
  } else {
    WriteString(w, id);
  }
  w.EndObject();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

// The fields asked for are the ones AnalysisOf reads; the simulator answers the same shape.
const std::string_view kSpotifyTrackQuery =
    "query SpotifyTrack($id: ID!) { spotifyTrack(id: $id) { __typename "
    "... on SpotifyTrack { id audioAnalysisV7 { __typename "
    "... on AudioAnalysisV7Finished { result { moodTags genreTags energyLevel valence arousal "
    "bpmPrediction { value confidence } bpmRangeAdjusted keyPrediction { value confidence } } } "
    "... on AudioAnalysisV7Failed { error { message } } "
    "... on AudioAnalysisV7NotAuthorized { message } } } "
    "... on Error { message } } }";

const std::string_view kSpotifyTrackEnqueueMutation =
    "mutation SpotifyTrackEnqueue($input: SpotifyTrackEnqueueInput!) { spotifyTrackEnqueue(input: $input) { "
    "__typename ... on SpotifyTrackEnqueueSuccess { enqueuedSpotifyTrack { id audioAnalysisV7 { __typename "
    "... on AudioAnalysisV7Finished { result { moodTags genreTags energyLevel valence arousal "
    "bpmPrediction { value confidence } bpmRangeAdjusted keyPrediction { value confidence } } } "
    "... on AudioAnalysisV7Failed { error { message } } } } } "
    "... on SpotifyTrackEnqueueError { code message } ... on Error { message } } }";

std::string SpotifyTrackRequest(std::string_view spotify_id) {
  return RequestBody(kSpotifyTrackQuery, "id", spotify_id, false);
}

std::string SpotifyTrackEnqueueRequest(std::string_view spotify_id) {
  return RequestBody(kSpotifyTrackEnqueueMutation, "input", spotify_id, true);
}

bool IsAuthError(std::string_view code) { return code == "UNAUTHENTICATED" || code == "FORBIDDEN"; }

std::optional<std::string> ErrorCode(std::string_view body) {
  auto parsed = json::Body::Parse(body, "cyanite");
  if (!parsed) return std::nullopt;
  Node first = parsed->Root()["errors"].At(0);
  if (auto code = first["extensions"]["code"].AsString()) return std::string(*code);
  return std::nullopt;
}

std::optional<core::Error> GraphqlErrors(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return std::nullopt;
  Node errors = parsed->Root()["errors"];
  if (!errors.IsArray() || errors.Size() == 0) return std::nullopt;
  Node first = errors.At(0);
  std::string message(first["message"].AsString().value_or("(no message)"));
  std::string code(first["extensions"]["code"].AsString().value_or(""));
  std::string why = Where(endpoint) + ": GraphQL error" + (code.empty() ? "" : " " + code) + ": " + message;
  if (IsAuthError(code)) {
    return core::Error::InvalidInput(why + " (check TUNEFLEET_CYANITE_ACCESS_TOKEN)");
  }
  if (code == "RATE_LIMITED" || code == "rateLimitExceeded") {
    auto seconds = first["extensions"]["retryAfter"].AsDouble().value_or(1.0);
    return core::Error::Transient(
        why, std::chrono::milliseconds(static_cast<std::int64_t>(std::max(seconds, 0.0) * 1000.0)));
  }
  if (code == "GRAPHQL_VALIDATION_FAILED" || code == "GRAPHQL_PARSE_FAILED" || code == "BAD_USER_INPUT") {
    return core::Error::InvalidInput(why);
  }
  return core::Error::Transient(why);
}

std::optional<core::Error> ClassifyBody(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  return GraphqlErrors(body, endpoint);
}

std::string_view StateName(AnalysisState state) {
  switch (state) {
    case AnalysisState::kNotStarted:
      return "NotStarted";
    case AnalysisState::kEnqueued:
      return "Enqueued";
    case AnalysisState::kProcessing:
      return "Processing";
    case AnalysisState::kFinished:
      return "Finished";
    case AnalysisState::kFailed:
      return "Failed";
    case AnalysisState::kNotAuthorized:
      return "NotAuthorized";
  }
  return "?";
}

core::Result<SpotifyTrackAnswer> ParseSpotifyTrack(std::string_view body) {
  auto parsed = Parse(body, "spotifyTrack");
  if (!parsed) return parsed.error();
  Node track = parsed->Root()["data"].RequireObject("a data object")["spotifyTrack"].RequireObject(
      "a spotifyTrack object");
  SpotifyTrackAnswer out;
  if (!track.Given()) return parsed->Finish(out);
  std::string type = track["__typename"].RequireString();
  if (type == "SpotifyTrack") {
    out.found = true;
    out.id = track["id"].RequireString();
    out.analysis = AnalysisOf(track[kAnalysisField]);
  } else if (type == "SpotifyTrackError" || type == "SpotifyTrackNotFoundError") {
    out.message = track["message"].OptString().value_or("");
  } else if (!type.empty()) {
    track["__typename"].Problem("is neither SpotifyTrack nor SpotifyTrackError");
  }
  return parsed->Finish(out);
}

core::Result<EnqueueAnswer> ParseEnqueue(std::string_view body) {
  auto parsed = Parse(body, "spotifyTrackEnqueue");
  if (!parsed) return parsed.error();
  Node result = parsed->Root()["data"].RequireObject("a data object")["spotifyTrackEnqueue"].RequireObject(
      "a spotifyTrackEnqueue object");
  EnqueueAnswer out;
  if (!result.Given()) return parsed->Finish(out);
  std::string type = result["__typename"].RequireString();
  if (type == "SpotifyTrackEnqueueSuccess") {
    out.enqueued = true;
    Node track = result["enqueuedSpotifyTrack"].RequireObject("a track object");
    out.id = track["id"].RequireString();
    // A client may leave the analysis out of its selection: then it is only known to be enqueued.
    if (track[kAnalysisField].Given()) {
      out.analysis = AnalysisOf(track[kAnalysisField]);
    } else {
      out.analysis.state = AnalysisState::kEnqueued;
    }
  } else if (type == "SpotifyTrackEnqueueError") {
    out.code = result["code"].OptString().value_or("");
    out.message = result["message"].OptString().value_or("");
  } else if (!type.empty()) {
    result["__typename"].Problem("is neither SpotifyTrackEnqueueSuccess nor SpotifyTrackEnqueueError");
  }
  return parsed->Finish(out);
}

core::Error EnqueueErrorFor(const EnqueueAnswer& answer) {
  std::string why = Where("spotifyTrackEnqueue") + ": SpotifyTrackEnqueueError" +
                    (answer.code.empty() ? "" : " " + answer.code) +
                    (answer.message.empty() ? "" : ": " + answer.message);
  if (answer.code == "rateLimitExceeded") return core::Error::Transient(why, std::chrono::milliseconds(1000));
  if (answer.code == "limitExceeded") return core::Error::Transient(why, std::chrono::milliseconds(60000));
  return core::Error::NotFound(why);
}

std::optional<std::string> CanonicalMood(std::string_view cyanite_mood, const normalize::Vocabulary& vocabulary) {
  static const std::array<std::pair<std::string_view, std::string_view>, 6> kRenamed = {{
      {"chilled", "calm"},
      {"sad", "melancholic"},
      {"scary", "dark"},
      {"sexy", "romantic"},
      {"ethereal", "dreamy"},
      {"uplifting", "hopeful"},
  }};
  for (const auto& [from, to] : kRenamed) {
    if (cyanite_mood == from) return vocabulary.Mood(to);
  }
  return vocabulary.Mood(cyanite_mood);
}

std::vector<std::string> CanonicalGenres(std::string_view cyanite_genre, const normalize::Vocabulary& vocabulary) {
  static const std::array<std::pair<std::string_view, std::array<std::string_view, 2>>, 7> kSplit = {{
      {"electronicDance", {"electronic", "dance"}},
      {"folkCountry", {"folk", "country"}},
      {"funkSoul", {"funk", "soul"}},
      {"rapHipHop", {"hip hop", "rap"}},
      {"singerSongwriter", {"singer-songwriter", ""}},
      {"indieAlternative", {"indie", "alternative"}},
      {"latin", {"latin american", ""}},  // the vocabulary has no bare "latin"
  }};
  std::vector<std::string> out;
  auto add = [&](std::string_view name) {
    if (name.empty()) return;
    if (auto genre = vocabulary.Genre(name); genre && std::find(out.begin(), out.end(), *genre) == out.end()) {
      out.push_back(*genre);
    }
  };
  for (const auto& [from, to] : kSplit) {
    if (cyanite_genre == from) {
      for (auto name : to) add(name);
      return out;
    }
  }
  add(cyanite_genre);
  return out;
}

std::optional<PitchClass> KeyOf(std::string_view key) {
  PitchClass out;
  if (key.size() > 5 && key.substr(key.size() - 5) == "Major") {
    out.mode = 1;
  } else if (key.size() > 5 && key.substr(key.size() - 5) == "Minor") {
    out.mode = 0;
  } else {
    return std::nullopt;
  }
  std::string_view note = key.substr(0, key.size() - 5);
  static const std::array<std::pair<char, int>, 7> kNotes = {
      {{'c', 0}, {'d', 2}, {'e', 4}, {'f', 5}, {'g', 7}, {'a', 9}, {'b', 11}}};
  auto it = std::find_if(kNotes.begin(), kNotes.end(), [&](const auto& n) { return !note.empty() && n.first == note[0]; });
  if (it == kNotes.end()) return std::nullopt;
  int pitch = it->second;
  if (note.size() == 2 && note[1] == 's') {
    pitch += 1;
  } else if (note.size() == 2 && note[1] == 'b') {
    pitch += 11;
  } else if (note.size() != 1) {
    return std::nullopt;
  }
  out.key = pitch % 12;
  return out;
}

std::optional<double> EnergyOf(std::string_view energy_level) {
  if (energy_level == "low") return 0.25;
  if (energy_level == "medium") return 0.5;
  if (energy_level == "high") return 0.85;
  return std::nullopt;
}

std::string AudioFeaturesJson(const AnalysisResult& r) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  int fields = 0;
  w.StartObject();
  auto number = [&](const char* key, std::optional<double> value) {
    if (!value || !std::isfinite(*value)) return;
    w.Key(key);
    w.Double(*value);
    ++fields;
  };
  std::optional<double> energy = r.energy_level ? EnergyOf(*r.energy_level) : std::nullopt;
  number("energy", energy);
  if (r.valence) number("valence", std::clamp((*r.valence + 1.0) / 2.0, 0.0, 1.0));
  number("tempo", r.bpm);
  if (auto key = r.key ? KeyOf(*r.key) : std::nullopt) {
    w.Key("key");
    w.Int(key->key);
    w.Key("mode");
    w.Int(key->mode);
    fields += 2;
  }
  number("arousal", r.arousal);
  number("cyanite_valence", r.valence);
  if (r.energy_level) {
    w.Key("energy_level");
    WriteString(w, *r.energy_level);
    ++fields;
  }
  if (fields == 0) return "";
  w.Key("source");
  w.String("cyanite");
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

catalog::TrackRecord NotFoundTrack(const json::TrackJob& job) {
  catalog::TrackRecord r;
  r.ref = {.artist = job.artist, .title = job.title, .album = job.album, .isrc = job.isrc, .mbid = job.mbid,
           .spotify_id = job.spotify_id, .discogs_id = job.discogs_id};
  r.provider = "cyanite";
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

std::string GaveUpRaw(std::string_view reason, std::string_view raw_json) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("gave_up");
  w.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
  w.Key("answer");
  w.RawValue(raw_json.data(), raw_json.size(), rapidjson::kObjectType);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

catalog::TrackRecord TrackRecordFrom(const json::TrackJob& job, const std::string& spotify_id,
                                     const AnalysisResult& result, std::string raw_json,
                                     const normalize::Vocabulary& vocabulary) {
  catalog::TrackRecord r = NotFoundTrack(job);
  r.status = catalog::SourceStatus::kOk;
  r.external_id = spotify_id;
  r.fields.spotify_id = spotify_id;
  for (const auto& tag : result.mood_tags) {
    auto mood = CanonicalMood(tag, vocabulary);
    if (mood && std::find(r.moods.begin(), r.moods.end(), *mood) == r.moods.end() &&
        r.moods.size() < normalize::kMaxMoods) {
      r.moods.push_back(*mood);
    }
  }
  for (const auto& tag : result.genre_tags) {
    for (auto& genre : CanonicalGenres(tag, vocabulary)) {
      if (std::find(r.genres.begin(), r.genres.end(), genre) == r.genres.end() &&
          r.genres.size() < normalize::kMaxGenres) {
        r.genres.push_back(std::move(genre));
      }
    }
  }
  if (auto features = AudioFeaturesJson(result); !features.empty()) r.fields.audio_features_json = std::move(features);
  if (!raw_json.empty()) r.raw_json = std::move(raw_json);
  return r;
}

namespace {

// The normalize command's verdict on an analysis that is not finished.
std::optional<core::Error> Unfinished(const Analysis& analysis, std::string_view endpoint) {
  std::string where = Where(endpoint) + ": analysis " + std::string(StateName(analysis.state));
  switch (analysis.state) {
    case AnalysisState::kFinished:
      return std::nullopt;
    case AnalysisState::kFailed:
      return core::Error::NotFound(where + (analysis.message.empty() ? "" : ": " + analysis.message));
    case AnalysisState::kNotAuthorized:
      return core::Error::InvalidInput(where + (analysis.message.empty() ? "" : ": " + analysis.message));
    case AnalysisState::kNotStarted:
    case AnalysisState::kEnqueued:
    case AnalysisState::kProcessing:
      return core::Error::NotAttempted(where + ": pending, the job waits in the delay tiers");
  }
  return std::nullopt;
}

}  // namespace

core::Result<runtime::NormalizedAnswer> NormalizeAnswer(std::string_view body) {
  auto parsed = json::Body::Parse(body, Where("normalize"));
  if (!parsed) return parsed.error();
  runtime::NormalizedAnswer out;
  if (auto error = GraphqlErrors(body, "graphql")) {
    out.shape = "error";
    out.error = *error;
    return out;
  }
  Node data = parsed->Root()["data"];
  const json::TrackJob job{.job_id = "normalize"};
  if (data["spotifyTrack"].Present()) {
    out.shape = "spotifyTrack";
    auto answer = ParseSpotifyTrack(body);
    if (!answer) return answer.error();
    if (!answer->found) {
      out.error = core::Error::NotFound(Where("spotifyTrack") + ": SpotifyTrackError: " + answer->message);
    } else if (auto error = Unfinished(answer->analysis, "spotifyTrack")) {
      out.error = *error;
    } else {
      out.record_json = json::RecordJson(
          TrackRecordFrom(job, answer->id, *answer->analysis.result, "", normalize::Vocabulary::Default()));
    }
    return out;
  }
  if (data["spotifyTrackEnqueue"].Present()) {
    out.shape = "spotifyTrackEnqueue";
    auto answer = ParseEnqueue(body);
    if (!answer) return answer.error();
    if (!answer->enqueued) {
      out.error = EnqueueErrorFor(*answer);
    } else if (auto error = Unfinished(answer->analysis, "spotifyTrackEnqueue")) {
      out.error = *error;
    } else {
      out.record_json = json::RecordJson(
          TrackRecordFrom(job, answer->id, *answer->analysis.result, "", normalize::Vocabulary::Default()));
    }
    return out;
  }
  return json::InvalidResponse(Where("normalize"),
                               "not a Cyanite answer this worker knows (expected data.spotifyTrack, "
                               "data.spotifyTrackEnqueue or errors)");
}

}  // namespace cyanite
