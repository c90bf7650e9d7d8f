// The MusicBrainz album flow on a gateway of fakes (scripted HTTP, in-memory Redis, fake time):
// search -> release-group lookup (inc=releases) -> the picked release's lookup, and the album
// record with the release's tracklist. Bodies are in the recorded shapes, written here.
#include <gtest/gtest.h>

#include "tests/fakes/gateway_fakes.hpp"
#include "tests/fakes/provider_flow.hpp"
#include "workers/musicbrainz/musicbrainz_provider.hpp"

namespace musicbrainz {
namespace {

using namespace std::chrono_literals;
using fakes::FakeTransport;

constexpr const char* kBase = "https://mb.test";
constexpr const char* kGroup = "c9fdb94c-4975-4ed6-a96f-ef6d80bb7738";
constexpr const char* kEarly = "11111111-1111-4111-8111-111111111111";
constexpr const char* kLate = "22222222-2222-4222-8222-222222222222";

std::string Path(const std::string& url) { return FakeTransport::PathOf(url); }

std::string SearchBody() {
  return std::string(R"({"created":"2024-01-01T00:00:00.000Z","count":1,"offset":0,"release-groups":[{"id":")") +
         kGroup +
         R"(","score":100,"title":"Bar","primary-type":"Album","artist-credit":[{"name":"Foo","joinphrase":""}],)"
         R"("tags":[{"count":3,"name":"rock"}],"releases":[{"id":")" +
         kLate + R"(","title":"Bar","status":"Official"}]}]})";
}

std::string GroupBody() {
  return std::string(R"({"id":")") + kGroup +
         R"(","title":"Bar","primary-type":"Album","first-release-date":"1999-04-01",)"
         R"("artist-credit":[{"name":"Foo","joinphrase":""}],"tags":[{"count":3,"name":"rock"}],"releases":[)"
         R"({"id":")" + kLate + R"(","title":"Bar","status":"Official","date":"2009-01-01"},)"
         R"({"id":")" + kEarly + R"(","title":"Bar","status":"Official","date":"1999-04-01"}]})";
}

std::string ReleaseBody(const char* id, int tracks) {
  std::string body = std::string(R"({"id":")") + id + R"(","title":"Bar","status":"Official","media":[)"
                     R"({"position":1,"format":"CD","track-count":)" + std::to_string(tracks) + R"(,"tracks":[)";
  for (int i = 1; i <= tracks; ++i) {
    if (i > 1) body += ",";
    body += R"({"position":)" + std::to_string(i) + R"(,"number":")" + std::to_string(i) + R"(","title":"Song )" +
            std::to_string(i) + R"(","length":200000,"recording":{"id":"33333333-3333-4333-8333-00000000000)" +
            std::to_string(i) + R"(","title":"Song )" + std::to_string(i) + R"(","video":false,"isrcs":["GBTFA170000)" +
            std::to_string(i) + R"("]}})";
  }
  return body + "]}]}";
}

class MusicBrainzFlowTest : public ::testing::Test {
 protected:
  MusicBrainzFlowTest() {
    gateway_ = fakes::MakeFlowGateway(fakes_, "musicbrainz");
    provider_ = std::make_unique<MusicBrainzProvider>(*gateway_, MusicBrainzSettings{kBase, 24h, 24h});
  }
  // TUNEFLEET_ALBUM_TRACKS=false: the runtime stores no tracklist, so none is fetched.
  void WithoutTracklists() {
    provider_ = std::make_unique<MusicBrainzProvider>(*gateway_,
                                                      MusicBrainzSettings{kBase, 24h, 24h, /*tracklists=*/false});
  }
  ~MusicBrainzFlowTest() override {
    provider_.reset();
    gateway_.reset();
  }

  core::Result<runtime::Enrichment> Run(const json::Job& job) {
    return fakes::EnrichOnce(fakes_, [&](runtime::EnrichDone done) { provider_->Enrich(job, std::move(done)); });
  }

  static json::AlbumJob Album() {
    json::AlbumJob job;
    job.job_id = "a1";
    job.artist = "Foo";
    job.album = "Bar";
    return job;
  }

  void ScriptSearchAndGroup() {
    fakes_.transport.Script(Path(ReleaseGroupSearchUrl(kBase, "Foo", "Bar")), {FakeTransport::Status(200, SearchBody())});
    fakes_.transport.Script(Path(ReleaseGroupUrl(kBase, kGroup)), {FakeTransport::Status(200, GroupBody())});
  }

  fakes::GatewayFakes fakes_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<MusicBrainzProvider> provider_;
};

