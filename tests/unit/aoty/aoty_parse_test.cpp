// workers/aoty/aoty_parse: the search and album pages of tests/data/aoty/ (modelled on public
// scrapers; tests/data/aoty/README.md) -> candidates, the pick, scores and records.
#include "workers/aoty/aoty_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/aoty/test_data.hpp"

namespace {

using aoty_test::Data;
using ::testing::HasSubstr;

TEST(AotyParse, AlbumPageWithBothScores) {
  auto page = aoty::ParseAlbumPage(Data("album-both-scores.html"));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->title, "Blonde");
  EXPECT_EQ(page->artist, "Frank Ocean");
  ASSERT_TRUE(page->critic_score.has_value());
  EXPECT_DOUBLE_EQ(*page->critic_score, 87.4) << "the exact value of the link's title, not the rounded text";
  EXPECT_EQ(page->critic_count, 38);
  ASSERT_TRUE(page->user_score.has_value());
  EXPECT_DOUBLE_EQ(*page->user_score, 90.6);
  EXPECT_EQ(page->user_count, 31842) << "thousands separator read";
  EXPECT_THAT(page->raw_json, HasSubstr("albumCriticScoreBox"));
  EXPECT_THAT(page->raw_json, HasSubstr("albumUserScoreBox"));
}

TEST(AotyParse, AlbumPageWithNoScores) {
  auto page = aoty::ParseAlbumPage(Data("album-no-scores.html"));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->title, "Porch Songs");
  EXPECT_FALSE(page->critic_score.has_value());
  EXPECT_FALSE(page->critic_count.has_value());
  EXPECT_FALSE(page->user_score.has_value()) << "NR: too few ratings";
  EXPECT_EQ(page->user_count, 3);
}

