// The Discogs flow on a gateway of fakes (scripted HTTP, in-memory Redis, fake time): which
// search pages it reads, which candidates' releases and artists it looks up, and which release
// and artist id the record ends with. Bodies are in the documented shapes, written here.
#include <gtest/gtest.h>

#include "tests/fakes/gateway_fakes.hpp"
#include "tests/fakes/provider_flow.hpp"
#include "workers/discogs/discogs_provider.hpp"

namespace discogs {
namespace {

using namespace std::chrono_literals;
using fakes::FakeTransport;

// A search page: `rows` as {id, "Artist - Title"}; `next` says whether urls.next is there.
std::string Page(int page, int pages, const std::vector<std::pair<int, std::string>>& rows) {
  std::string body = R"({"pagination":{"page":)" + std::to_string(page) + R"(,"pages":)" + std::to_string(pages) +
                     R"(,"per_page":2,"items":)" + std::to_string(2 * pages) + R"(,"urls":{)";
  if (page < pages) {
    body += R"("next":"https://api.discogs.com/database/search?q=x&per_page=2&page=)" + std::to_string(page + 1) + "\"";
  }
  body += R"(}},"results":[)";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) body += ",";
    body += R"({"id":)" + std::to_string(rows[i].first) + R"(,"type":"release","title":")" + rows[i].second +
            R"(","year":"1999","genre":["Rock"],"style":["Indie Rock"]})";
  }
  return body + "]}";
}

std::string ReleaseBody(int id, const std::string& artist, int artist_id) {
  return R"({"id":)" + std::to_string(id) + R"(,"title":"Bar","year":1999,"artists":[{"name":")" + artist +
         R"(","id":)" + std::to_string(artist_id) + R"(,"join":""}],"genres":["Rock"],"styles":["Indie Rock"],)"
         R"("tracklist":[{"position":"1","type_":"track","title":"Song","duration":"3:00"}]})";
}

std::string ArtistBody(int id, const std::string& name, const std::vector<std::string>& variations) {
  std::string body = R"({"id":)" + std::to_string(id) + R"(,"name":")" + name + R"(","profile":"","namevariations":[)";
  for (std::size_t i = 0; i < variations.size(); ++i) body += (i > 0 ? ",\"" : "\"") + variations[i] + "\"";
  return body + "]}";
}

class DiscogsFlowTest : public ::testing::Test {
 protected:
  void Start(int search_pages = 3) {
    gateway_ = fakes::MakeFlowGateway(fakes_, "discogs");
    DiscogsSettings s;
    s.base_url = "https://api.test";
    s.token = "t";
    s.release_ttl = s.search_ttl = s.artist_ttl = 24h;
    s.not_found_ttl = 1h;
    s.per_page = 2;
    s.search_pages = search_pages;
    provider_ = std::make_unique<DiscogsProvider>(*gateway_, s);
  }
  ~DiscogsFlowTest() override {
    provider_.reset();
    gateway_.reset();
  }

  core::Result<runtime::Enrichment> Run(const json::Job& job) {
    return fakes::EnrichOnce(fakes_, [&](runtime::EnrichDone done) { provider_->Enrich(job, std::move(done)); });
  }

  static json::AlbumJob Album(std::string artist) {
    json::AlbumJob job;
    job.job_id = "a1";
    job.artist = std::move(artist);
    job.album = "Bar";
    return job;
  }

  fakes::GatewayFakes fakes_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<DiscogsProvider> provider_;
};

TEST_F(DiscogsFlowTest, MatchOnPageTwoStopsThePagingThere) {
  Start();
  fakes_.transport.Script("/database/search",
                          {FakeTransport::Status(200, Page(1, 4, {{11, "Other - Bar"}, {12, "Another - Bar"}})),
                           FakeTransport::Status(200, Page(2, 4, {{13, "Third - Bar"}, {14, "Foo - Bar"}}))});
  fakes_.transport.Script("/releases/14", {FakeTransport::Status(200, ReleaseBody(14, "Foo", 104))});
  fakes_.transport.Script("/artists/104", {FakeTransport::Status(200, ArtistBody(104, "Foo", {}))});
  auto result = Run(Album("Foo"));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->albums.size(), 1u);
  EXPECT_EQ(result->albums[0].external_id, "14");
  EXPECT_EQ(result->albums[0].fields.artist_discogs_id, 104);
  EXPECT_EQ(fakes_.transport.Count("/database/search"), 2);  // page 3 never asked for
  ASSERT_GE(fakes_.transport.requests().size(), 2u);
  EXPECT_NE(fakes_.transport.requests()[1].url.find("&page=2"), std::string::npos) << fakes_.transport.requests()[1].url;
  EXPECT_EQ(fakes_.transport.Count("/releases/11"), 0);
}

