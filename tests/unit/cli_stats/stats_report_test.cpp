#include "tools/tunefleet/stats_report.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace {

stats::CatalogStats Sample() {
  stats::CatalogStats s;
  s.at = "2026-12-07T16:00:00Z";
  s.tracks = 1000;
  s.albums = 100;
  s.tracks_with_audio_features = 700;
  s.audio_features_share = 0.7;
  s.tracks_by_providers = {{0, 10}, {1, 290}, {2, 700}};
  s.albums_by_providers = {{0, 100}};
  s.coverage = {{.provider = "lastfm", .tracks = {800, 40}, .albums = {}, .dead_letters = std::nullopt},
                {.provider = "spotify", .tracks = {950, 12345}, .albums = {90, 3}, .dead_letters = std::nullopt}};
  s.top = 2;
  s.genres = {{"rock", 467, 0.467}, {"drum and bass", 12, 0.012}};
  s.distinct_genres = 80;
  s.moods = {{"calm", 120, 0.12}};
  s.distinct_moods = 12;
  s.feature_matrix = {{1, false, 50, 1100, 165, 0.15}, {2, true, 900, 19800, 2970, 0.15}};
  s.enrichment_rate = {{"spotify", 50, 1200}};
  s.merged_tracks = 17;
  s.merged_albums = 2;
  s.merged_artists = 4;
  s.identity_conflicts = 3;
  return s;
}

// The line of `text` that starts (after indentation) with `first`.
std::string LineStartingWith(const std::string& text, const std::string& first) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (line.find_first_not_of(' ') != std::string::npos && line.substr(line.find_first_not_of(' ')).rfind(first, 0) == 0) {
      return line;
    }
    pos = end + 1;
  }
  return "";
}

TEST(StatsReport, TableAlignsNumbersToTheRightUnderTheirHeaders) {
  const std::string text = stats::FormatTable(Sample());
  const std::string header = LineStartingWith(text, "PROVIDER ");
  const std::string lastfm = LineStartingWith(text, "lastfm");
  const std::string spotify = LineStartingWith(text, "spotify ");
  ASSERT_FALSE(header.empty()) << text;
  // Every row of the coverage table is as wide as its header: right-aligned columns end together.
  EXPECT_EQ(lastfm.size(), header.size()) << text;
  EXPECT_EQ(spotify.size(), header.size()) << text;
  // The not-found column ends where its header ends.
  const auto header_end = header.find("TRACKS NOT FOUND") + std::string("TRACKS NOT FOUND").size();
  EXPECT_EQ(spotify.substr(header_end - 5, 5), "12345") << text;
  EXPECT_EQ(lastfm.substr(header_end - 2, 2), "40") << text;
}

TEST(StatsReport, TableShowsSharesAsPercentAndMarksTheLatestVersion) {
  const std::string text = stats::FormatTable(Sample());
  EXPECT_EQ(LineStartingWith(text, "rock"), "  rock              467  46.7 %") << text;
  EXPECT_EQ(LineStartingWith(text, "drum and bass"), "  drum and bass      12   1.2 %") << text;
  EXPECT_NE(LineStartingWith(text, "2 (latest)"), "") << text;
  EXPECT_NE(text.find("genres: top 2 of 80"), std::string::npos) << text;
  EXPECT_NE(text.find("tracks with audio features 700 (70.0 %)"), std::string::npos) << text;
  EXPECT_EQ(LineStartingWith(text, "merged rows:"), "  merged rows: 17 tracks, 2 albums, 4 artists; identity conflicts: 3")
      << text;
  // Buckets: share of all tracks.
  EXPECT_EQ(LineStartingWith(text, "2  "), "  2             700  70.0 %") << text;
}

TEST(StatsReport, TableShowsUnknownDeadLettersAsDash) {
  const std::string text = stats::FormatTable(Sample());
  const std::string lastfm = LineStartingWith(text, "lastfm");
  EXPECT_EQ(lastfm.back(), '-') << text;
  EXPECT_NE(text.find("not asked or unreachable"), std::string::npos) << text;
}

