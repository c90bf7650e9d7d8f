// db::CatalogWriter against a real PostgreSQL database with the migrations applied.
#include "common/db/catalog_writer.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>

#include "tests/support/test_database.hpp"
#include "workers/fleet/fleet.hpp"

namespace db {
namespace {

catalog::TrackRecord Track(const std::string& provider, const std::string& artist, const std::string& title) {
  catalog::TrackRecord r;
  r.ref.artist = artist;
  r.ref.title = title;
  r.provider = provider;
  r.job_id = provider + ":" + title;
  return r;
}

class CatalogWriterTest : public ::testing::Test {
 protected:
  test_support::TestDatabase db_;
  CatalogWriter writer_{db_.dsn(), fleet::MergePriority()};
};

TEST_F(CatalogWriterTest, WritingTheSameBatchTwiceChangesNothing) {
  auto a = Track("spotify", "Daft Punk", "One More Time");
  a.genres = {"house", "electronic"};
  a.fields.duration_ms = 320000;
  std::vector<catalog::TrackRecord> batch = {a, Track("spotify", "Air", "La Femme d'Argent")};
  auto first = writer_.WriteTracks(batch);
  ASSERT_TRUE(first) << first.error().message;
  auto second = writer_.WriteTracks(batch);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 2);
  EXPECT_EQ(db_.Int("select count(*) from track_sources"), 2);
  EXPECT_EQ(db_.Scalar("select duration_ms from tracks where title = 'One More Time'"), "320000");
}

TEST_F(CatalogWriterTest, MergesProvidersWithoutOverwritingEachOther) {
  auto spotify = Track("spotify", "Daft Punk", "Digital Love");
  spotify.genres = {"house", "electronic"};
  spotify.fields.popularity = 70;
  auto lastfm = Track("lastfm", "Daft Punk", "Digital Love");
  lastfm.genres = {"electronic", "disco"};
  lastfm.moods = {"happy"};
  ASSERT_TRUE(writer_.WriteTracks({spotify}));
  ASSERT_TRUE(writer_.WriteTracks({lastfm}));
  EXPECT_EQ(db_.Scalar("select genres::text from tracks"), "{electronic,house,disco}");
  EXPECT_EQ(db_.Scalar("select moods::text from tracks"), "{happy}");
  EXPECT_EQ(db_.Scalar("select providers_done::text from tracks"), "{lastfm,spotify}");
  EXPECT_EQ(db_.Scalar("select popularity from tracks"), "70");
  // A re-run of one provider replaces only its own contribution.
  lastfm.genres = {"french house"};
  ASSERT_TRUE(writer_.WriteTracks({lastfm}));
  EXPECT_EQ(db_.Scalar("select genres::text from track_sources where provider = 'spotify'"), "{house,electronic}");
  // Ties (one provider each, same rank) go alphabetically.
  EXPECT_EQ(db_.Scalar("select genres::text from tracks"), "{\"french house\",house,electronic}");
}

TEST_F(CatalogWriterTest, TwoTracksClaimingOneProviderIdInABatchDoNotFailIt) {
  auto a = Track("spotify", "Artist", "Song");
  a.fields.isrc = "USRC17607839";
  auto b = Track("spotify", "Artist", "Song (Remastered)");
  b.fields.isrc = "USRC17607839";
  auto written = writer_.WriteTracks({a, b});
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 2);
  EXPECT_LE(db_.Int("select count(*) from tracks where isrc is not null"), 1);
}

TEST_F(CatalogWriterTest, AnIdFoundForARowThatAnotherRowHoldsMergesTheTwo) {
  auto a = Track("spotify", "Artist", "Song");
  a.ref.isrc = "USRC17607839";
  auto first = writer_.WriteTracks({a});
  ASSERT_TRUE(first) << first.error().message;
  auto b = Track("lastfm", "Artist", "Other Song");
  b.fields.isrc = "USRC17607839";  // a provider found the same ISRC for a row keyed by name
  auto written = writer_.WriteTracks({b});
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(*written, *first);  // the name-keyed row was absorbed: its job is told the survivor
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 1);
  EXPECT_EQ(db_.Scalar("select providers_done::text from tracks"), "{lastfm,spotify}");
}