TEST_F(DiscogsFlowTest, PagingStopsAtTheCapAndAtTheLastPage) {
  Start(/*search_pages=*/2);
  fakes_.transport.Script("/database/search", {FakeTransport::Status(200, Page(1, 9, {{11, "Other - Bar"}})),
                                               FakeTransport::Status(200, Page(2, 9, {{12, "Another - Bar"}})),
                                               FakeTransport::Status(200, Page(3, 9, {{13, "Foo - Bar"}}))});
  fakes_.transport.Script("/releases/11", {FakeTransport::Status(200, ReleaseBody(11, "Other", 101))});
  fakes_.transport.Script("/releases/12", {FakeTransport::Status(200, ReleaseBody(12, "Another", 102))});
  fakes_.transport.Script("/releases/21", {FakeTransport::Status(200, ReleaseBody(21, "Other", 101))});
  fakes_.transport.Script("/artists/101", {FakeTransport::Status(200, ArtistBody(101, "Other", {}))});
  fakes_.transport.Script("/artists/102", {FakeTransport::Status(200, ArtistBody(102, "Another", {}))});
  auto capped = Run(Album("Foo"));
  ASSERT_TRUE(capped) << capped.error().message;
  EXPECT_EQ(fakes_.transport.Count("/database/search"), 2);
  EXPECT_EQ(capped->albums.at(0).external_id, "11");  // the best of the 2 pages read

  // One page and no next link: one request, whatever the cap.
  provider_.reset();
  gateway_.reset();
  fakes_.transport.Script("/database/search", {FakeTransport::Status(200, Page(1, 1, {{21, "Other - Bar"}}))});
  Start(/*search_pages=*/3);
  auto single = Run(Album("Foo Single"));
  ASSERT_TRUE(single) << single.error().message;
  EXPECT_EQ(fakes_.transport.Count("/database/search"), 3);  // 2 before + 1
}

// Neither row names "The Foo"; the second one's artist answers to it through a name
// variation, so it wins over the first, which ranked as high.
TEST_F(DiscogsFlowTest, ACandidateWhoseArtistAnswersToTheJobsArtistWins) {
  Start();
  fakes_.transport.Script("/database/search",
                          {FakeTransport::Status(200, Page(1, 1, {{11, "Decoy Band - Bar"}, {12, "Foo - Bar"}}))});
  fakes_.transport.Script("/releases/11", {FakeTransport::Status(200, ReleaseBody(11, "Decoy Band", 101))});
  fakes_.transport.Script("/releases/12", {FakeTransport::Status(200, ReleaseBody(12, "Foo", 102))});
  fakes_.transport.Script("/artists/101", {FakeTransport::Status(200, ArtistBody(101, "Decoy Band", {"DECOY BAND"}))});
  fakes_.transport.Script("/artists/102", {FakeTransport::Status(200, ArtistBody(102, "Foo", {"The Foo", "FOO"}))});
  auto result = Run(Album("The Foo"));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->albums.size(), 1u);
  EXPECT_EQ(result->albums[0].external_id, "12");
  EXPECT_EQ(result->albums[0].fields.artist_discogs_id, 102);
  EXPECT_EQ(fakes_.transport.Count("/artists/101"), 1);
  EXPECT_EQ(fakes_.transport.Count("/artists/102"), 1);
}

// No candidate's artist answers: the best-ranked release is kept, without an artist id.
TEST_F(DiscogsFlowTest, NoAnsweringArtistKeepsTheBestRankedReleaseWithoutAnId) {
  Start();
  fakes_.transport.Script("/database/search",
                          {FakeTransport::Status(200, Page(1, 1, {{11, "Decoy Band - Bar"}, {12, "Other - Bar"}}))});
  fakes_.transport.Script("/releases/11", {FakeTransport::Status(200, ReleaseBody(11, "Decoy Band", 101))});
  fakes_.transport.Script("/releases/12", {FakeTransport::Status(200, ReleaseBody(12, "Other", 102))});
  fakes_.transport.Script("/artists/101", {FakeTransport::Status(200, ArtistBody(101, "Decoy Band", {}))});
  fakes_.transport.Script("/artists/102", {FakeTransport::Status(200, ArtistBody(102, "Other", {}))});
  auto result = Run(Album("Nobody"));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->albums.size(), 1u);
  EXPECT_EQ(result->albums[0].external_id, "11");
  EXPECT_FALSE(result->albums[0].fields.artist_discogs_id.has_value());
  // Both candidates were tried (release and artist each), the first release not asked twice.
  EXPECT_EQ(fakes_.transport.Count("/artists/101"), 1);
  EXPECT_EQ(fakes_.transport.Count("/artists/102"), 1);
  EXPECT_EQ(fakes_.transport.Count("/releases/11"), 1);
}

// Many jobs of one artist at once: one artist request (coalesced in flight, then cached).
TEST_F(DiscogsFlowTest, JobsOfOneArtistShareOneArtistLookup) {
  Start();
  fakes_.transport.Script("/database/search", {FakeTransport::Status(200, Page(1, 1, {{14, "Foo - Bar"}}))});
  fakes_.transport.Script("/releases/14", {FakeTransport::Status(200, ReleaseBody(14, "Foo", 104))});
  fakes_.transport.Script("/artists/104", {FakeTransport::Status(200, ArtistBody(104, "Foo", {}))});
  std::vector<core::Result<runtime::Enrichment>> got;
  for (int i = 0; i < 5; ++i) {
    json::TrackJob job;
    job.job_id = "t" + std::to_string(i);
    job.artist = "Foo";
    job.title = "Song";
    job.album = "Bar";
    provider_->Enrich(job, [&got](core::Result<runtime::Enrichment> r) { got.push_back(std::move(r)); });
  }
  ASSERT_TRUE(fakes_.Settle());
  ASSERT_EQ(got.size(), 5u);
  for (const auto& r : got) {
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->tracks.size(), 1u);
    EXPECT_EQ(r->tracks[0].fields.artist_discogs_id, 104);
  }
  EXPECT_EQ(fakes_.transport.Count("/artists/104"), 1);
}

}  // namespace
}  // namespace discogs
