// `tunefleet playlist` as operators run it: the built binary (the worker role builds, the
// reader role lists, shows and exports) against a throwaway database holding a hand-built
// catalog, its track_similar rows and three listeners' plays at times relative to now().
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common/db/catalog_writer.hpp"
#include "common/db/identity.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"
#include "workers/fleet/fleet.hpp"

namespace {

using test_support::CliRun;
using test_support::ReadFile;
using test_support::RunTunefleet;
using test_support::TempDir;
using test_support::TestDatabase;

// One entry of `--json`'s tracks.
struct JsonEntry {
  std::int64_t id = 0;
  std::string name;  // "artist - title"
  double score = 0;
  std::string reason;
  std::int64_t seed = 0;  // 0: null
  std::vector<std::string> tags;
};

struct JsonPlaylist {
  std::int64_t id = 0;
  std::string user, kind, created_at;
  int size = 0, days = 0;
  std::vector<JsonEntry> tracks;
};

JsonPlaylist ParsePlaylist(const std::string& json) {
  JsonPlaylist p;
  rapidjson::Document d;
  if (d.Parse(json.c_str()).HasParseError() || !d.IsObject()) {
    ADD_FAILURE() << "not JSON: " << json;
    return p;
  }
  p.id = d["id"].GetInt64();
  p.user = d["user"].GetString();
  p.kind = d["kind"].GetString();
  p.size = d["size"].GetInt();
  p.days = d["days"].GetInt();
  p.created_at = d["created_at"].GetString();
  int position = 0;
  for (const auto& t : d["tracks"].GetArray()) {
    EXPECT_EQ(t["position"].GetInt(), ++position) << json;
    JsonEntry e;
    e.id = t["track_id"].GetInt64();
    e.name = std::string(t["artist"].GetString()) + " - " + t["title"].GetString();
    e.score = t["score"].GetDouble();
    e.reason = t["reason"].GetString();
    e.seed = t["seed_track_id"].IsNull() ? 0 : t["seed_track_id"].GetInt64();
    for (const auto& tag : t["shared_tags"].GetArray()) e.tags.emplace_back(tag.GetString());
    p.tracks.push_back(std::move(e));
  }
  return p;
}

std::vector<std::int64_t> Ids(const JsonPlaylist& p) {
  std::vector<std::int64_t> ids;
  for (const auto& t : p.tracks) ids.push_back(t.id);
  return ids;
}

// A play's weight in similar-recent: it halves every 7 days.
double Decay(double age_days) { return std::exp(-std::log(2.0) * age_days / 7.0); }

class PlaylistCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Rows(
        "INSERT INTO artists (id, name, name_key) VALUES (1, 'Slowdive', 'slowdive'), (2, 'Ride', 'ride'), "
        "(4, 'Beach House', 'beach house') RETURNING id");
    Track(1, "Slowdive", "Alison", R"({shoegaze,"dream pop"})", "{dreamy,melancholic}", "artist_id = 1");
    Track(2, "Slowdive", "When the Sun Hits", R"({shoegaze,"dream pop"})", "{dreamy}",
          "artist_id = 1, duration_ms = 285400, spotify_id = 'spSun'");
    Track(3, "Ride", "Vapour Trail", "{shoegaze}", "{dreamy}", "artist_id = 2");
    Track(4, "Ride", "Leave Them All Behind", "{shoegaze,rock}", "{}", "artist_id = 2");
    Track(5, "Lush", "Sweetness and Light", R"({"dream pop",shoegaze})", "{dreamy}");
    Track(6, "Beach House", "Myth", R"({"dream pop"})", "{dreamy,melancholic}", "artist_id = 4");
    Track(7, "Cocteau Twins", "Heaven or Las Vegas", R"({"dream pop",ethereal})", "{dreamy}");
    Track(8, "Pale Saints", "Sight of You", R"({shoegaze,"dream pop"})", "{melancholic}",
          "mbid = '0f3ef23d-8ee3-4bd5-9a5f-8b9a4b7a8e0c'");
    Track(9, "Chet Baker", "Almost Blue", "{jazz}", "{melancholic}", "popularity = 20");
    Track(10, "Slayer", "Angel of Death", "{metal}", "{aggressive}");
    Track(11, "Mazzy Star", "Fade Into You", R"({"dream pop"})", "{melancholic}");
    Track(12, "My Bloody Valentine", "Sometimes", "{shoegaze}", "{dreamy}");
    // Slowdive again, spelled otherwise and without an artist row: the same artist by name key.
    Track(13, "SLOWDIVE", "Souvlaki Space Station", "{shoegaze}", "{dreamy}");
    Track(14, "Radiohead", "Karma Police", "{rock}", "{melancholic}");
    Track(15, "Portishead", "Roads", R"({"trip hop"})", "{melancholic}", "popularity = 60");
    Track(16, "Daft Punk", "One More Time", "{house}", "{happy}");
    Track(17, "Boards of Canada", "Roygbiv", "{electronic}", "{dreamy}");
    Track(18, "Julee Cruise", "Falling", R"({"dream pop"})", "{}");
    Track(19, "Galaxie 500", "Tugboat", R"({"dream pop"})", "{}");
    Track(20, "Radiohead", "Reckoner", "{rock}", "{melancholic}", "popularity = 90");
    db_.Rows("SELECT setval('tracks_id_seq', 1000)");  // rows the catalog writer adds come after ours