TEST_F(CatalogWriterTest, ConcurrentProvidersOnNewTracksKeepEveryContribution) {
  // Two workers (two connections, two threads) write the same 300 brand-new tracks at once:
  // whoever inserts a row fills its merged columns alone; the other must merge, not clobber.
  auto batch_for = [](const std::string& provider, const std::string& genre) {
    std::vector<catalog::TrackRecord> batch;
    for (int i = 0; i < 300; ++i) {
      auto r = Track(provider, "Artist " + std::to_string(i % 7), "Song " + std::to_string(i));
      r.genres = {genre};
      batch.push_back(r);
    }
    return batch;
  };
  for (int round = 0; round < 3; ++round) {
    CatalogWriter other(db_.dsn(), fleet::MergePriority());
    auto a = batch_for("spotify", "house");
    auto b = batch_for("lastfm", "disco");
    for (auto& r : a) r.ref.title += "/" + std::to_string(round);
    for (auto& r : b) r.ref.title += "/" + std::to_string(round);
    core::Result<std::vector<std::int64_t>> ra = std::vector<std::int64_t>{};
    core::Result<std::vector<std::int64_t>> rb = std::vector<std::int64_t>{};
    std::thread t([&] { rb = other.WriteTracks(b); });
    ra = writer_.WriteTracks(a);
    t.join();
    ASSERT_TRUE(ra) << ra.error().message;
    ASSERT_TRUE(rb) << rb.error().message;
  }
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 900);
  EXPECT_EQ(db_.Int("select count(*) from tracks where genres @> array['house','disco'] "
                    "and providers_done = array['lastfm','spotify']"), 900);
  // Both writers met the same seven new artists at once: one row each, every track linked.
  EXPECT_EQ(db_.Int("select count(*) from artists"), 7);
  EXPECT_EQ(db_.Int("select count(*) from tracks t join artists a on a.id = t.artist_id "
                    "where a.name = t.artist_name"), 900);
}

TEST_F(CatalogWriterTest, AJobBatchReturnsEachJobsOwnIdsAndCountsEachJobOnce) {
  // Three jobs: two tracks; one album; one track.
  std::vector<catalog::TrackRecord> first = {Track("spotify", "Air", "Sexy Boy"), Track("spotify", "Air", "Kelly")};
  std::vector<catalog::TrackRecord> third = {Track("spotify", "Daft Punk", "Da Funk")};
  catalog::AlbumRecord album;
  album.ref.artist = "Air";
  album.ref.title = "Moon Safari";
  album.provider = "spotify";
  album.job_id = "spotify:moon-safari";
  std::vector<catalog::AlbumRecord> second = {album};
  std::vector<JobRows> jobs = {
      {first, {}, JobEffect{"spotify", "job-1", 2}},
      {{}, second, JobEffect{"spotify", "job-2", 0}},
      {third, {}, JobEffect{"spotify", "job-3", 1}},
  };
  auto written = writer_.WriteJobs(jobs);
  ASSERT_TRUE(written) << written.error().message;
  ASSERT_EQ(written->size(), 3u);
  auto id_of = [&](const std::string& title) { return db_.Int("select id from tracks where title = '" + title + "'"); };
  EXPECT_EQ((*written)[0].tracks, (std::vector<std::int64_t>{id_of("Sexy Boy"), id_of("Kelly")}));
  EXPECT_TRUE((*written)[0].albums.empty());
  EXPECT_TRUE((*written)[1].tracks.empty());
  EXPECT_EQ((*written)[1].albums, (std::vector<std::int64_t>{db_.Int("select id from albums where title = 'Moon Safari'")}));
  EXPECT_EQ((*written)[2].tracks, (std::vector<std::int64_t>{id_of("Da Funk")}));
  // Counted once each, in the batch's last transaction (the albums'), with its follow-up count.
  EXPECT_EQ(db_.Int("select count(*) from job_commits"), 1);
  EXPECT_EQ(db_.Scalar("select string_agg(job_id || '=' || commits || '/' || followup_ids, ',' order by job_id) "
                       "from job_effects"),
            "job-1=1/2,job-2=1/0,job-3=1/1");
  // The same ids as the per-entity calls return for the same records.
  auto again = writer_.WriteTracks({first[0], first[1], third[0]});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, (std::vector<std::int64_t>{id_of("Sexy Boy"), id_of("Kelly"), id_of("Da Funk")}));
}

