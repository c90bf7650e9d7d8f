// One recording, one row (docs/DATABASE.md, "Merging rows"): db::CatalogWriter merging the rows
// that turn out to hold one identifier, against a real PostgreSQL database.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/db/catalog_writer.hpp"
#include "tests/support/test_database.hpp"
#include "workers/fleet/fleet.hpp"

namespace db {
namespace {

constexpr const char* kIsrc = "USRC17607839";
constexpr const char* kMbid = "2c7d6a43-3c8e-4a3f-9f8b-0d2f1f5c9a11";

catalog::TrackRecord Track(const std::string& provider, const std::string& job) {
  catalog::TrackRecord r;
  r.ref.artist = "Daft Punk";
  r.ref.title = "One More Time";
  r.provider = provider;
  r.job_id = provider + ":" + job;
  return r;
}

// What each provider answers for the recording, asked by name or by ISRC (the job's ref).
std::vector<catalog::TrackRecord> ProviderAnswers() {
  std::vector<catalog::TrackRecord> out;
  for (bool by_isrc : {false, true}) {
    const std::string job = by_isrc ? "by-isrc" : "by-name";
    auto spotify = Track("spotify", job);
    spotify.fields.isrc = kIsrc;
    spotify.fields.spotify_id = "0DiWol3AO6WpXZgp0goxAV";
    spotify.fields.popularity = 77;
    spotify.genres = {"house"};
    auto musicbrainz = Track("musicbrainz", job);
    musicbrainz.fields.isrc = kIsrc;
    musicbrainz.fields.mbid = kMbid;
    musicbrainz.fields.duration_ms = 320357;
    musicbrainz.genres = {"french house"};
    auto lastfm = Track("lastfm", job);
    lastfm.genres = {"electronic"};
    lastfm.moods = {"happy"};
    auto discogs = Track("discogs", job);
    discogs.genres = {"electronic"};
    for (auto* r : {&spotify, &musicbrainz, &lastfm, &discogs}) {
      if (by_isrc) r->ref.isrc = kIsrc;
      out.push_back(*r);
    }
  }
  return out;
}

class IdentityMergeTest : public ::testing::Test {
 protected:
  test_support::TestDatabase db_;
  CatalogWriter writer_{db_.worker_dsn(), fleet::MergePriority()};