    // Neighbours as tunefleet-recommend stores them (track_id -> similar_track_id, score).
    db_.Rows(
        "INSERT INTO track_similar (track_id, similar_track_id, rank, score) VALUES "
        "(1, 14, 1, 0.95), (1, 2, 2, 0.9), (1, 3, 3, 0.8), (1, 8, 4, 0.7), (1, 5, 5, 0.5), "
        "(3, 12, 1, 0.9), (3, 5, 2, 0.6), (3, 4, 3, 0.4), "
        "(14, 15, 1, 0.9) RETURNING rank");

    alice_ = Listener("Alice");
    bob_ = Listener("bob");
    carol_ = Listener("carol");
    // alice: Alison 3 times in the last days, Vapour Trail 10 days ago, Karma Police 40 days ago
    // (outside the 30-day window, but played: never recommended, nor is Radiohead in discovery).
    Listen(alice_, 1, "1 day 1 hour");
    Listen(alice_, 1, "2 days 1 hour");
    Listen(alice_, 1, "3 days 1 hour");
    Listen(alice_, 3, "10 days 1 hour");
    Listen(alice_, 14, "40 days");
    // bob and carol make the trends: 16 (4 plays, 2 listeners), 2 and 6 (3, 2), 4 (3, 1), 9 (1, 1).
    for (const char* age : {"1 day 1 hour", "2 days 1 hour", "3 days 1 hour"}) Listen(bob_, 16, age);
    Listen(bob_, 6, "4 days");
    Listen(bob_, 2, "5 days");
    Listen(bob_, 2, "6 days");
    for (const char* age : {"7 days", "8 days", "9 days"}) Listen(bob_, 4, age);
    Listen(carol_, 16, "2 days");
    Listen(carol_, 6, "3 days");
    Listen(carol_, 6, "5 days");
    Listen(carol_, 2, "4 days");
    Listen(carol_, 9, "6 days");
    Listen(carol_, 10, "45 days");
  }

  void Track(std::int64_t id, const std::string& artist, const std::string& title, const std::string& genres,
             const std::string& moods, const std::string& extra = "") {
    auto conn = db_.Connect();
    pqxx::work tx(*conn);
    tx.exec_params(
        "INSERT INTO tracks (id, identity_key, name_key, artist_name, title, genres, moods) "
        "VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text[])",
        id, "spotify:test" + std::to_string(id), db::TrackNameKey(artist, title), artist, title, genres, moods);
    if (!extra.empty()) tx.exec_params("UPDATE tracks SET " + extra + " WHERE id = $1", id);
    tx.commit();
  }

  std::int64_t Listener(const std::string& name) {
    return db_.Int("INSERT INTO listeners (name, name_key) VALUES ('" + name + "', lower('" + name +
                   "')) RETURNING id");
  }

  void Listen(std::int64_t listener, std::int64_t track, const std::string& age) {
    auto conn = db_.Connect();
    pqxx::work tx(*conn);
    tx.exec_params(
        "INSERT INTO listens (listener_id, played_at, track_id, source) VALUES ($1, now() - $2::interval, $3, 'csv')",
        listener, age, track);
    tx.commit();
  }

  // Builds as the worker role (it writes); list, show and export as the reader.
  CliRun Build(std::vector<std::string> args) {
    args.insert(args.begin(), "playlist");
    return RunTunefleet(args, {{"TUNEFLEET_PG_DSN", db_.worker_dsn()}});
  }
  CliRun Read(std::vector<std::string> args) {
    args.insert(args.begin(), "playlist");
    return RunTunefleet(args, {{"TUNEFLEET_PG_DSN", db_.reader_dsn()}});
  }

  // Every track `listener` ever played.
  std::vector<std::int64_t> Played(std::int64_t listener) {
    std::vector<std::int64_t> out;
    for (const auto& row :
         db_.Rows("SELECT DISTINCT track_id FROM listens WHERE listener_id = " + std::to_string(listener))) {
      out.push_back(std::stoll(row[0]));
    }
    return out;
  }

  void ExpectNonePlayed(const JsonPlaylist& p, std::int64_t listener) {
    for (std::int64_t played : Played(listener)) {
      for (const auto& t : p.tracks) EXPECT_NE(t.id, played) << t.name << " was already played";
    }
  }

  TestDatabase db_;
  std::int64_t alice_ = 0, bob_ = 0, carol_ = 0;
};