TEST_F(CatalogWriterTest, TracksAndAlbumsOfOneArtistShareOneArtistRow) {
  ASSERT_TRUE(writer_.WriteTracks({Track("spotify", "Daft Punk", "Da Funk"), Track("spotify", "Air", "Playground Love")}));
  ASSERT_TRUE(writer_.WriteTracks({Track("lastfm", "daft  punk ", "Around the World")}));
  catalog::AlbumRecord album;
  album.ref.artist = "DAFT PUNK";
  album.ref.title = "Homework";
  album.provider = "discogs";
  album.job_id = "discogs:homework";
  ASSERT_TRUE(writer_.WriteAlbums({album}));
  EXPECT_EQ(db_.Int("select count(*) from artists"), 2);
  EXPECT_EQ(db_.Scalar("select name from artists where name_key = 'daft punk'"), "Daft Punk") << "first spelling";
  EXPECT_EQ(db_.Int("select count(distinct artist_id) from (select artist_id from tracks where artist_name ilike "
                    "'%daft%' union all select artist_id from albums) x"), 1);
  EXPECT_EQ(db_.Int("select count(*) from tracks where artist_id is null"), 0);
  EXPECT_EQ(db_.Int("select count(*) from albums where artist_id is null"), 0);
}

// fields.artist_discogs_id (workers/discogs) fills artists.discogs_id: on a new row and on an
// existing one without, never over an id already there, and never a second row with an id
// another row holds (the unique index), in a batch or across batches, without failing them.
TEST_F(CatalogWriterTest, ArtistDiscogsIdsFillTheArtistRowOnceAndNeverTwice) {
  auto with_id = [](catalog::TrackRecord r, std::int64_t id) {
    r.fields.artist_discogs_id = id;
    return r;
  };
  ASSERT_TRUE(writer_.WriteTracks({Track("spotify", "Air", "Playground Love")}));  // an existing row without an id
  ASSERT_TRUE(writer_.WriteTracks({with_id(Track("discogs", "Air", "Kelly"), 2412),
                                   with_id(Track("discogs", "Daft Punk", "Da Funk"), 1289),
                                   // a second spelling claiming Air's id in the same batch: left out
                                   with_id(Track("discogs", "AIR (French band)", "Sexy Boy"), 2412)}));
  EXPECT_EQ(db_.Scalar("select discogs_id from artists where name_key = 'air'"), "2412");
  EXPECT_EQ(db_.Scalar("select discogs_id from artists where name_key = 'daft punk'"), "1289");
  EXPECT_EQ(db_.Scalar("select coalesce(discogs_id::text, 'null') from artists where name = 'AIR (French band)'"), "null");
  // Later batches: an id already set is kept; another row claiming a held id does not take it:
  // the two rows are one artist (artist_merge_test.cpp), the older one stays.
  CatalogWriter other(db_.dsn(), fleet::MergePriority());  // a process that has not seen these
  ASSERT_TRUE(other.WriteTracks({with_id(Track("discogs", "Air Tribute", "Kelly Watch"), 2412),
                                 with_id(Track("discogs", "Daft Punk", "Revolution 909"), 777)}));
  EXPECT_EQ(db_.Int("select count(*) from artists where name = 'Air Tribute'"), 0);
  EXPECT_EQ(db_.Scalar("select a.name from tracks t join artists a on a.id = t.artist_id where t.title = 'Kelly Watch'"),
            "Air");
  EXPECT_EQ(db_.Scalar("select discogs_id from artists where name_key = 'daft punk'"), "1289");
  EXPECT_EQ(db_.Int("select count(*) from artists where discogs_id is not null"), 2);
  EXPECT_EQ(db_.Int("select count(*) from track_sources where provider = 'discogs'"), 5);
}

TEST_F(CatalogWriterTest, ARowWrittenBeforeArtistsExistedGetsItsArtistOnTheNextWrite) {
  // As written by a version without artists: no artist row, no artist_id.
  ASSERT_TRUE(writer_.WriteTracks({Track("spotify", "Air", "Playground Love")}));
  db_.Rows("update tracks set artist_id = null; delete from artists");
  CatalogWriter restarted(db_.dsn(), fleet::MergePriority());  // a writer remembers the artists it has seen committed
  ASSERT_TRUE(restarted.WriteTracks({Track("lastfm", "Air", "Playground Love")}));
  EXPECT_EQ(db_.Int("select count(*) from tracks t join artists a on a.id = t.artist_id where a.name = 'Air'"), 1);
}