  // The catalog counters (0008_catalog_stats.sql) equal the tables: merges move and delete
  // rows, and the statement triggers must follow.
  void ExpectCountersMatchTheTables() {
    EXPECT_EQ(db_.Rows("SELECT key, n FROM catalog_counters WHERE scope = 'tracks_by_providers' ORDER BY 1"),
              db_.Rows("SELECT n::text, count(*) FROM (SELECT track_id, count(*) AS n FROM track_sources "
                       "WHERE status = 'ok' GROUP BY track_id) x GROUP BY n ORDER BY 1"));
    EXPECT_EQ(db_.Rows("SELECT key, n FROM catalog_counters WHERE scope = 'track_coverage' ORDER BY 1"),
              db_.Rows("SELECT provider || ':' || status, count(*) FROM track_sources GROUP BY 1 ORDER BY 1"));
    EXPECT_EQ(db_.Rows("SELECT key, n FROM catalog_counters WHERE scope = 'track_genre' ORDER BY 1"),
              db_.Rows("SELECT g, count(*) FROM tracks, unnest(genres) g GROUP BY g ORDER BY 1"));
    EXPECT_EQ(db_.Int("SELECT coalesce(sum(n), 0) FROM catalog_counters WHERE scope = 'tracks'"),
              db_.Int("SELECT count(*) FROM tracks"));
  }
};

TEST_F(IdentityMergeTest, ARecordingByNameAndByIsrcEnrichedInAnyOrderIsOneRowWithEveryContribution) {
  std::mt19937 random(16);
  auto answers = ProviderAnswers();
  for (int order = 0; order < 8; ++order) {
    SCOPED_TRACE("order " + std::to_string(order));
    db_.Rows("TRUNCATE tracks, track_aliases, identity_conflicts CASCADE");
    std::shuffle(answers.begin(), answers.end(), random);
    std::vector<std::int64_t> ids;
    for (const auto& answer : answers) {
      auto written = writer_.WriteTracks({answer});
      ASSERT_TRUE(written) << written.error().message;
      ids.push_back(written->front());
    }
    ASSERT_EQ(db_.Int("SELECT count(*) FROM tracks"), 1);
    const std::string survivor = db_.Scalar("SELECT id FROM tracks");
    // The last write names the survivor; the rows written before are it or resolve to it.
    EXPECT_EQ(std::to_string(ids.back()), survivor);
    for (auto id : ids) {
      EXPECT_EQ(db_.Scalar("SELECT coalesce((SELECT survivor_id FROM track_aliases WHERE absorbed_id = " +
                           std::to_string(id) + "), " + std::to_string(id) + ")"),
                survivor);
    }
    EXPECT_EQ(db_.Scalar("SELECT identity_key FROM tracks"), std::string("isrc:") + kIsrc);
    EXPECT_EQ(db_.Scalar("SELECT providers_done::text FROM tracks"), "{discogs,lastfm,musicbrainz,spotify}");
    EXPECT_EQ(db_.Scalar("SELECT mbid::text || ' ' || spotify_id || ' ' || popularity || ' ' || duration_ms FROM tracks"),
              std::string(kMbid) + " 0DiWol3AO6WpXZgp0goxAV 77 320357");
    EXPECT_EQ(db_.Int("SELECT count(*) FROM track_sources"), 4);
    EXPECT_EQ(db_.Scalar("SELECT moods::text FROM tracks"), "{happy}");
    // The name-keyed row, if one was ever created, resolves to the survivor forever.
    EXPECT_LE(db_.Int("SELECT count(*) FROM track_aliases"), 1);
    // Written again by name: lands on the survivor, creates nothing.
    auto again = writer_.WriteTracks({answers.front()});
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(std::to_string(again->front()), survivor);
    EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks"), 1);
    ExpectCountersMatchTheTables();
  }
}

TEST_F(IdentityMergeTest, ReferencesFollowTheSurvivorAndNeighboursNeverListItTwice) {
  auto by_isrc = Track("spotify", "isrc");
  by_isrc.ref.isrc = kIsrc;
  auto by_name = Track("lastfm", "name");
  auto isrc_row = writer_.WriteTracks({by_isrc});
  auto name_row = writer_.WriteTracks({by_name});
  ASSERT_TRUE(isrc_row && name_row);
  const std::string s = std::to_string(isrc_row->front());
  const std::string x = std::to_string(name_row->front());
  ASSERT_NE(s, x);
  auto other = Track("spotify", "other");
  other.ref.title = "Aerodynamic";
  auto other_row = writer_.WriteTracks({other});
  ASSERT_TRUE(other_row);
  const std::string y = std::to_string(other_row->front());
  // y lists both rows (the same recording twice); each lists y; an album links the name row.
  db_.Rows("INSERT INTO track_similar (track_id, similar_track_id, rank, score) VALUES (" + y + ", " + s +
           ", 1, 0.9), (" + y + ", " + x + ", 2, 0.8), (" + s + ", " + y + ", 1, 0.9), (" + x + ", " + y + ", 1, 0.8)");
  db_.Rows("INSERT INTO albums (identity_key, artist_name, title) VALUES ('name:a', 'Daft Punk', 'Discovery')");
  db_.Rows("INSERT INTO album_tracks (album_id, disc, position, track_id, provider, job_id) "
           "SELECT id, 1, 1, " + x + ", 'spotify', 'j' FROM albums");
  db_.Rows("INSERT INTO feature_vocabularies (version, columns, genres, moods) VALUES (1, '{a}', '{}', '{}')");
  db_.Rows("INSERT INTO track_features (track_id, vocabulary_version, features, missing) VALUES (" + x +
           ", 1, '{1}', '{f}')");

  // MusicBrainz, asked by name, finds the recording's ISRC: the name row is absorbed.
  auto found = Track("musicbrainz", "name");
  found.fields.isrc = kIsrc;
  auto written = writer_.WriteJobs({{std::span(&found, 1), {}, JobEffect{"musicbrainz", "mb-1", 1}}});
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(std::to_string(written->front().tracks.front()), s);
  ASSERT_EQ(written->front().identity.size(), 1u);
  EXPECT_EQ(written->front().identity[0].outcome, MergeOutcome::kMerged);
  EXPECT_EQ(written->front().identity[0].kind, "isrc");
  EXPECT_EQ(std::to_string(written->front().identity[0].absorbed), x);

  EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks WHERE id = " + x), 0);
  EXPECT_EQ(db_.Rows("SELECT similar_track_id::text FROM track_similar WHERE track_id = " + y),
            (std::vector<std::vector<std::string>>{{s}}));
  EXPECT_EQ(db_.Int("SELECT count(*) FROM track_similar WHERE track_id = " + x + " OR similar_track_id = " + x), 0);
  EXPECT_EQ(db_.Scalar("SELECT track_id FROM album_tracks"), s);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM track_features"), 0);  // the builders recompute the survivor
  EXPECT_EQ(db_.Scalar("SELECT providers_done::text FROM tracks WHERE id = " + s), "{lastfm,musicbrainz,spotify}");
  EXPECT_EQ(db_.Scalar("SELECT survivor_id || ' ' || kind || ' ' || value || ' ' || identity_key FROM track_aliases "
                       "WHERE absorbed_id = " + x),
            s + " isrc " + kIsrc + " name:daft punk\x1fone more time");
  ExpectCountersMatchTheTables();

  // Redelivered: the same job changes nothing and merges nothing again.
  auto redelivered = writer_.WriteJobs({{std::span(&found, 1), {}, JobEffect{"musicbrainz", "mb-1", 1}}});
  ASSERT_TRUE(redelivered) << redelivered.error().message;
  EXPECT_EQ(std::to_string(redelivered->front().tracks.front()), s);
  EXPECT_TRUE(redelivered->front().identity.empty());
  EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks"), 2);
}

// Listening history and playlists (0011_listeners.sql) follow the survivor: a scrobble of either
// row is one of the recording, once; a playlist that listed both lists the survivor once.
TEST_F(IdentityMergeTest, ListensAndPlaylistEntriesFollowTheSurvivorOnce) {
  auto by_isrc = Track("spotify", "isrc");
  by_isrc.ref.isrc = kIsrc;
  auto isrc_row = writer_.WriteTracks({by_isrc});
  auto name_row = writer_.WriteTracks({Track("lastfm", "name")});
  auto other = Track("spotify", "other");
  other.ref.title = "Aerodynamic";
  auto other_row = writer_.WriteTracks({other});
  ASSERT_TRUE(isrc_row && name_row && other_row);
  const std::string s = std::to_string(isrc_row->front());
  const std::string x = std::to_string(name_row->front());
  const std::string y = std::to_string(other_row->front());
  ASSERT_NE(s, x);
  db_.Rows("INSERT INTO listeners (name, name_key) VALUES ('Ann', 'ann')");
  // Ann played the name row twice and, at the first of those times, the ISRC row (two imports
  // that linked one scrobble to each row).
  db_.Rows("INSERT INTO listens (listener_id, played_at, track_id, source) SELECT id, t, tr, 'lastfm' FROM listeners, "
           "(VALUES ('2026-01-01T10:00:00Z'::timestamptz, " + x + "::bigint), ('2026-01-01T10:00:00Z', " + s +
           "), ('2026-01-02T10:00:00Z', " + x + ")) v(t, tr)");
  db_.Rows("INSERT INTO listen_publications (track_id, job_id) VALUES (" + x + ", 'listen-" + x + "')");
  db_.Rows("INSERT INTO playlists (listener_id, kind, size, days) SELECT id, k, 2, 30 FROM listeners, "
           "(VALUES ('similar-recent'), ('trending')) v(k)");
  db_.Rows("INSERT INTO playlist_tracks (playlist_id, position, track_id, score, reason, seed_track_id) "
           "SELECT p.id, e.pos, e.tr, 1, 'r', e.seed FROM playlists p JOIN (VALUES "
           "('similar-recent', 1, " + x + "::bigint, " + y + "::bigint), ('similar-recent', 2, " + y + ", " + x + "), "
           "('trending', 1, " + s + ", NULL), ('trending', 2, " + x + ", NULL)) e(kind, pos, tr, seed) USING (kind)");

  auto found = Track("musicbrainz", "name");
  found.fields.isrc = kIsrc;
  auto written = writer_.WriteTracks({found});
  ASSERT_TRUE(written) << written.error().message;
  ASSERT_EQ(std::to_string(written->front()), s);
  ASSERT_EQ(db_.Int("SELECT count(*) FROM tracks WHERE id = " + x), 0) << "no merge";

  EXPECT_EQ(db_.Rows("SELECT to_char(played_at AT TIME ZONE 'UTC', 'MM-DD'), track_id::text FROM listens ORDER BY 1"),
            (std::vector<std::vector<std::string>>{{"01-01", s}, {"01-02", s}}));
  EXPECT_EQ(db_.Rows("SELECT track_id::text, job_id FROM listen_publications"),
            (std::vector<std::vector<std::string>>{{s, "listen-" + x}}));
  EXPECT_EQ(db_.Rows("SELECT p.kind, t.position::text, t.track_id::text, coalesce(t.seed_track_id::text, '-') "
                     "FROM playlist_tracks t JOIN playlists p ON p.id = t.playlist_id ORDER BY 1, 2"),
            (std::vector<std::vector<std::string>>{
                {"similar-recent", "1", s, y}, {"similar-recent", "2", y, s}, {"trending", "1", s, "-"}}));
}

TEST_F(IdentityMergeTest, PerProviderTheNewerContributionWins) {
  auto old_name = Track("lastfm", "name-old");
  old_name.genres = {"from the name row"};
  auto by_isrc = Track("lastfm", "isrc");
  by_isrc.ref.isrc = kIsrc;
  by_isrc.genres = {"from the isrc row"};
  ASSERT_TRUE(writer_.WriteTracks({by_isrc}));
  ASSERT_TRUE(writer_.WriteTracks({old_name}));  // newer than the ISRC row's lastfm source
  auto found = Track("spotify", "name");
  found.fields.isrc = kIsrc;
  ASSERT_TRUE(writer_.WriteTracks({found}));
  ASSERT_EQ(db_.Int("SELECT count(*) FROM tracks"), 1);
  EXPECT_EQ(db_.Scalar("SELECT genres::text FROM track_sources WHERE provider = 'lastfm'"), "{\"from the name row\"}");
  EXPECT_EQ(db_.Scalar("SELECT job_id FROM track_sources WHERE provider = 'lastfm'"), "lastfm:name-old");
  ExpectCountersMatchTheTables();
}

TEST_F(IdentityMergeTest, ConflictingIdentifiersAreNotMergedButListed) {
  // Row A: the ISRC, with Spotify id A. Row B: Spotify id B (its identity), whose provider
  // claims A's ISRC: one identifier shared, another different: two recordings or a mistake.
  auto a = Track("spotify", "a");
  a.ref.isrc = kIsrc;
  a.fields.spotify_id = "SpotifyIdOfA";
  auto b = Track("spotify", "b");
  b.ref.spotify_id = "SpotifyIdOfB";
  ASSERT_TRUE(writer_.WriteTracks({a}));
  ASSERT_TRUE(writer_.WriteTracks({b}));
  auto b_found = Track("musicbrainz", "b");
  b_found.ref.spotify_id = "SpotifyIdOfB";
  b_found.fields.isrc = kIsrc;
  auto written = writer_.WriteJobs({{std::span(&b_found, 1), {}, std::nullopt}});
  ASSERT_TRUE(written) << written.error().message;
  ASSERT_EQ(written->front().identity.size(), 1u);
  EXPECT_EQ(written->front().identity[0].outcome, MergeOutcome::kConflict);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks"), 2);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM track_aliases"), 0);
  EXPECT_EQ(db_.Rows("SELECT entity, shared_kind, shared_value, conflict_kind, low_value, high_value, seen::text "
                     "FROM identity_conflicts"),
            (std::vector<std::vector<std::string>>{
                {"track", "isrc", kIsrc, "spotify_id", "SpotifyIdOfA", "SpotifyIdOfB", "1"}}));
  // Met again: counted, still not merged.
  ASSERT_TRUE(writer_.WriteTracks({b_found}));
  EXPECT_EQ(db_.Scalar("SELECT seen FROM identity_conflicts"), "2");
  EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks"), 2);
}

