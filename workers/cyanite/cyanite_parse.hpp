#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/catalog/records.hpp"
#include "common/core/result.hpp"
#include "common/json/job.hpp"
#include "common/normalize/vocabulary.hpp"
#include "common/runtime/normalize_command.hpp"

// Cyanite GraphQL answers -> our records. Pure: no I/O, no globals; answers modelled on the
// documentation and public clients (docs/providers/CYANITE.md, "Where the shapes come from")
// are enough to test it (tests/unit/cyanite/). Every function takes the endpoint (the GraphQL
// field, "spotifyTrack" or "spotifyTrackEnqueue") so an error says where it came from.
namespace cyanite {

// The two operations the provider sends (POST <base>/graphql, {"query", "variables"}).
// spotifyTrack(id): the track and the state of its audio analysis (V7) with the fields we keep.
extern const std::string_view kSpotifyTrackQuery;
// spotifyTrackEnqueue(input: {spotifyTrackId}): starts the analysis of a track not analysed yet.
extern const std::string_view kSpotifyTrackEnqueueMutation;

// The request body of an operation with one variable: {"query": ..., "variables": {...}}.
// The query asks for {"id": spotify_id}, the mutation for {"input": {"spotifyTrackId": ...}}.
std::string SpotifyTrackRequest(std::string_view spotify_id);
std::string SpotifyTrackEnqueueRequest(std::string_view spotify_id);

// A GraphQL `errors` array (served with HTTP 200, or with 429 on the rate limit) as our error,
// by the first error's extensions.code: UNAUTHENTICATED / FORBIDDEN kInvalidInput (the access
// token is wrong: IsAuthError); RATE_LIMITED / rateLimitExceeded kTransient with a retry_after
// (extensions.retryAfter seconds, else 1 s); GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED /
// BAD_USER_INPUT kInvalidInput (our query is wrong); anything else (INTERNAL_SERVER_ERROR, no
// code) kTransient. nullopt when the body has no non-empty `errors`.
std::optional<core::Error> GraphqlErrors(std::string_view body, std::string_view endpoint);
// For gateway::CallOptions::classify: a body that is not a JSON object is kTransient, an
// `errors` answer is GraphqlErrors; a `data` answer is nullopt.
std::optional<core::Error> ClassifyBody(std::string_view body, std::string_view endpoint);
// The first error's extensions.code, when `body` is an `errors` answer.
std::optional<std::string> ErrorCode(std::string_view body);
// True for the codes that mean TUNEFLEET_CYANITE_ACCESS_TOKEN is wrong.
bool IsAuthError(std::string_view code);

// Where an audio analysis is (the __typename AudioAnalysisV7<State>).
enum class AnalysisState { kNotStarted, kEnqueued, kProcessing, kFinished, kFailed, kNotAuthorized };
std::string_view StateName(AnalysisState state);  // "NotStarted", "Enqueued", ...

// AudioAnalysisV7Finished.result, the fields we keep (absent when Cyanite leaves them out).
struct AnalysisResult {
  std::vector<std::string> mood_tags;   // Cyanite's labels: "energetic", "sad", "scary", ...
  std::vector<std::string> genre_tags;  // "rock", "electronicDance", "rapHipHop", ...
  std::optional<std::string> energy_level;  // "low", "medium", "high", "variable"
  std::optional<double> valence;            // -1..1
  std::optional<double> arousal;            // -1..1
  std::optional<double> bpm;                // bpmPrediction.value, else bpmRangeAdjusted
  std::optional<std::string> key;           // keyPrediction.value: "cMajor", "fsMinor", "bbMinor", ...
};

struct Analysis {
  AnalysisState state = AnalysisState::kNotStarted;
  std::optional<AnalysisResult> result;  // kFinished only
  std::string message;                   // kFailed (error.message) and kNotAuthorized
};

// spotifyTrack: {"data":{"spotifyTrack":{"__typename":"SpotifyTrack","id","audioAnalysisV7":{...}}}}
// or {"__typename":"SpotifyTrackError","message"} (Cyanite knows no such Spotify track).
struct SpotifyTrackAnswer {
  bool found = false;
  std::string id;
  std::string message;  // SpotifyTrackError.message when not found
  Analysis analysis;
};
core::Result<SpotifyTrackAnswer> ParseSpotifyTrack(std::string_view body);

// spotifyTrackEnqueue: {"__typename":"SpotifyTrackEnqueueSuccess","enqueuedSpotifyTrack":{"id",
// "audioAnalysisV7"}} or {"__typename":"SpotifyTrackEnqueueError","code"?,"message"?}.
struct EnqueueAnswer {
  bool enqueued = false;
  std::string id;
  Analysis analysis;    // the enqueued track's analysis (Finished when it was analysed already)
  std::string code;     // SpotifyTrackEnqueueError.code, "" when absent
  std::string message;  // SpotifyTrackEnqueueError.message
};
core::Result<EnqueueAnswer> ParseEnqueue(std::string_view body);
// What an enqueue error means: limitExceeded / rateLimitExceeded kTransient (60 s / 1 s
// retry_after: the account's analysis quota or the enqueue rate); any other (no preview, the
// track cannot be analysed) kNotFound: the track is permanently unanalysable.
core::Error EnqueueErrorFor(const EnqueueAnswer& answer);

// Cyanite's mood labels -> the canonical mood vocabulary (common/normalize): chilled -> calm,
// sad -> melancholic, scary -> dark, sexy -> romantic, ethereal -> dreamy, uplifting -> hopeful;
// the rest by name. nullopt for a label the vocabulary does not know ("ambiguous").
std::optional<std::string> CanonicalMood(std::string_view cyanite_mood, const normalize::Vocabulary& vocabulary);
// Cyanite's genre labels -> canonical genres: electronicDance -> electronic, dance;
// folkCountry -> folk, country; funkSoul -> funk, soul; rapHipHop -> hip hop; rnb -> rnb;
// singerSongwriter -> singer-songwriter; latin -> latin american; the rest by name (through Vocabulary::Genre).
std::vector<std::string> CanonicalGenres(std::string_view cyanite_genre, const normalize::Vocabulary& vocabulary);
// "cMajor" -> {0, 1}, "fsMinor" -> {6, 0}, "bbMinor" -> {10, 0}: Spotify's pitch class and mode.
struct PitchClass {
  int key = 0;   // 0 = C ... 11 = B
  int mode = 0;  // 1 major, 0 minor
};
std::optional<PitchClass> KeyOf(std::string_view cyanite_key);
// The energy level as a number for the Spotify-style `energy`: low 0.25, medium 0.5, high 0.85;
// variable and unknown labels nullopt.
std::optional<double> EnergyOf(std::string_view energy_level);

// The audio_features object of the provider row, Spotify's names where the meaning matches
// (energy, valence 0..1 from Cyanite's -1..1, tempo, key, mode) plus Cyanite's own
// (arousal, energy_level, cyanite_valence, source "cyanite"). Empty when the result has none.
std::string AudioFeaturesJson(const AnalysisResult& result);

// The record of a finished analysis: canonical moods and genres, audio features, the raw answer.
catalog::TrackRecord TrackRecordFrom(const json::TrackJob& job, const std::string& spotify_id,
                                     const AnalysisResult& result, std::string raw_json,
                                     const normalize::Vocabulary& vocabulary);
catalog::TrackRecord NotFoundTrack(const json::TrackJob& job);
// The raw column of a job that gave up on a pending analysis: {"gave_up": reason, "answer": raw}.
std::string GaveUpRaw(std::string_view reason, std::string_view raw_json);

// `tunefleet-cyanite normalize FILE`: a saved spotifyTrack or spotifyTrackEnqueue answer (or an
// `errors` answer). A finished analysis is a record; a pending one a transient error (the job
// would wait in the delay tiers); a failed one, an unknown track or an enqueue error not_found.
core::Result<runtime::NormalizedAnswer> NormalizeAnswer(std::string_view body);

}  // namespace cyanite
