// Artists: provider artist ids from the records fill the artist rows, and two artist rows found
// to hold one id become one (docs/DATABASE.md, "Identity rules"), against a real PostgreSQL.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/db/catalog_writer.hpp"
#include "common/db/identity_merge.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait.hpp"
#include "workers/fleet/fleet.hpp"

namespace db {
namespace {

catalog::TrackRecord Track(const std::string& provider, const std::string& artist, const std::string& title) {
  catalog::TrackRecord r;
  r.ref.artist = artist;
  r.ref.title = title;
  r.provider = provider;
  r.job_id = provider + ":" + artist + ":" + title;
  return r;
}

catalog::AlbumRecord Album(const std::string& provider, const std::string& artist, const std::string& title) {
  catalog::AlbumRecord r;
  r.ref.artist = artist;
  r.ref.title = title;
  r.provider = provider;
  r.job_id = provider + ":" + artist + ":" + title;
  return r;
}

catalog::TrackRecord WithSpotify(catalog::TrackRecord r, const std::string& id) {
  r.fields.artist_spotify_id = id;
  return r;
}

catalog::TrackRecord WithMbid(catalog::TrackRecord r, const std::string& id) {
  r.fields.artist_mbid = id;
  return r;
}

constexpr const char* kMbidA = "859d0860-d480-4efd-970c-c05d5f1776b8";
constexpr const char* kMbidB = "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d";

class ArtistMergeTest : public ::testing::Test {
 protected:
  std::int64_t ArtistId(const std::string& name_key) {
    return db_.Int("select id from artists where name_key = '" + name_key + "'");
  }

  test_support::TestDatabase db_;
  CatalogWriter writer_{db_.dsn(), fleet::MergePriority()};
};

TEST_F(ArtistMergeTest, RecordsFillTheArtistsMbidSpotifyIdAndDiscogsId) {
  auto track = WithSpotify(WithMbid(Track("spotify", "Beyoncé", "Halo"), "859D0860-D480-4EFD-970C-C05D5F1776B8"),
                           "6vWDO969PvNqNYHIOW5v0m");
  track.fields.artist_discogs_id = 1587;
  auto album = Album("musicbrainz", "Radiohead", "OK Computer");
  album.fields.artist_mbid = kMbidB;
  ASSERT_TRUE(writer_.WriteTracks({track, Track("lastfm", "Air", "Kelly")}));
  ASSERT_TRUE(writer_.WriteAlbums({album}));
  EXPECT_EQ(db_.Scalar("select mbid::text || ' ' || spotify_id || ' ' || discogs_id from artists "
                       "where name_key = 'beyoncé'"),
            std::string(kMbidA) + " 6vWDO969PvNqNYHIOW5v0m 1587");
  EXPECT_EQ(db_.Scalar("select mbid::text from artists where name_key = 'radiohead'"), kMbidB);
  EXPECT_EQ(db_.Int("select count(*) from artists where name_key = 'air' and mbid is null and spotify_id is null"), 1);
  // Never over an id already there.
  ASSERT_TRUE(writer_.WriteTracks({WithSpotify(Track("spotify", "Beyoncé", "Crazy in Love"), "other")}));
  EXPECT_EQ(db_.Scalar("select spotify_id from artists where name_key = 'beyoncé'"), "6vWDO969PvNqNYHIOW5v0m");
}

TEST_F(ArtistMergeTest, TwoSpellingsWithOneSpotifyIdBecomeOneArtist) {
  ASSERT_TRUE(writer_.WriteTracks({WithSpotify(Track("spotify", "Beyoncé", "Halo"), "6vWDO969PvNqNYHIOW5v0m")}));
  ASSERT_TRUE(writer_.WriteAlbums({Album("spotify", "Beyoncé", "I Am... Sasha Fierce")}));
  // The other spelling, with an MBID the first row lacks: two artist rows so far.
  ASSERT_TRUE(writer_.WriteTracks({WithMbid(Track("musicbrainz", "Beyonce", "Single Ladies"), kMbidA),
                                   Track("lastfm", "Beyonce", "Irreplaceable")}));
  ASSERT_TRUE(writer_.WriteAlbums({Album("lastfm", "Beyonce", "B'Day")}));
  ASSERT_EQ(db_.Int("select count(*) from artists"), 2);
  std::int64_t survivor = ArtistId("beyoncé");
  std::int64_t absorbed = ArtistId("beyonce");
  ASSERT_LT(survivor, absorbed);

  // Spotify answers the second spelling with the first one's artist id.
  std::vector<catalog::TrackRecord> found = {WithSpotify(Track("spotify", "Beyonce", "Irreplaceable"),
                                                         "6vWDO969PvNqNYHIOW5v0m")};
  auto written = writer_.WriteJobs({{found, {}, std::nullopt}});
  ASSERT_TRUE(written) << written.error().message;
  ASSERT_EQ((*written)[0].identity.size(), 1u);
  const MergeResult& merge = (*written)[0].identity[0];
  EXPECT_EQ(merge.entity, Entity::kArtist);
  EXPECT_STREQ(EntityName(merge.entity), "artist");
  EXPECT_EQ(merge.outcome, MergeOutcome::kMerged);
  EXPECT_EQ(merge.kind, "spotify_id");
  EXPECT_EQ(merge.survivor, survivor);
  EXPECT_EQ(merge.absorbed, absorbed);

  EXPECT_EQ(db_.Int("select count(*) from artists"), 1);
  EXPECT_EQ(db_.Int("select count(*) from tracks where artist_id is distinct from " + std::to_string(survivor)), 0);
  EXPECT_EQ(db_.Int("select count(*) from albums where artist_id is distinct from " + std::to_string(survivor)), 0);
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 3);
  // The absorbed row's MBID filled the survivor's empty one; its name resolves to the survivor.
  EXPECT_EQ(db_.Scalar("select mbid::text from artists"), kMbidA);
  EXPECT_EQ(db_.Scalar("select survivor_id || ' ' || absorbed_id || ' ' || kind || ' ' || value "
                       "from artist_aliases where name_key = 'beyonce'"),
            std::to_string(survivor) + " " + std::to_string(absorbed) + " spotify_id 6vWDO969PvNqNYHIOW5v0m");