TEST_F(CatalogWriterTest, ABatchThatFailedDoesNotCountItsArtistsAsWritten) {
  auto ok = Track("spotify", "Broadcast", "Tears in the Typing Pool");
  auto bad = Track("spotify", "Broadcast", "Come On Let's Go");
  // The database refuses this one source row, so the whole batch rolls back.
  db_.Rows(R"(create function refuse() returns trigger language plpgsql as $$
              begin raise exception 'refused by the test'; end $$;
              create trigger refuse before insert on track_sources for each row
              when (new.job_id = 'spotify:Come On Let''s Go') execute function refuse())");
  auto failed = writer_.WriteTracks({ok, bad});
  ASSERT_FALSE(failed) << "expected the batch to fail";
  EXPECT_EQ(db_.Int("select count(*) from artists"), 0);
  db_.Rows("drop trigger refuse on track_sources");
  ASSERT_TRUE(writer_.WriteTracks({ok}));
  EXPECT_EQ(db_.Int("select count(*) from tracks t join artists a on a.id = t.artist_id"), 1);
}

TEST_F(CatalogWriterTest, AnImpossibleReleaseDateKeepsOnlyTheYear) {
  auto a = Track("musicbrainz", "Stereolab", "French Disko");
  a.fields.release_date = "1993-02-30";
  auto b = Track("musicbrainz", "Stereolab", "Ping Pong");
  b.fields.release_date = "1994-02-28";
  ASSERT_TRUE(writer_.WriteTracks({a, b}));
  EXPECT_EQ(db_.Scalar("select coalesce(release_date::text, 'null') || ' ' || release_year from tracks "
                       "where title = 'French Disko'"), "null 1993");
  EXPECT_EQ(db_.Scalar("select release_date from tracks where title = 'Ping Pong'"), "1994-02-28");
}

TEST_F(CatalogWriterTest, AProviderIdClaimedByAConcurrentTransactionIsLeftOutNotFatal) {
  // Another writer's transaction claims Discogs release 42 for its track and commits while
  // this writer's insert of a track carrying the same release waits on the unique index.
  auto other = db_.Connect();
  pqxx::work claim(*other);
  claim.exec("insert into tracks (identity_key, name_key, artist_name, title, discogs_id) "
             "values ('name:broadcast\x1fpapercuts', 'broadcast\x1fpapercuts', 'Broadcast', 'Papercuts', 42)");
  auto r = Track("discogs", "Broadcast", "Tender Buttons");
  r.ref.discogs_id = 42;
  // Commits once this writer's insert waits on the claim's lock (seen in pg_stat_activity),
  // so the race is the one meant, however loaded the machine.
  std::thread committer([&] {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until &&
           db_.Int("select count(*) from pg_stat_activity where datname = current_database() "
                   "and wait_event_type = 'Lock'") == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    claim.commit();
  });
  auto written = writer_.WriteTracks({r});
  committer.join();
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(db_.Scalar("select coalesce(discogs_id::text, 'none') from tracks where title = 'Tender Buttons'"), "none");
  EXPECT_EQ(db_.Scalar("select discogs_id from tracks where title = 'Papercuts'"), "42");
}

TEST_F(CatalogWriterTest, NotFoundIsRecordedAsSuch) {
  auto a = Track("discogs", "Nobody", "Nothing");
  a.status = catalog::SourceStatus::kNotFound;
  ASSERT_TRUE(writer_.WriteTracks({a}));
  EXPECT_EQ(db_.Scalar("select status from track_sources"), "not_found");
  EXPECT_EQ(db_.Scalar("select providers_done::text from tracks"), "{discogs}");
}

TEST_F(CatalogWriterTest, StoresTitlesByteForByte) {
  std::string title = "Quote \" backslash \\ '); DROP TABLE tracks; -- \xF0\x9F\x8E\xB5";
  ASSERT_TRUE(writer_.WriteTracks({Track("noop", "A", title)}));
  EXPECT_EQ(db_.Scalar("select title from tracks"), title);
}