TEST_F(MusicBrainzFlowTest, SearchThenReleaseGroupThenTheEarliestOfficialReleaseBringsTheTracklist) {
  ScriptSearchAndGroup();
  fakes_.transport.Script(Path(ReleaseUrl(kBase, kEarly)), {FakeTransport::Status(200, ReleaseBody(kEarly, 12))});
  auto result = Run(Album());
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->albums.size(), 1u);
  const catalog::AlbumRecord& album = result->albums[0];
  EXPECT_EQ(album.status, catalog::SourceStatus::kOk);
  EXPECT_EQ(album.external_id, kGroup);
  ASSERT_EQ(album.tracklist.size(), 12u);
  EXPECT_EQ(album.tracklist[0].position, 1);
  EXPECT_EQ(album.tracklist[11].position, 12);
  EXPECT_EQ(album.tracklist[0].ref.mbid, "33333333-3333-4333-8333-000000000001");
  EXPECT_EQ(album.tracklist[0].ref.isrc, "GBTFA1700001");
  EXPECT_EQ(album.tracklist[0].ref.artist, "Foo");
  // In order: search, group lookup (even though the hit is tagged), the 1999 release.
  ASSERT_EQ(fakes_.transport.requests().size(), 3u);
  EXPECT_EQ(fakes_.transport.requests()[0].url, ReleaseGroupSearchUrl(kBase, "Foo", "Bar"));
  EXPECT_EQ(fakes_.transport.requests()[1].url, ReleaseGroupUrl(kBase, kGroup));
  EXPECT_EQ(fakes_.transport.requests()[2].url, ReleaseUrl(kBase, kEarly));
  EXPECT_EQ(fakes_.transport.Count(Path(ReleaseUrl(kBase, kLate))), 0);
}

TEST_F(MusicBrainzFlowTest, AnAlbumJobWithAnMbidSkipsTheSearch) {
  fakes_.transport.Script(Path(ReleaseGroupUrl(kBase, kGroup)), {FakeTransport::Status(200, GroupBody())});
  fakes_.transport.Script(Path(ReleaseUrl(kBase, kEarly)), {FakeTransport::Status(200, ReleaseBody(kEarly, 3))});
  json::AlbumJob job = Album();
  job.mbid = kGroup;
  auto result = Run(job);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->albums.at(0).tracklist.size(), 3u);
  EXPECT_EQ(fakes_.transport.requests().size(), 2u);
}

TEST_F(MusicBrainzFlowTest, AReleaseThatIsNotFoundLeavesTheAlbumWithoutATracklist) {
  ScriptSearchAndGroup();
  fakes_.transport.Script(Path(ReleaseUrl(kBase, kEarly)),
                          {FakeTransport::Status(404, R"({"error":"Not Found","help":"For usage, please see: x"})")});
  auto result = Run(Album());
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->albums.size(), 1u);
  EXPECT_EQ(result->albums[0].status, catalog::SourceStatus::kOk) << "the album is still stored";
  EXPECT_EQ(result->albums[0].external_id, kGroup);
  EXPECT_TRUE(result->albums[0].tracklist.empty());
  EXPECT_EQ(fakes_.transport.Count(Path(ReleaseUrl(kBase, kEarly))), 1) << "the release was asked for";
}

TEST_F(MusicBrainzFlowTest, AMalformedReleaseIsAPermanentError) {
  ScriptSearchAndGroup();
  fakes_.transport.Script(Path(ReleaseUrl(kBase, kEarly)),
                          {FakeTransport::Status(200, R"({"id":"x","title":"Bar","media":{"position":1}})")});
  auto result = Run(Album());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(result.error().message.find("musicbrainz release: /media"), std::string::npos) << result.error().message;
}

TEST_F(MusicBrainzFlowTest, AGroupListingNoReleaseAsksForNone) {
  fakes_.transport.Script(Path(ReleaseGroupSearchUrl(kBase, "Foo", "Bar")), {FakeTransport::Status(200, SearchBody())});
  fakes_.transport.Script(Path(ReleaseGroupUrl(kBase, kGroup)),
                          {FakeTransport::Status(200, std::string(R"({"id":")") + kGroup +
                                                          R"(","title":"Bar","primary-type":"Album","releases":[]})")});
  auto result = Run(Album());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->albums.at(0).tracklist.empty());
  EXPECT_EQ(fakes_.transport.requests().size(), 2u);
}

// With album tracks off, an album job costs what it did before tracklists: a tagged search
// hit is the album (1 request), an mbid one group lookup; no release is looked up.
TEST_F(MusicBrainzFlowTest, WithAlbumTracksOffATaggedSearchHitIsTheAlbumAndNoReleaseIsLookedUp) {
  WithoutTracklists();
  ScriptSearchAndGroup();
  fakes_.transport.Script(Path(ReleaseUrl(kBase, kEarly)), {FakeTransport::Status(200, ReleaseBody(kEarly, 12))});
  auto result = Run(Album());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->albums.at(0).status, catalog::SourceStatus::kOk);
  EXPECT_EQ(result->albums.at(0).external_id, kGroup);
  EXPECT_TRUE(result->albums.at(0).tracklist.empty());
  ASSERT_EQ(fakes_.transport.requests().size(), 1u);
  EXPECT_EQ(fakes_.transport.requests()[0].url, ReleaseGroupSearchUrl(kBase, "Foo", "Bar"));

  json::AlbumJob by_mbid = Album();
  by_mbid.job_id = "a2";
  by_mbid.mbid = kGroup;
  result = Run(by_mbid);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->albums.at(0).tracklist.empty());
  EXPECT_EQ(fakes_.transport.Count(Path(ReleaseGroupUrl(kBase, kGroup))), 1);
  EXPECT_EQ(fakes_.transport.Count(Path(ReleaseUrl(kBase, kEarly))), 0);
}

}  // namespace
}  // namespace musicbrainz