  // A later write with the absorbed spelling, from a process that never saw it, lands on the
  // survivor: no artist row is created for it again.
  CatalogWriter later(db_.dsn(), fleet::MergePriority());
  ASSERT_TRUE(later.WriteTracks({Track("lastfm", "Beyonce", "Love On Top")}));
  ASSERT_TRUE(later.WriteAlbums({Album("lastfm", "BEYONCE", "4")}));
  EXPECT_EQ(db_.Int("select count(*) from artists"), 1);
  EXPECT_EQ(db_.Int("select artist_id from tracks where title = 'Love On Top'"), survivor);
  EXPECT_EQ(db_.Int("select artist_id from albums where title = '4'"), survivor);
  // Its ids too: the MBID the absorbed row had is the survivor's, nothing new to claim.
  ASSERT_TRUE(later.WriteTracks({WithMbid(Track("musicbrainz", "Beyonce", "Halo"), kMbidA)}));
  EXPECT_EQ(db_.Int("select count(*) from artists"), 1);
  EXPECT_EQ(db_.Int("select count(*) from identity_conflicts"), 0);
}

TEST_F(ArtistMergeTest, ConflictingMbidsAreListedNotMerged) {
  ASSERT_TRUE(writer_.WriteTracks({WithMbid(WithSpotify(Track("spotify", "The Beatles", "Help!"), "3WrFJ7ztbogyGnTHbHJFl2"),
                                            kMbidA)}));
  ASSERT_TRUE(writer_.WriteTracks({WithMbid(Track("musicbrainz", "Beatles", "Yesterday"), kMbidB)}));
  std::int64_t low = ArtistId("the beatles");
  std::int64_t high = ArtistId("beatles");
  std::vector<catalog::TrackRecord> found = {WithSpotify(Track("spotify", "Beatles", "Yesterday"),
                                                         "3WrFJ7ztbogyGnTHbHJFl2")};
  auto written = writer_.WriteJobs({{found, {}, std::nullopt}});
  ASSERT_TRUE(written) << written.error().message;
  ASSERT_EQ((*written)[0].identity.size(), 1u);
  EXPECT_EQ((*written)[0].identity[0].entity, Entity::kArtist);
  EXPECT_EQ((*written)[0].identity[0].outcome, MergeOutcome::kConflict);
  EXPECT_EQ(db_.Int("select count(*) from artists"), 2);
  EXPECT_EQ(db_.Int("select count(*) from artist_aliases"), 0);
  EXPECT_EQ(db_.Scalar("select entity || ' ' || low_id || ' ' || high_id || ' ' || shared_kind || ' ' || "
                       "conflict_kind || ' ' || low_value || ' ' || high_value from identity_conflicts"),
            "artist " + std::to_string(low) + " " + std::to_string(high) + " spotify_id mbid " + kMbidA + " " +
                kMbidB);
  EXPECT_EQ(db_.Int("select artist_id from tracks where title = 'Yesterday'"), high);
}

// The race, made deterministic: a merge holds the absorbed artist row (locked first, as
// MergeRows does) while a writer's upsert, whose snapshot still saw that row, checks its
// foreign key; the merge commits. The writer replays and lands on the survivor.
TEST_F(ArtistMergeTest, AWriteWaitingOnAnArtistRowAMergeDeletesLandsOnTheSurvivor) {
  ASSERT_TRUE(writer_.WriteTracks({WithSpotify(Track("spotify", "Beyoncé", "Halo"), "6vWDO969PvNqNYHIOW5v0m")}));
  ASSERT_TRUE(writer_.WriteTracks({Track("lastfm", "Beyonce", "Irreplaceable")}));
  const std::string survivor = std::to_string(ArtistId("beyoncé"));
  const std::string absorbed = std::to_string(ArtistId("beyonce"));
  auto merge = db_.Connect();
  pqxx::work tx(*merge);
  tx.exec("SELECT 1 FROM artists WHERE id IN (" + survivor + ", " + absorbed + ") ORDER BY name_key FOR UPDATE");
  core::Result<std::vector<std::int64_t>> written = std::vector<std::int64_t>{};
  std::thread t([&] { written = writer_.WriteTracks({Track("lastfm", "Beyonce", "Love On Top")}); });
  ASSERT_TRUE(test_support::WaitUntil(
      [&] {
        return db_.Int("select count(*) from pg_stat_activity where datname = current_database() "
                       "and wait_event_type = 'Lock'") > 0;
      },
      std::chrono::seconds(10), "the writer waits on the artist row"));
  tx.exec("UPDATE tracks SET artist_id = " + survivor + " WHERE artist_id = " + absorbed);
  tx.exec("INSERT INTO artist_aliases (survivor_id, absorbed_id, name_key, kind, value) VALUES (" + survivor + ", " +
          absorbed + ", 'beyonce', 'spotify_id', '6vWDO969PvNqNYHIOW5v0m')");
  tx.exec("DELETE FROM artists WHERE id = " + absorbed);
  tx.commit();
  t.join();
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(db_.Int("select count(*) from artists"), 1);
  EXPECT_EQ(db_.Scalar("select artist_id from tracks where title = 'Love On Top'"), survivor);
}

// Two writers (two connections, two threads) write tracks of both spellings while one of them
// finds the id that merges them: no write fails, no artist row is created for the absorbed
// name, and every track, whenever it was written, ends on the survivor.
TEST_F(ArtistMergeTest, ConcurrentWritersOfBothSpellingsDuringTheMergeLandOnTheSurvivor) {
  for (int round = 0; round < 20; ++round) {
    // A process that has seen neither spelling: its first batch inserts the artists it names.
    CatalogWriter other(db_.dsn(), fleet::MergePriority());
    const std::string n = std::to_string(round);
    const std::string first = "The Band " + n;
    const std::string second = "Band " + n;
    const std::string spotify = "band" + n;
    ASSERT_TRUE(writer_.WriteTracks({WithSpotify(Track("spotify", first, "Opening"), spotify)}));
    ASSERT_TRUE(writer_.WriteTracks({Track("lastfm", second, "Opening")}));
    std::int64_t survivor = ArtistId("the band " + n);
    std::int64_t absorbed = ArtistId("band " + n);
    auto batch = [&](const std::string& provider, int from, int count) {
      std::vector<catalog::TrackRecord> out;
      for (int i = from; i < from + count; ++i) {
        out.push_back(Track(provider, i % 2 == 0 ? first : second, "Song " + std::to_string(i)));
      }
      return out;
    };
    // The other writer writes batches of both spellings from before the merge until after it.
    std::atomic<bool> go{false};
    std::atomic<bool> merged{false};
    core::Result<void> other_result = core::Ok();
    std::thread t([&] {
      while (!go.load()) std::this_thread::yield();
      int after_merge = 0;
      for (int b = 0; b < 200 && after_merge < 2 && other_result; ++b) {
        if (merged.load()) ++after_merge;
        auto written = other.WriteTracks(batch("lastfm", b * 30, 30));
        if (!written) other_result = written.error();
      }
    });
    auto merging = batch("spotify", 0, 10);
    merging.push_back(WithSpotify(Track("spotify", second, "Opening"), spotify));
    go.store(true);
    auto written = writer_.WriteTracks(merging);
    merged.store(true);
    auto after = writer_.WriteTracks(batch("spotify", 10, 20));
    t.join();
    ASSERT_TRUE(written) << written.error().message;
    ASSERT_TRUE(after) << after.error().message;
    ASSERT_TRUE(other_result) << other_result.error().message;
    EXPECT_EQ(db_.Int("select count(*) from artists where name_key = 'band " + n + "'"), 0) << "round " << n;
    EXPECT_EQ(db_.Int("select survivor_id from artist_aliases where absorbed_id = " + std::to_string(absorbed)),
              survivor);
    EXPECT_EQ(db_.Int("select count(*) from tracks where artist_name in ('" + first + "', '" + second +
                      "') and artist_id is distinct from " + std::to_string(survivor)),
              0)
        << "round " << n;
  }
  EXPECT_EQ(db_.Int("select count(*) from artists"), 20);
  EXPECT_EQ(db_.Int("select count(*) from tracks where artist_id is null"), 0);
  EXPECT_EQ(db_.Int("select count(*) from tracks t where not exists (select 1 from artists a where a.id = t.artist_id)"),
            0);
}

}  // namespace
}  // namespace db