// The merge order is data passed in (the fleet's specs), not SQL: the same sources merged
// under the reversed order show the other provider's value, and a provider the order does
// not list comes after every listed one either way.
TEST_F(CatalogWriterTest, TheMergePriorityPassedInDecidesWhoseScalarsWin) {
  auto track = [](const std::string& provider, std::int32_t duration_ms) {
    auto r = Track(provider, "Air", "Sexy Boy");
    r.fields.duration_ms = duration_ms;
    return r;
  };
  auto album = [](const std::string& provider, const std::string& release_date) {
    catalog::AlbumRecord r;
    r.ref.artist = "Air";
    r.ref.title = "Moon Safari";
    r.provider = provider;
    r.job_id = provider + ":moon-safari";
    r.fields.release_date = release_date;
    return r;
  };
  const std::vector<std::string>& priority = fleet::MergePriority();
  ASSERT_EQ(priority, (std::vector<std::string>{"spotify", "musicbrainz", "discogs", "lastfm", "cyanite", "aoty"}));
  for (const auto& r : {track("spotify", 298000), track("lastfm", 297000), track("noop", 1000)}) {
    ASSERT_TRUE(writer_.WriteTracks({r}));
  }
  for (const auto& r : {album("spotify", "1998-01-16"), album("lastfm", "1998-01-19"), album("noop", "2000-01-01")}) {
    ASSERT_TRUE(writer_.WriteAlbums({r}));
  }
  EXPECT_EQ(db_.Scalar("select duration_ms from tracks"), "298000");
  EXPECT_EQ(db_.Scalar("select release_date from albums"), "1998-01-16");

  // Rewriting one source re-merges the row under the writer's order.
  CatalogWriter reversed(db_.dsn(), std::vector<std::string>(priority.rbegin(), priority.rend()));
  ASSERT_TRUE(reversed.WriteTracks({track("noop", 1000)}));
  ASSERT_TRUE(reversed.WriteAlbums({album("noop", "2000-01-01")}));
  EXPECT_EQ(db_.Scalar("select duration_ms from tracks"), "297000");
  EXPECT_EQ(db_.Scalar("select release_date from albums"), "1998-01-19");
}

// docs/providers/CYANITE.md, "Precedence": the merged audio_features are Spotify's, whole,
// when Spotify gave any, and Cyanite's where Spotify's are absent (a new app's 403).
TEST_F(CatalogWriterTest, CyanitesAudioFeaturesFillTheMergedRowOnlyWhereSpotifyHasNone) {
  auto spotify = Track("spotify", "Air", "Kelly Watch the Stars");  // audio features refused
  auto cyanite = Track("cyanite", "Air", "Kelly Watch the Stars");
  cyanite.fields.audio_features_json = R"({"energy":0.5,"valence":0.6,"tempo":100.0,"source":"cyanite"})";
  ASSERT_TRUE(writer_.WriteTracks({spotify}));
  ASSERT_TRUE(writer_.WriteTracks({cyanite}));
  EXPECT_EQ(db_.Scalar("select audio_features->>'source' from tracks"), "cyanite");
  EXPECT_EQ(db_.Scalar("select audio_features->>'tempo' from tracks"), "100.0");
  // Spotify's features, once it has some, win whole: no key mixed in from Cyanite.
  spotify.fields.audio_features_json = R"({"energy":0.9,"valence":0.2,"tempo":128.0,"danceability":0.7})";
  ASSERT_TRUE(writer_.WriteTracks({spotify}));
  EXPECT_EQ(db_.Scalar("select audio_features->>'tempo' from tracks"), "128.0");
  EXPECT_EQ(db_.Scalar("select coalesce(audio_features->>'source', 'none') from tracks"), "none");
}

// --- album_tracks (docs/DATABASE.md, "album_tracks: which tracklist wins") ------------------

catalog::AlbumRecord AlbumWithTracklist(const std::string& provider, int tracks, bool with_spotify_ids) {
  catalog::AlbumRecord r;
  r.ref.artist = "Tracklist Band";
  r.ref.title = "Twelve Songs";
  r.provider = provider;
  r.job_id = "album-job";
  r.fields.title = "Twelve Songs";
  for (int i = 1; i <= tracks; ++i) {
    catalog::AlbumTrack entry;
    entry.position = i;
    entry.ref.artist = "Tracklist Band";
    entry.ref.title = "Song " + std::to_string(i);
    if (with_spotify_ids) entry.ref.spotify_id = "sp" + std::to_string(i);
    entry.duration_ms = 180000 + i;
    r.tracklist.push_back(entry);
  }
  return r;
}