TEST_F(IdentityMergeTest, AlbumsByUpcAndByNameBecomeOneWithTheirTracklists) {
  catalog::AlbumRecord by_upc;
  by_upc.ref.artist = "Daft Punk";
  by_upc.ref.title = "Discovery";
  by_upc.ref.upc = "724384960650";
  by_upc.provider = "spotify";
  by_upc.job_id = "spotify:upc";
  catalog::AlbumRecord by_name = by_upc;
  by_name.ref.upc.reset();
  by_name.provider = "musicbrainz";
  by_name.job_id = "musicbrainz:name";
  catalog::AlbumTrack entry;
  entry.ref.artist = "Daft Punk";
  entry.ref.title = "One More Time";
  entry.position = 1;
  by_name.tracklist.push_back(entry);
  ASSERT_TRUE(writer_.WriteAlbums({by_upc}));
  ASSERT_TRUE(writer_.WriteAlbums({by_name}));
  ASSERT_EQ(db_.Int("SELECT count(*) FROM albums"), 2);
  ASSERT_EQ(db_.Int("SELECT count(*) FROM album_tracks"), 1);
  db_.Rows("UPDATE tracks SET album_id = (SELECT id FROM albums WHERE identity_key LIKE 'name:%')");
  by_name.fields.upc = "0724384960650";  // EAN-13 spelling of the same UPC
  auto written = writer_.WriteAlbums({by_name});
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(db_.Int("SELECT count(*) FROM albums"), 1);
  EXPECT_EQ(db_.Scalar("SELECT identity_key FROM albums"), "upc:724384960650");
  EXPECT_EQ(std::to_string(written->front()), db_.Scalar("SELECT id FROM albums"));
  EXPECT_EQ(db_.Int("SELECT count(*) FROM album_sources"), 2);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM album_tracks a JOIN albums b ON b.id = a.album_id"), 1);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks t JOIN albums b ON b.id = t.album_id"), 1);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM album_aliases"), 1);
  EXPECT_EQ(db_.Rows("SELECT key, n FROM catalog_counters WHERE scope = 'albums_by_providers' ORDER BY 1"),
            (std::vector<std::vector<std::string>>{{"2", "1"}}));
}

