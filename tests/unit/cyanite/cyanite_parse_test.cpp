// Cyanite parsers and record building on answers modelled from the documentation
// (tests/data/cyanite/README.md: no recorded answers exist).
#include "workers/cyanite/cyanite_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/unit/cyanite/test_data.hpp"

namespace cyanite {
namespace {

using cyanite_test::Data;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const normalize::Vocabulary& Vocab() { return normalize::Vocabulary::Default(); }

json::TrackJob Job() {
  json::TrackJob job;
  job.job_id = "j1";
  job.artist = "Artist";
  job.title = "Title";
  job.spotify_id = "4cOdK2wGLETKBW3PvgPWqT";
  return job;
}

TEST(CyaniteParse, FinishedAnalysisKeepsEveryField) {
  auto answer = ParseSpotifyTrack(Data("spotifytrack-finished.json"));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_TRUE(answer->found);
  EXPECT_EQ(answer->id, "4cOdK2wGLETKBW3PvgPWqT");
  ASSERT_EQ(answer->analysis.state, AnalysisState::kFinished);
  ASSERT_TRUE(answer->analysis.result);
  const auto& r = *answer->analysis.result;
  EXPECT_THAT(r.mood_tags, ElementsAre("energetic", "uplifting", "sad", "scary", "ambiguous"));
  EXPECT_THAT(r.genre_tags, ElementsAre("rapHipHop", "electronicDance", "pop"));
  EXPECT_EQ(r.energy_level, "high");
  EXPECT_EQ(r.valence, 0.5);
  EXPECT_EQ(r.arousal, 0.7);
  EXPECT_EQ(r.bpm, 128.0);
  EXPECT_EQ(r.key, "fsMinor");
}

TEST(CyaniteParse, PendingStatesAreNamed) {
  for (const auto& [file, state] : {std::pair{"spotifytrack-processing.json", AnalysisState::kProcessing},
                                    std::pair{"spotifytrack-enqueued.json", AnalysisState::kEnqueued},
                                    std::pair{"spotifytrack-not-started.json", AnalysisState::kNotStarted}}) {
    auto answer = ParseSpotifyTrack(Data(file));
    ASSERT_TRUE(answer) << file << ": " << answer.error().message;
    EXPECT_TRUE(answer->found) << file;
    EXPECT_EQ(answer->analysis.state, state) << file;
    EXPECT_FALSE(answer->analysis.result) << file;
  }
}

TEST(CyaniteParse, FailedAnalysisKeepsItsMessage) {
  auto answer = ParseSpotifyTrack(Data("spotifytrack-failed.json"));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->analysis.state, AnalysisState::kFailed);
  EXPECT_EQ(answer->analysis.message, "No preview available for this track.");
}

TEST(CyaniteParse, NotAuthorizedIsItsOwnState) {
  auto answer = ParseSpotifyTrack(Data("spotifytrack-not-authorized.json"));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->analysis.state, AnalysisState::kNotAuthorized);
  EXPECT_THAT(answer->analysis.message, HasSubstr("Not authorized"));
}

TEST(CyaniteParse, SpotifyTrackErrorIsNotFound) {
  auto answer = ParseSpotifyTrack(Data("spotifytrack-not-found.json"));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_FALSE(answer->found);
  EXPECT_EQ(answer->message, "Spotify track not found.");
}

TEST(CyaniteParse, UnknownAnalysisStateIsAPermanentErrorNamingThePath) {
  auto answer = ParseSpotifyTrack(
      R"({"data":{"spotifyTrack":{"__typename":"SpotifyTrack","id":"x","audioAnalysisV7":{"__typename":"AudioAnalysisV7Queued"}}}})");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(answer.error().message, HasSubstr("/data/spotifyTrack/audioAnalysisV7/__typename"));
}

TEST(CyaniteParse, HtmlBodyIsTransient) {
  auto answer = ParseSpotifyTrack("<html><body>502 Bad Gateway</body></html>");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().kind, core::ErrorKind::kTransient);
}