TEST(AotyParse, ChangedAlbumPageIsAPermanentErrorNamingWhatIsMissing) {
  auto no_user_box = aoty::ParseAlbumPage(Data("album-no-user-box.html"));
  ASSERT_FALSE(no_user_box);
  EXPECT_EQ(no_user_box.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(no_user_box.error().message, HasSubstr("no div.albumUserScoreBox"));

  auto not_number = aoty::ParseAlbumPage(Data("album-score-not-number.html"));
  ASSERT_FALSE(not_number);
  EXPECT_EQ(not_number.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(not_number.error().message, HasSubstr("div.albumCriticScore"));
  EXPECT_THAT(not_number.error().message, HasSubstr("not a score"));
}

TEST(AotyParse, APageCutOffInTransitIsTransientNotAChangedPage) {
  std::string page = Data("album-both-scores.html");
  auto cut = aoty::ParseAlbumPage(page.substr(0, page.find("albumUserScoreBox")));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().kind, core::ErrorKind::kTransient);
  EXPECT_THAT(cut.error().message, HasSubstr("cut off"));
  EXPECT_THAT(cut.error().message, HasSubstr("no div.albumUserScoreBox"));
  std::string search = Data("search-changed.html");
  auto cut_search = aoty::ParseSearch(search.substr(0, search.size() - 30));
  ASSERT_FALSE(cut_search);
  EXPECT_EQ(cut_search.error().kind, core::ErrorKind::kTransient);
}

TEST(AotyParse, NotHtmlAtAllIsAnError) {
  auto page = aoty::ParseAlbumPage("");
  ASSERT_FALSE(page);
  auto search = aoty::ParseSearch("");
  ASSERT_FALSE(search);
}

TEST(AotyParse, SearchWithSeveralCandidates) {
  auto candidates = aoty::ParseSearch(Data("search-several.html"));
  ASSERT_TRUE(candidates) << candidates.error().message;
  ASSERT_EQ(candidates->size(), 4u);
  EXPECT_EQ((*candidates)[0].artist, "Various Artists");
  EXPECT_EQ((*candidates)[0].title, "Blonde");
  EXPECT_EQ((*candidates)[0].path, "/album/610101-various-artists-blonde.php");
  EXPECT_EQ((*candidates)[2].artist, "Frank Ocean") << "whitespace collapsed";
  EXPECT_EQ((*candidates)[3].title, "Blonde (Deluxe Edition)");
}

TEST(AotyParse, PicksTheCandidateByArtistAndTitleNotTheFirst) {
  auto candidates = aoty::ParseSearch(Data("search-several.html"));
  ASSERT_TRUE(candidates);
  auto pick = aoty::PickCandidate(*candidates, "frank ocean", "BLONDE");
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(pick->path, "/album/57799-frank-ocean-blonde.php");
  // A job naming an edition AOTY does not list falls back to the bare title.
  auto edition = aoty::PickCandidate(*candidates, "Frank Ocean", "Blonde [Remastered]");
  ASSERT_TRUE(edition.has_value());
  EXPECT_EQ(edition->path, "/album/57799-frank-ocean-blonde.php");
  // The exact edition wins over the bare title.
  auto deluxe = aoty::PickCandidate(*candidates, "Frank Ocean", "Blonde (Deluxe Edition)");
  ASSERT_TRUE(deluxe.has_value());
  EXPECT_EQ(deluxe->path, "/album/88001-frank-ocean-blonde-deluxe.php");
  EXPECT_FALSE(aoty::PickCandidate(*candidates, "Blonde Redhead", "Blonde").has_value());
  EXPECT_FALSE(aoty::PickCandidate(*candidates, "Frank Ocean", "Channel Orange").has_value());
}

// A 2xx page that is not AOTY's (a proxy's error page served with 200, a bot challenge, an
// empty body) says nothing about the album: transient, never "no results" or "no score".
TEST(AotyParse, APageThatIsNotAotysIsTransientNeverNoResults) {
  for (std::string name : {"proxy-502.html", "challenge.html"}) {
    auto search = aoty::ParseSearch(Data(name));
    ASSERT_FALSE(search) << name << " read as " << search->size() << " results";
    EXPECT_EQ(search.error().kind, core::ErrorKind::kTransient) << name;
    EXPECT_THAT(search.error().message, HasSubstr("unexpected page")) << name;
    EXPECT_THAT(search.error().message, HasSubstr("no div.albumBlock or div.noResults")) << name;
    auto album = aoty::ParseAlbumPage(Data(name));
    ASSERT_FALSE(album) << name;
    EXPECT_EQ(album.error().kind, core::ErrorKind::kTransient) << name;
    EXPECT_THAT(album.error().message, HasSubstr("unexpected page")) << name;
  }
  EXPECT_THAT(aoty::ParseSearch(Data("proxy-502.html")).error().message, HasSubstr("\"502 Bad Gateway\""));
  // A redesign that dropped every marker looks the same from here: retried, then dead-lettered
  // when the attempts run out (never a not_found row).
  auto redesigned = aoty::ParseAlbumPage(Data("album-changed.html"));
  ASSERT_FALSE(redesigned);
  EXPECT_EQ(redesigned.error().kind, core::ErrorKind::kTransient);
  EXPECT_THAT(redesigned.error().message,
              HasSubstr("no h1.albumTitle, div.albumCriticScoreBox or div.albumUserScoreBox"));
}

TEST(AotyParse, MissingMarkerRecognisesEachPageByItsStructure) {
  EXPECT_EQ(aoty::MissingMarker(aoty::PageKind::kSearch, Data("search-several.html")), std::nullopt);
  EXPECT_EQ(aoty::MissingMarker(aoty::PageKind::kSearch, Data("search-none.html")), std::nullopt);
  EXPECT_EQ(aoty::MissingMarker(aoty::PageKind::kAlbum, Data("album-both-scores.html")), std::nullopt);
  EXPECT_EQ(aoty::MissingMarker(aoty::PageKind::kAlbum, Data("album-no-user-box.html")), std::nullopt)
      << "an album page missing one box is a changed page (the parser names it), not a foreign one";
  // An album page is not a search page, and the other way round.
  EXPECT_NE(aoty::MissingMarker(aoty::PageKind::kSearch, Data("album-both-scores.html")), std::nullopt);
  EXPECT_NE(aoty::MissingMarker(aoty::PageKind::kAlbum, Data("search-several.html")), std::nullopt);
  auto empty = aoty::MissingMarker(aoty::PageKind::kSearch, "");
  ASSERT_TRUE(empty.has_value());
  EXPECT_THAT(*empty, HasSubstr("an empty body"));
  auto challenge = aoty::MissingMarker(aoty::PageKind::kAlbum, Data("challenge.html"));
  ASSERT_TRUE(challenge.has_value());
  EXPECT_THAT(*challenge, HasSubstr("\"Just a moment...\""));
}

TEST(AotyParse, SearchWithoutResultsIsEmpty) {
  auto candidates = aoty::ParseSearch(Data("search-none.html"));
  ASSERT_TRUE(candidates) << candidates.error().message;
  EXPECT_TRUE(candidates->empty());
}

TEST(AotyParse, ChangedSearchPageIsAPermanentErrorNamingWhatIsMissing) {
  auto candidates = aoty::ParseSearch(Data("search-changed.html"));
  ASSERT_FALSE(candidates);
  EXPECT_EQ(candidates.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(candidates.error().message, HasSubstr("result 1 (div.albumBlock) has no div.albumTitle"));
}

TEST(AotyParse, MatchKey) {
  EXPECT_EQ(aoty::MatchKey("  The  National ", true), "national");
  EXPECT_EQ(aoty::MatchKey("The National"), "the national") << "titles keep their article";
  EXPECT_EQ(aoty::MatchKey("Simon & Garfunkel", true), aoty::MatchKey("Simon and Garfunkel", true));
  EXPECT_EQ(aoty::MatchKey("R.E.M.", true), "rem");
  EXPECT_EQ(aoty::MatchKey("Don't Stop!"), "dont stop");
  EXPECT_EQ(aoty::MatchKey("Sigur Rós", true), "sigur rós") << "UTF-8 letters kept";
}

TEST(AotyParse, RecordCarriesScoresPathAndTrimmedRaw) {
  auto page = aoty::ParseAlbumPage(Data("album-both-scores.html"));
  ASSERT_TRUE(page);
  json::AlbumJob job;
  job.job_id = "j1";
  job.artist = "frank ocean";
  job.album = "Blonde";
  auto r = aoty::AlbumRecordFrom(job, "/album/57799-frank-ocean-blonde.php", *page);
  EXPECT_EQ(r.provider, "aoty");
  EXPECT_EQ(r.status, catalog::SourceStatus::kOk);
  EXPECT_EQ(r.external_id, "/album/57799-frank-ocean-blonde.php");
  EXPECT_EQ(r.fields.aoty_critic_score, 87.4);
  EXPECT_EQ(r.fields.aoty_critic_count, 38);
  EXPECT_EQ(r.fields.aoty_user_score, 90.6);
  EXPECT_EQ(r.fields.aoty_user_count, 31842);
  EXPECT_EQ(r.fields.artist_credit, "Frank Ocean");
  ASSERT_TRUE(r.raw_json.has_value());
  EXPECT_THAT(*r.raw_json, HasSubstr("\"page\":\"/album/57799-frank-ocean-blonde.php\""));
  EXPECT_THAT(*r.raw_json, ::testing::Not(HasSubstr("trackListTable"))) << "only the score boxes are kept";
  auto nf = aoty::NotFoundAlbum(job);
  EXPECT_EQ(nf.status, catalog::SourceStatus::kNotFound);
  EXPECT_FALSE(nf.fields.aoty_critic_score.has_value());
}

TEST(AotyParse, SearchUrlEncodesArtistDashTitle) {
  EXPECT_EQ(aoty::SearchUrl("http://127.0.0.1:9/", "Simon & Garfunkel", "Bookends"),
            "http://127.0.0.1:9/search/albums/?q=Simon%20%26%20Garfunkel%20-%20Bookends");
}

}  // namespace