// A worker keeps writing the name-keyed row while another's answer merges it away: the writes
// that waited on the merge's lock must land on the survivor, never re-create the absorbed row.
TEST_F(IdentityMergeTest, WritesOfTheAbsorbedRowDuringTheMergeLandOnTheSurvivor) {
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    char isrc[16];
    std::snprintf(isrc, sizeof isrc, "USRC1%02d00001", round);
    auto by_name = Track("lastfm", "name");
    by_name.ref.title = "Race " + std::to_string(round);
    auto by_isrc = by_name;
    by_isrc.provider = "musicbrainz";
    by_isrc.ref.isrc = isrc;
    ASSERT_TRUE(writer_.WriteTracks({by_name}));
    ASSERT_TRUE(writer_.WriteTracks({by_isrc}));
    std::atomic<bool> stop{false};
    std::atomic<int> writes{0};
    std::string error;
    std::thread hammer([&] {
      CatalogWriter writer(db_.worker_dsn(), fleet::MergePriority());
      while (!stop.load() || writes.load() < 3) {
        auto written = writer.WriteTracks({by_name});
        if (!written && error.empty()) error = written.error().message;
        ++writes;
      }
    });
    auto found = by_name;
    found.provider = "spotify";
    found.fields.isrc = isrc;
    auto merged = writer_.WriteTracks({found});
    stop = true;
    hammer.join();
    ASSERT_TRUE(merged) << merged.error().message;
    ASSERT_TRUE(error.empty()) << error;
    EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks WHERE title = '" + by_name.ref.title + "'"), 1);
    EXPECT_EQ(db_.Scalar("SELECT providers_done::text FROM tracks WHERE title = '" + by_name.ref.title + "'"),
              "{lastfm,musicbrainz,spotify}");
  }
  ExpectCountersMatchTheTables();
}