TEST_F(CatalogWriterTest, ATracklistLinksOneTrackRowPerPositionAndReturnsThemUntilMarkedPublished) {
  auto album = AlbumWithTracklist("spotify", 12, true);
  std::vector<catalog::AlbumRecord> albums = {album};
  auto first = writer_.WriteJobs({{{}, albums, JobEffect{"spotify", "album-job", 0}}});
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->size(), 1u);
  ASSERT_EQ((*first)[0].track_jobs.size(), 12u);
  const AlbumTrackJob& job = (*first)[0].track_jobs[0];
  EXPECT_EQ(job.position, 1);
  EXPECT_EQ(job.identity_key, "spotify:sp1") << "the entry's id names the row";
  EXPECT_EQ(job.title, "Song 1");
  EXPECT_EQ(job.album, "Twelve Songs");
  EXPECT_EQ(job.duration_ms, 180001);
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 12);
  EXPECT_EQ(db_.Int("select count(*) from album_tracks"), 12);
  EXPECT_EQ(db_.Int("select count(*) from tracks where spotify_id is not null and album_id is not null"), 12);

  // Not marked: the next delivery gets the same positions again, and nothing is created twice.
  auto again = writer_.WriteJobs({{{}, albums, JobEffect{"spotify", "album-job", 0}}});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)[0].track_jobs.size(), 12u);
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 12);
  ASSERT_TRUE(writer_.MarkTrackJobsPublished((*again)[0].track_jobs));
  EXPECT_EQ(db_.Int("select count(*) from album_tracks where track_job_published_at is not null"), 12);
  auto marked = writer_.WriteJobs({{{}, albums, JobEffect{"spotify", "album-job", 0}}});
  ASSERT_TRUE(marked) << marked.error().message;
  EXPECT_TRUE((*marked)[0].track_jobs.empty()) << "marked positions are not published again";
}

TEST_F(CatalogWriterTest, ASecondProvidersTracklistFillsOnlyFreePositionsAndPublishesNoneOfTheFirsts) {
  std::vector<catalog::AlbumRecord> spotify = {AlbumWithTracklist("spotify", 10, true)};
  auto first = writer_.WriteJobs({{{}, spotify, std::nullopt}});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ((*first)[0].track_jobs.size(), 10u);
  // Discogs's tracklist of the same album (no ids, two bonus tracks): positions 11 and 12 only.
  std::vector<catalog::AlbumRecord> discogs = {AlbumWithTracklist("discogs", 12, false)};
  auto second = writer_.WriteJobs({{{}, discogs, std::nullopt}});
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_EQ((*second)[0].track_jobs.size(), 2u) << "only the positions discogs claimed";
  EXPECT_EQ((*second)[0].track_jobs[0].position, 11);
  EXPECT_EQ((*second)[0].track_jobs[0].identity_key.rfind("name:", 0), 0u);
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 12) << "no duplicate rows for positions 1..10";
  EXPECT_EQ(db_.Int("select count(*) from album_tracks where provider = 'spotify'"), 10);
  EXPECT_EQ(db_.Int("select count(*) from album_tracks where provider = 'discogs'"), 2);
}

TEST_F(CatalogWriterTest, ATracklistEntryLinksTheRowThatAlreadyHoldsItsId) {
  // A track job by ISRC that Spotify enriched: its row (isrc:...) holds the Spotify id.
  auto track = Track("spotify", "Tracklist Band", "Song 1");
  track.ref.isrc = "USRC17600001";
  track.fields.spotify_id = "sp1";
  ASSERT_TRUE(writer_.WriteTracks({track}));
  ASSERT_EQ(db_.Int("select count(*) from tracks where spotify_id = 'sp1'"), 1);
  std::vector<catalog::AlbumRecord> albums = {AlbumWithTracklist("spotify", 2, true)};
  auto written = writer_.WriteJobs({{{}, albums, std::nullopt}});
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(db_.Int("select count(*) from tracks"), 2) << "position 1 is the existing row";
  ASSERT_EQ((*written)[0].track_jobs.size(), 2u);
  EXPECT_EQ((*written)[0].track_jobs[0].identity_key, "isrc:USRC17600001")
      << "the track job carries the id of the row's key, so it lands on that row";
}

TEST_F(CatalogWriterTest, UnreachableDatabaseIsTransient) {
  CatalogWriter writer("postgresql://tunefleet:secret@127.0.0.1:1/none", fleet::MergePriority());
  auto written = writer.WriteTracks({Track("noop", "A", "B")});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().kind, core::ErrorKind::kTransient);
  EXPECT_EQ(written.error().message.find("secret"), std::string::npos) << written.error().message;
}

}  // namespace
}  // namespace db