TEST(CyaniteParse, EnqueueSuccessCarriesTheAnalysisState) {
  auto processing = ParseEnqueue(Data("enqueue-success-processing.json"));
  ASSERT_TRUE(processing) << processing.error().message;
  EXPECT_TRUE(processing->enqueued);
  EXPECT_EQ(processing->analysis.state, AnalysisState::kProcessing);
  auto finished = ParseEnqueue(Data("enqueue-success-finished.json"));
  ASSERT_TRUE(finished) << finished.error().message;
  ASSERT_EQ(finished->analysis.state, AnalysisState::kFinished);
  EXPECT_THAT(finished->analysis.result->mood_tags, ElementsAre("calm", "chilled"));
  // The documented minimal selection (the id only): known to be enqueued, nothing more.
  auto bare = ParseEnqueue(
      R"({"data":{"spotifyTrackEnqueue":{"__typename":"SpotifyTrackEnqueueSuccess","enqueuedSpotifyTrack":{"id":"x"}}}})");
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->analysis.state, AnalysisState::kEnqueued);
}

TEST(CyaniteParse, EnqueueErrorIsNotFoundUnlessItIsALimit) {
  auto error = ParseEnqueue(Data("enqueue-error.json"));
  ASSERT_TRUE(error) << error.error().message;
  EXPECT_FALSE(error->enqueued);
  EXPECT_EQ(EnqueueErrorFor(*error).kind, core::ErrorKind::kNotFound);
  auto limited = ParseEnqueue(Data("enqueue-error-rate-limit.json"));
  ASSERT_TRUE(limited) << limited.error().message;
  auto e = EnqueueErrorFor(*limited);
  EXPECT_EQ(e.kind, core::ErrorKind::kTransient);
  EXPECT_EQ(e.retry_after, std::chrono::milliseconds(1000));
  EXPECT_THAT(e.message, HasSubstr("rateLimitExceeded"));
}

TEST(CyaniteParse, GraphqlErrorsAreClassifiedByCode) {
  auto internal = ClassifyBody(Data("graphql-error-internal.json"), "spotifyTrack");
  ASSERT_TRUE(internal);
  EXPECT_EQ(internal->kind, core::ErrorKind::kTransient);
  EXPECT_THAT(internal->message, HasSubstr("INTERNAL_SERVER_ERROR: Unexpected error."));
  auto auth = ClassifyBody(Data("graphql-error-unauthenticated.json"), "spotifyTrack");
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(auth->message, HasSubstr("TUNEFLEET_CYANITE_ACCESS_TOKEN"));
  EXPECT_EQ(ErrorCode(Data("graphql-error-unauthenticated.json")), "UNAUTHENTICATED");
  EXPECT_TRUE(IsAuthError("UNAUTHENTICATED"));
  auto validation = ClassifyBody(Data("graphql-error-validation.json"), "spotifyTrack");
  ASSERT_TRUE(validation);
  EXPECT_EQ(validation->kind, core::ErrorKind::kInvalidInput);
  auto limited = ClassifyBody(Data("graphql-error-rate-limited.json"), "spotifyTrack");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->kind, core::ErrorKind::kTransient);
  EXPECT_EQ(limited->retry_after, std::chrono::milliseconds(2000));
  // A data answer is no error; the parsers refuse an errors answer with the same error.
  EXPECT_FALSE(ClassifyBody(Data("spotifytrack-finished.json"), "spotifyTrack"));
  auto parsed = ParseSpotifyTrack(Data("graphql-error-internal.json"));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, core::ErrorKind::kTransient);
}

TEST(CyaniteParse, EveryCyaniteMoodMapsIntoTheCanonicalVocabulary) {
  // The 13 labels of Audio Analysis (api-docs.cyanite.ai, "Audio Analysis V6 Classifier").
  for (const char* mood : {"aggressive", "calm", "chilled", "dark", "energetic", "epic", "happy", "romantic", "sad",
                           "scary", "sexy", "ethereal", "uplifting"}) {
    auto canonical = CanonicalMood(mood, Vocab());
    ASSERT_TRUE(canonical) << mood;
    EXPECT_THAT(Vocab().moods(), ::testing::Contains(*canonical)) << mood;
  }
  EXPECT_EQ(CanonicalMood("sad", Vocab()), "melancholic");
  EXPECT_EQ(CanonicalMood("scary", Vocab()), "dark");
  EXPECT_EQ(CanonicalMood("uplifting", Vocab()), "hopeful");
  EXPECT_FALSE(CanonicalMood("ambiguous", Vocab()));
}