// Two workers write the two rows of each recording (one by name, one by ISRC) at the same time,
// each batch's merges running beside the other's writes, over many recordings and rounds:
// every write succeeds, every recording ends as one row with all four contributions, and the
// counters and foreign keys hold.
TEST_F(IdentityMergeTest, ConcurrentWritersOfBothRowsWhileMergesRunLoseNothing) {
  constexpr int kRounds = 6;
  constexpr int kRecordings = 40;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto recording = [round](int i, const std::string& provider, bool by_isrc) {
      catalog::TrackRecord r;
      r.ref.artist = "Artist " + std::to_string(i % 5);
      r.ref.title = "Song " + std::to_string(round) + "/" + std::to_string(i);
      char isrc[16];
      std::snprintf(isrc, sizeof isrc, "USAB1%02d%05d", round, i);
      if (by_isrc) r.ref.isrc = isrc;
      else r.fields.isrc = isrc;  // found by name, this provider also knows its ISRC
      r.provider = provider;
      r.genres = {provider + "-genre"};
      r.job_id = provider + ":" + std::to_string(round) + ":" + std::to_string(i);
      return r;
    };
    // Worker 1 writes by name (spotify, then lastfm); worker 2 by ISRC (musicbrainz, then
    // discogs); in small batches, in opposite orders, so their rows interleave.
    std::atomic<int> failures{0};
    std::string first_error;
    auto work = [&](const std::string& p1, const std::string& p2, bool by_isrc, bool reverse) {
      CatalogWriter writer(db_.worker_dsn(), fleet::MergePriority());
      for (const auto& provider : {p1, p2}) {
        for (int start = 0; start < kRecordings; start += 4) {
          std::vector<catalog::TrackRecord> batch;
          for (int i = start; i < start + 4; ++i) batch.push_back(recording(reverse ? kRecordings - 1 - i : i, provider, by_isrc));
          auto written = writer.WriteTracks(batch);
          if (!written && failures++ == 0) first_error = written.error().message;
        }
      }
    };
    std::thread by_name(work, "spotify", "lastfm", false, false);
    std::thread by_isrc(work, "musicbrainz", "discogs", true, true);
    by_name.join();
    by_isrc.join();
    ASSERT_EQ(failures.load(), 0) << first_error;
    const std::string songs = "title LIKE 'Song " + std::to_string(round) + "/%'";
    EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks WHERE " + songs), kRecordings);
    EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks WHERE " + songs +
                      " AND providers_done = '{discogs,lastfm,musicbrainz,spotify}'"),
              kRecordings);
    EXPECT_EQ(db_.Int("SELECT count(*) FROM tracks WHERE " + songs + " AND identity_key LIKE 'isrc:%'"), kRecordings);
  }
  EXPECT_EQ(db_.Int("SELECT count(*) FROM track_sources s LEFT JOIN tracks t ON t.id = s.track_id WHERE t.id IS NULL"),
            0);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM track_aliases a LEFT JOIN tracks t ON t.id = a.survivor_id "
                    "WHERE t.id IS NULL"),
            0);
  ExpectCountersMatchTheTables();
}

}  // namespace
}  // namespace db