TEST_F(PlaylistCliTest, SimilarRecentRanksNeighboursOfRecentPlaysByPlaysRecencyAndSimilarity) {
  auto run = Build({"--user", "alice", "--kind", "similar-recent", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const JsonPlaylist p = ParsePlaylist(run.out);
  EXPECT_EQ(p.user, "Alice");
  EXPECT_EQ(p.kind, "similar-recent");
  EXPECT_EQ(p.size, 25);
  EXPECT_EQ(p.days, 30);
  // Not 14 (played 40 days ago), not 3 (played), not 15 (its seed 14 is outside the window).
  EXPECT_EQ(Ids(p), (std::vector<std::int64_t>{2, 8, 5, 12, 4})) << run.out;
  ExpectNonePlayed(p, alice_);
  ASSERT_EQ(p.tracks.size(), 5u);
  const double alison = Decay(1 + 1 / 24.0) + Decay(2 + 1 / 24.0) + Decay(3 + 1 / 24.0);
  const double vapour = Decay(10 + 1 / 24.0);
  const std::vector<double> expected = {alison * 0.9f, alison * 0.7f, alison * 0.5f + vapour * 0.6f, vapour * 0.9f,
                                        vapour * 0.4f};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(p.tracks[i].score, expected[i], 1e-3) << p.tracks[i].name;
  }
  const std::string from_alison = "similar to Slowdive - Alison (played 3 times, last 1 day ago)";
  const std::string from_vapour = "similar to Ride - Vapour Trail (played 1 time, last 10 days ago)";
  EXPECT_EQ(p.tracks[0].reason, from_alison);
  EXPECT_EQ(p.tracks[1].reason, from_alison);
  EXPECT_EQ(p.tracks[2].reason, from_alison);  // Alison contributes more to Lush than Vapour Trail does
  EXPECT_EQ(p.tracks[3].reason, from_vapour);
  EXPECT_EQ(p.tracks[4].reason, from_vapour);
  EXPECT_EQ(p.tracks[0].seed, 1);
  EXPECT_EQ(p.tracks[3].seed, 3);
  EXPECT_EQ(p.tracks[0].name, "Slowdive - When the Sun Hits");

  // Stored as printed.
  const auto rows = db_.Rows(
      "SELECT position, track_id, seed_track_id, reason FROM playlist_tracks WHERE "
      "playlist_id = " +
      std::to_string(p.id) + " ORDER BY position");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[2], (std::vector<std::string>{"3", "5", "1", from_alison}));
  EXPECT_EQ(db_.Scalar("SELECT kind || ' ' || size || ' ' || days || ' ' || listener_id FROM playlists WHERE id = " +
                       std::to_string(p.id)),
            "similar-recent 25 30 " + std::to_string(alice_));

  // The text form, and --size.
  run = Build({"--user", "ALICE", "--kind", "similar-recent", "--size", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("similar-recent for Alice, last 30 days, 2 of at most 2 tracks"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("  Slowdive - When the Sun Hits  [" + from_alison + "]\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  Pale Saints - Sight of You  [" + from_alison + "]\n"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("Lush"), std::string::npos) << run.out;
}

TEST_F(PlaylistCliTest, DiscoveryFindsTopTagsByArtistsNeverPlayed) {
  auto run = Build({"--user", "alice", "--kind", "discovery", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const JsonPlaylist p = ParsePlaylist(run.out);
  // Top genres shoegaze (4 of 4 plays), dream pop (3/4); moods dreamy (4/4), melancholic (3/4),
  // a mood counting half. Not Slowdive (2, and 13 by name key), Ride (4) or Radiohead (20).
  EXPECT_EQ(Ids(p), (std::vector<std::int64_t>{5, 8, 6, 12, 7, 11, 18, 19, 17, 15, 9})) << run.out;
  ExpectNonePlayed(p, alice_);
  ASSERT_EQ(p.tracks.size(), 11u);
  const std::vector<double> expected = {2.25, 2.125, 1.625, 1.5, 1.25, 1.125, 0.75, 0.75, 0.5, 0.375, 0.375};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(p.tracks[i].score, expected[i], 1e-9) << p.tracks[i].name;
    EXPECT_EQ(p.tracks[i].seed, 0) << p.tracks[i].name;
  }
  EXPECT_EQ(p.tracks[0].name, "Lush - Sweetness and Light");
  EXPECT_EQ(p.tracks[0].reason, "shares shoegaze, dream pop with your top genres and dreamy with your top moods");
  EXPECT_EQ(p.tracks[0].tags, (std::vector<std::string>{"shoegaze", "dream pop", "dreamy"}));
  EXPECT_EQ(p.tracks[2].reason, "shares dream pop with your top genres and dreamy, melancholic with your top moods");
  EXPECT_EQ(p.tracks[6].reason, "shares dream pop with your top genres");
  EXPECT_EQ(p.tracks[10].reason, "shares melancholic with your top moods");
  EXPECT_EQ(p.tracks[10].tags, (std::vector<std::string>{"melancholic"}));

  run = Build({"--user", "alice", "--kind", "discovery", "--size", "4", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Ids(ParsePlaylist(run.out)), (std::vector<std::int64_t>{5, 8, 6, 12})) << run.out;
}

TEST_F(PlaylistCliTest, TrendingCountsEveryListenersPlaysInTheWindow) {
  auto run = Build({"--user", "alice", "--kind", "trending", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const JsonPlaylist p = ParsePlaylist(run.out);
  // Alison (3 plays by alice) would rank 4th; Slayer was played 45 days ago.
  EXPECT_EQ(Ids(p), (std::vector<std::int64_t>{16, 2, 6, 4, 9})) << run.out;  // 4: fewer listeners than 6
  ExpectNonePlayed(p, alice_);
  ASSERT_EQ(p.tracks.size(), 5u);
  EXPECT_EQ(p.tracks[0].reason, "played 4 times by 2 listeners in the last 30 days");
  EXPECT_EQ(p.tracks[1].reason, "played 3 times by 2 listeners in the last 30 days");
  EXPECT_EQ(p.tracks[3].reason, "played 3 times by 1 listener in the last 30 days");
  EXPECT_EQ(p.tracks[4].reason, "played 1 time by 1 listener in the last 30 days");
  EXPECT_DOUBLE_EQ(p.tracks[0].score, 4);

  // bob's own trends leave out what bob ever played (16, 2, 6, 4); in 4 days only alice's Alison.
  run = Build({"--user", "bob", "--kind", "trending", "--days", "4", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const JsonPlaylist b = ParsePlaylist(run.out);
  EXPECT_EQ(Ids(b), (std::vector<std::int64_t>{1})) << run.out;
  EXPECT_EQ(b.tracks.at(0).reason, "played 3 times by 1 listener in the last 4 days");
}

TEST_F(PlaylistCliTest, ShowListAndExportReproduceTheStoredPlaylist) {
  TempDir dir;
  const auto built_m3u = dir.path() / "built.m3u";
  auto run = Build({"--user", "alice", "--kind", "similar-recent", "--m3u", built_m3u.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("wrote " + built_m3u.string() + " (5 entries)\n"), std::string::npos) << run.out;
  const std::string expected_m3u =
      "#EXTM3U\n"
      "#EXTINF:285,Slowdive - When the Sun Hits\nspotify:track:spSun\n"
      "#EXTINF:-1,Pale Saints - Sight of You\nhttps://musicbrainz.org/recording/0f3ef23d-8ee3-4bd5-9a5f-8b9a4b7a8e0c\n"
      "#EXTINF:-1,Lush - Sweetness and Light\ntunefleet:track:5\n"
      "#EXTINF:-1,My Bloody Valentine - Sometimes\ntunefleet:track:12\n"
      "#EXTINF:-1,Ride - Leave Them All Behind\ntunefleet:track:4\n";
  EXPECT_EQ(ReadFile(built_m3u), expected_m3u);
  const std::string id = db_.Scalar("SELECT max(id) FROM playlists");
  const std::string text = run.out.substr(0, run.out.find("wrote "));

  auto show = Read({"show", id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out, text);
  EXPECT_EQ(show.out.rfind("playlist " + id + ": similar-recent for Alice, last 30 days, 5 of at most 25 tracks", 0),
            0u)
      << show.out;

  auto shown = Read({"show", id, "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto exported = Read({"export", id, "--json"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, shown.out);
  const JsonPlaylist p = ParsePlaylist(shown.out);
  EXPECT_EQ(std::to_string(p.id), id);
  EXPECT_EQ(Ids(p), (std::vector<std::int64_t>{2, 8, 5, 12, 4}));
  EXPECT_EQ(p.created_at.size(), 20u) << p.created_at;  // 2026-12-07T23:40:01Z

  auto m3u = Read({"export", id});
  ASSERT_EQ(m3u.exit_code, 0) << m3u.err;
  EXPECT_EQ(m3u.out, expected_m3u);
  const auto exported_m3u = dir.path() / "exported.m3u";
  m3u = Read({"export", id, "--m3u", exported_m3u.string()});
  ASSERT_EQ(m3u.exit_code, 0) << m3u.err;
  EXPECT_EQ(ReadFile(exported_m3u), expected_m3u);

  ASSERT_EQ(Build({"--user", "alice", "--kind", "trending", "--size", "3"}).exit_code, 0);
  auto list = Read({"list", "--user", "alice"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("2 playlists for Alice, newest first:\n"), std::string::npos) << list.out;
  EXPECT_LT(list.out.find("  trending  "), list.out.find("  similar-recent  ")) << list.out;
  list = Read({"list", "--user", "alice", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  rapidjson::Document d;
  ASSERT_FALSE(d.Parse(list.out.c_str()).HasParseError()) << list.out;
  ASSERT_EQ(d["playlists"].Size(), 2u);
  EXPECT_STREQ(d["playlists"][0]["kind"].GetString(), "trending");
  EXPECT_EQ(d["playlists"][0]["tracks"].GetInt64(), 3);
  EXPECT_EQ(std::to_string(d["playlists"][1]["id"].GetInt64()), id);
  EXPECT_EQ(d["playlists"][1]["tracks"].GetInt64(), 5);

  auto none = Read({"show", "999999"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.err,
            "tunefleet playlist: no playlist with id 999999 (tunefleet playlist list --user NAME lists them)\n");
  auto carol = Read({"list", "--user", "carol"});
  ASSERT_EQ(carol.exit_code, 0) << carol.err;
  EXPECT_EQ(carol.out, "no playlists for carol\n");
}

TEST_F(PlaylistCliTest, RefusalsSayWhyInOneLineAndStoreNothing) {
  auto run = Build({"--user", "nobody", "--kind", "similar-recent"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "tunefleet playlist: no listener \"nobody\"; import their scrobbles first: tunefleet import lastfm --user "
            "nobody\n");
  EXPECT_EQ(run.out, "");
  run = Read({"list", "--user", "nobody"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err.find("no listener \"nobody\""), 20u) << run.err;

  // dave played 60 days ago only; erin played a track nobody computed neighbours for.
  const auto dave = Listener("dave");
  Listen(dave, 10, "60 days");
  const auto erin = Listener("erin");
  Listen(erin, 10, "1 day");
  Listen(erin, 16, "50 days");
  for (const char* kind : {"similar-recent", "discovery"}) {
    run = Build({"--user", "dave", "--kind", kind});
    EXPECT_EQ(run.exit_code, 1) << kind;
    EXPECT_EQ(run.err.rfind("tunefleet playlist: dave has no plays in the last 30 days (the latest: ", 0), 0u)
        << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
  run = Build({"--user", "erin", "--kind", "similar-recent"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "tunefleet playlist: none of the 1 track erin played in the last 30 days has neighbours in track_similar "
            "yet (tunefleet-recommend fills them after enrichment: is it running?); try --kind discovery or "
            "trending; nothing stored\n");
  // Slayer's tags (metal, aggressive) are no other track's.
  run = Build({"--user", "erin", "--kind", "discovery"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "tunefleet playlist: no track by an artist erin never played shares erin's top genres (metal) or moods "
            "(aggressive); nothing stored\n");
  // dave may still have the trends: they need no plays of his own.
  run = Build({"--user", "dave", "--kind", "trending", "--days", "1"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "tunefleet playlist: nobody played a track dave has not played in the last day; try a larger "
            "--days; nothing stored\n");
  EXPECT_EQ(db_.Int("SELECT count(*) FROM playlists"), 0);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM playlist_tracks"), 0);

  // Bad flags: usage, exit 2, nothing attempted.
  run = Build({"--user", "alice", "--kind", "similar-recent", "--size", "0"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "tunefleet playlist: --size \"0\" is not a whole number from 1 to 500 (see tunefleet playlist --help)\n");
  run = Build({"--user", "alice"});
  EXPECT_EQ(run.exit_code, 2);
  run = Read({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out.rfind("usage: tunefleet playlist --user NAME", 0), 0u) << run.out;
  // The reader role cannot store a playlist.
  run = Read({"--user", "alice", "--kind", "trending"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("read-only transaction"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("must be the worker role's, not the reader's"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_EQ(db_.Int("SELECT count(*) FROM playlists"), 0);
}

TEST_F(PlaylistCliTest, ShowListsTheSurvivorAfterAMergeOfAStoredTrack) {
  // Last.fm stores "Low - Words (Live)" by name; Spotify stores "Low - Words" by ISRC: two rows.
  db::CatalogWriter writer(db_.worker_dsn(), fleet::MergePriority());
  catalog::TrackRecord by_name;
  by_name.ref.artist = "Low";
  by_name.ref.title = "Words (Live)";
  by_name.provider = "lastfm";
  by_name.job_id = "playlist-merge-1";
  auto named = writer.WriteTracks({by_name});
  ASSERT_TRUE(named) << named.error().message;
  catalog::TrackRecord by_isrc;
  by_isrc.ref.artist = "Low";
  by_isrc.ref.title = "Words";
  by_isrc.ref.isrc = "USSUB9400001";
  by_isrc.provider = "spotify";
  by_isrc.job_id = "playlist-merge-2";
  auto isrced = writer.WriteTracks({by_isrc});
  ASSERT_TRUE(isrced) << isrced.error().message;
  const std::int64_t absorbed = named->at(0);
  const std::int64_t survivor = isrced->at(0);
  ASSERT_NE(absorbed, survivor);

  // bob plays the name-keyed row: alice's trends list it, its seed-less entry at position 5.
  for (const char* age : {"1 hour", "2 hours"}) Listen(bob_, absorbed, age);
  auto run = Build({"--user", "alice", "--kind", "trending", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const JsonPlaylist before = ParsePlaylist(run.out);
  EXPECT_EQ(Ids(before), (std::vector<std::int64_t>{16, 2, 6, 4, absorbed, 9})) << run.out;

  // Last.fm finds the ISRC for its row: the rows merge, the name-keyed one absorbed.
  by_name.fields.isrc = "USSUB9400001";
  by_name.job_id = "playlist-merge-3";
  ASSERT_TRUE(writer.WriteTracks({by_name}));
  ASSERT_EQ(db_.Scalar("SELECT survivor_id FROM track_aliases WHERE absorbed_id = " + std::to_string(absorbed)),
            std::to_string(survivor));
  ASSERT_EQ(db_.Int("SELECT count(*) FROM tracks WHERE id = " + std::to_string(absorbed)), 0);

  auto show = Read({"show", std::to_string(before.id), "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const JsonPlaylist after = ParsePlaylist(show.out);
  EXPECT_EQ(Ids(after), (std::vector<std::int64_t>{16, 2, 6, 4, survivor, 9})) << show.out;
  ASSERT_EQ(after.tracks.size(), 6u);
  EXPECT_EQ(after.tracks[4].name, "Low - Words");
  EXPECT_EQ(after.tracks[4].reason, "played 2 times by 1 listener in the last 30 days");
  auto m3u = Read({"export", std::to_string(before.id)});
  ASSERT_EQ(m3u.exit_code, 0) << m3u.err;
  EXPECT_NE(m3u.out.find("#EXTINF:-1,Low - Words\ntunefleet:track:" + std::to_string(survivor) + "\n"),
            std::string::npos)
      << m3u.out;
  // bob's plays moved with it: alice's next trends count them on the survivor.
  run = Build({"--user", "alice", "--kind", "trending", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Ids(ParsePlaylist(run.out)), (std::vector<std::int64_t>{16, 2, 6, 4, survivor, 9})) << run.out;
}

}  // namespace