TEST(CyaniteParse, GenreLabelsSplitIntoCanonicalGenres) {
  EXPECT_THAT(CanonicalGenres("rapHipHop", Vocab()), ::testing::Contains("hip hop"));
  EXPECT_THAT(CanonicalGenres("electronicDance", Vocab()), ::testing::Contains("electronic"));
  EXPECT_THAT(CanonicalGenres("funkSoul", Vocab()), ElementsAre("funk", "soul"));
  EXPECT_THAT(CanonicalGenres("rock", Vocab()), ElementsAre("rock"));
  EXPECT_THAT(CanonicalGenres("singerSongwriter", Vocab()), ElementsAre("singer-songwriter"));
  // Every documented genre label yields at least one canonical genre.
  for (const char* genre : {"ambient", "blues", "classical", "electronicDance", "folkCountry", "funkSoul", "jazz",
                            "latin", "metal", "pop", "rapHipHop", "reggae", "rnb", "rock", "singerSongwriter"}) {
    EXPECT_FALSE(CanonicalGenres(genre, Vocab()).empty()) << genre;
  }
}

TEST(CyaniteParse, KeysBecomeSpotifyPitchClassAndMode) {
  auto fs = KeyOf("fsMinor");
  ASSERT_TRUE(fs);
  EXPECT_EQ(fs->key, 6);
  EXPECT_EQ(fs->mode, 0);
  auto c = KeyOf("cMajor");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->key, 0);
  EXPECT_EQ(c->mode, 1);
  EXPECT_EQ(KeyOf("bbMinor")->key, 10);
  EXPECT_EQ(KeyOf("dbMajor")->key, 1);
  EXPECT_EQ(KeyOf("ebMajor")->key, 3);
  EXPECT_FALSE(KeyOf("hMajor"));
  EXPECT_FALSE(KeyOf("c"));
}

TEST(CyaniteParse, FinishedRecordHasCanonicalMoodsGenresAndAudioFeatures) {
  auto answer = ParseSpotifyTrack(Data("spotifytrack-finished.json"));
  ASSERT_TRUE(answer) << answer.error().message;
  auto record = TrackRecordFrom(Job(), answer->id, *answer->analysis.result, "{}", Vocab());
  EXPECT_EQ(record.provider, "cyanite");
  EXPECT_EQ(record.status, catalog::SourceStatus::kOk);
  EXPECT_EQ(record.external_id, "4cOdK2wGLETKBW3PvgPWqT");
  // energetic, uplifting -> hopeful, sad -> melancholic, scary -> dark; "ambiguous" dropped.
  EXPECT_THAT(record.moods, ElementsAre("energetic", "hopeful", "melancholic", "dark"));
  EXPECT_THAT(record.genres, ::testing::IsSupersetOf({"hip hop", "electronic", "pop"}));
  ASSERT_TRUE(record.fields.audio_features_json);
  rapidjson::Document features;
  features.Parse(record.fields.audio_features_json->c_str());
  ASSERT_TRUE(features.IsObject()) << *record.fields.audio_features_json;
  EXPECT_DOUBLE_EQ(features["energy"].GetDouble(), 0.85);
  EXPECT_DOUBLE_EQ(features["valence"].GetDouble(), 0.75);  // (0.5 + 1) / 2
  EXPECT_DOUBLE_EQ(features["tempo"].GetDouble(), 128.0);
  EXPECT_EQ(features["key"].GetInt(), 6);
  EXPECT_EQ(features["mode"].GetInt(), 0);
  EXPECT_DOUBLE_EQ(features["arousal"].GetDouble(), 0.7);
  EXPECT_STREQ(features["source"].GetString(), "cyanite");
}

TEST(CyaniteParse, RequestsCarryTheSpotifyIdAsAVariable) {
  rapidjson::Document query;
  query.Parse(SpotifyTrackRequest("abc\"123").c_str());
  ASSERT_TRUE(query.IsObject());
  EXPECT_THAT(query["query"].GetString(), HasSubstr("spotifyTrack(id: $id)"));
  EXPECT_STREQ(query["variables"]["id"].GetString(), "abc\"123");
  rapidjson::Document mutation;
  mutation.Parse(SpotifyTrackEnqueueRequest("abc").c_str());
  ASSERT_TRUE(mutation.IsObject());
  EXPECT_THAT(mutation["query"].GetString(), HasSubstr("spotifyTrackEnqueue(input: $input)"));
  EXPECT_STREQ(mutation["variables"]["input"]["spotifyTrackId"].GetString(), "abc");
}

}  // namespace
}  // namespace cyanite