TEST(StatsReport, JsonHoldsEveryFigureUnderStableNames) {
  rapidjson::Document d;
  const std::string json = stats::FormatJson(Sample());
  ASSERT_FALSE(d.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_STREQ(d["at"].GetString(), "2026-12-07T16:00:00Z");
  EXPECT_EQ(d["tracks"].GetInt64(), 1000);
  EXPECT_EQ(d["albums"].GetInt64(), 100);
  EXPECT_EQ(d["tracks_with_audio_features"].GetInt64(), 700);
  EXPECT_DOUBLE_EQ(d["audio_features_share"].GetDouble(), 0.7);
  ASSERT_EQ(d["tracks_by_providers"].Size(), 3u);
  EXPECT_EQ(d["tracks_by_providers"][2]["providers"].GetInt(), 2);
  EXPECT_EQ(d["tracks_by_providers"][2]["tracks"].GetInt64(), 700);
  EXPECT_EQ(d["albums_by_providers"][0]["albums"].GetInt64(), 100);
  const auto& spotify = d["coverage"][1];
  EXPECT_STREQ(spotify["provider"].GetString(), "spotify");
  EXPECT_EQ(spotify["tracks"]["stored"].GetInt64(), 950);
  EXPECT_EQ(spotify["tracks"]["not_found"].GetInt64(), 12345);
  EXPECT_EQ(spotify["albums"]["stored"].GetInt64(), 90);
  EXPECT_TRUE(spotify["dead_letters"].IsNull());
  EXPECT_EQ(d["genres"]["distinct"].GetInt64(), 80);
  EXPECT_STREQ(d["genres"]["top"][1]["genre"].GetString(), "drum and bass");
  EXPECT_DOUBLE_EQ(d["genres"]["top"][1]["share"].GetDouble(), 0.012);
  EXPECT_STREQ(d["moods"]["top"][0]["mood"].GetString(), "calm");
  EXPECT_EQ(d["feature_matrix"][1]["version"].GetInt(), 2);
  EXPECT_TRUE(d["feature_matrix"][1]["latest"].GetBool());
  EXPECT_EQ(d["feature_matrix"][1]["missing_cells"].GetInt64(), 2970);
  EXPECT_DOUBLE_EQ(d["feature_matrix"][1]["missing_share"].GetDouble(), 0.15);
  EXPECT_EQ(d["enrichment_rate"][0]["jobs_last_hour"].GetInt64(), 50);
  EXPECT_EQ(d["enrichment_rate"][0]["jobs_last_day"].GetInt64(), 1200);
  EXPECT_EQ(d["identity"]["merged_tracks"].GetInt64(), 17);
  EXPECT_EQ(d["identity"]["merged_albums"].GetInt64(), 2);
  EXPECT_EQ(d["identity"]["merged_artists"].GetInt64(), 4);
  EXPECT_EQ(d["identity"]["conflicts"].GetInt64(), 3);
}

TEST(StatsReport, JsonEscapesNames) {
  auto s = Sample();
  s.genres = {{"say \"hi\"\\", 1, 0.001}};
  rapidjson::Document d;
  const std::string json = stats::FormatJson(s);
  ASSERT_FALSE(d.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_STREQ(d["genres"]["top"][0]["genre"].GetString(), "say \"hi\"\\");
}

TEST(StatsReport, DeadLettersJoinTheirProvidersAndAddProvidersOnlyTheBrokerKnows) {
  auto s = Sample();
  stats::AddDeadLetters(s, {{"spotify", 7}, {"discogs", 2}});
  ASSERT_EQ(s.coverage.size(), 3u);
  EXPECT_EQ(s.coverage[0].provider, "discogs");
  EXPECT_EQ(s.coverage[0].dead_letters, 2);
  EXPECT_EQ(s.coverage[0].tracks.stored, 0);
  EXPECT_EQ(s.coverage[1].provider, "lastfm");
  EXPECT_EQ(s.coverage[1].dead_letters, 0);  // the broker answered: none
  EXPECT_EQ(s.coverage[2].dead_letters, 7);
  EXPECT_TRUE(s.dead_letters_known);
  rapidjson::Document d;
  d.Parse(stats::FormatJson(s).c_str());
  EXPECT_EQ(d["coverage"][2]["dead_letters"].GetInt64(), 7);
}

}  // namespace
