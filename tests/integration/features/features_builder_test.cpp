// tunefleet-features' builder against a real, throwaway database.
#include <gtest/gtest.h>

#include <future>
#include <pqxx/pqxx>

#include "tests/integration/features/catalog_fixture.hpp"
#include "tests/support/identity_merges.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait.hpp"
#include "workers/features/features_builder.hpp"
#include "common/resilience/clock.hpp"
#include "tests/fakes/fake_clock.hpp"

namespace {

const resilience::SteadyClock kSteadyClock;  // the builders' caches and refreshes

using namespace std::chrono_literals;
using features_test::ExpectedFeatures;
using features_test::ExpectedMissing;
using features_test::InsertCatalog;
using features_test::SmallSettings;
using test_support::TestDatabase;

const std::string kVersion1Columns =
    "{duration_ms,popularity,track_number,release_year,explicit,danceability,energy,valence,tempo,"
    "acousticness,instrumentalness,liveness,speechiness,loudness,genre:jazz,genre:rock,mood:calm,mood:happy}";

TEST(FeaturesBuilder, RebuildWritesTheExpectedVectors) {
  TestDatabase db;
  InsertCatalog(db);
  auto builder = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);

  auto stats = builder->Rebuild({1, 2, 3, 4, 5, 6, 999, 3});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 6u);
  EXPECT_EQ(stats->missing, 1u);  // 999 has no tracks row; 3 twice counts once

  EXPECT_EQ(db.Scalar("SELECT count(*) FROM feature_vocabularies"), "1");
  EXPECT_EQ(db.Scalar("SELECT columns::text FROM feature_vocabularies WHERE version = 1"), kVersion1Columns);
  EXPECT_EQ(db.Scalar("SELECT genres::text || moods::text FROM feature_vocabularies"), "{jazz,rock}{calm,happy}");
  auto rows = db.Rows("SELECT track_id, vocabulary_version, features::text, missing::text FROM track_features ORDER BY 1");
  ASSERT_EQ(rows.size(), 6u);
  for (const auto& row : rows) {
    const int id = std::stoi(row[0]);
    EXPECT_EQ(row[1], "1") << id;
    EXPECT_EQ(row[2], ExpectedFeatures(id)) << "track " << id;
    EXPECT_EQ(row[3], ExpectedMissing(id)) << "track " << id;
  }
}

TEST(FeaturesBuilder, AnIdAMergeAbsorbedRebuildsTheSurvivor) {
  TestDatabase db;
  const auto merged = test_support::WriteMergedTracks(db, "Daft Punk", "Da Funk", "GBDUW0000059", {"house"});
  ASSERT_NE(merged.absorbed, 0);
  auto builder = features::MakeFeaturesBuilder(db.worker_dsn(), SmallSettings(), kSteadyClock);

  auto stats = builder->Rebuild({merged.absorbed});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 1u);
  EXPECT_EQ(stats->missing, 0u);
  EXPECT_EQ(db.Rows("SELECT track_id FROM track_features"),
            (std::vector<std::vector<std::string>>{{std::to_string(merged.survivor)}}));
}

TEST(FeaturesBuilder, RebuildIsIdempotentAndFollowsTrackChanges) {
  TestDatabase db;
  InsertCatalog(db);
  auto builder = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({1, 2}));
  const auto before = db.Rows("SELECT track_id, features::text, missing::text, updated_at::text FROM track_features ORDER BY 1");
  ASSERT_TRUE(builder->Rebuild({2, 1}));
  // Same rows, and unchanged rows are not even rewritten.
  EXPECT_EQ(db.Rows("SELECT track_id, features::text, missing::text, updated_at::text FROM track_features ORDER BY 1"),
            before);

  db.Scalar("UPDATE tracks SET popularity = 99, genres = '{}' WHERE id = 1 RETURNING id");
  ASSERT_TRUE(builder->Rebuild({1}));
  EXPECT_EQ(db.Scalar("SELECT features[2]::text || ' ' || missing[15]::text || missing[16]::text FROM track_features WHERE track_id = 1"),
            "99 truetrue");
}

TEST(FeaturesBuilder, EmptyCatalogGetsAnEmptyVersionThatGrowsOnceTracksArrive) {
  TestDatabase db;
  auto builder = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  auto first = builder->Background();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(db.Scalar("SELECT version || genres::text || moods::text FROM feature_vocabularies"), "1{}{}");
  // Idle now: nothing to do, no new version.
  auto idle = builder->Background();
  ASSERT_TRUE(idle);
  EXPECT_FALSE(*idle);
  EXPECT_EQ(db.Int("SELECT count(*) FROM feature_vocabularies"), 1);

  InsertCatalog(db);
  auto grown = builder->Background();
  ASSERT_TRUE(grown) << grown.error().message;
  EXPECT_TRUE(*grown);
  EXPECT_EQ(db.Scalar("SELECT version || genres::text || moods::text FROM feature_vocabularies ORDER BY version DESC LIMIT 1"),
            "2{jazz,rock}{calm,happy}");
  // Then it backfills tracks that never had a follow-up, in chunks, and goes idle.
  for (int i = 0; i < 20; ++i) {
    auto more = builder->Background();
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
  }
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_features WHERE vocabulary_version = 2"), 6);
  EXPECT_EQ(db.Scalar("SELECT features::text FROM track_features WHERE track_id = 1"), ExpectedFeatures(1));
}

TEST(FeaturesBuilder, VocabularyChangeMakesVersion2AndBackgroundMovesEveryRow) {
  TestDatabase db;
  InsertCatalog(db);
  auto builder = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({1, 2, 3, 4, 5, 6}));
  ASSERT_EQ(db.Int("SELECT count(*) FROM track_features WHERE vocabulary_version = 1"), 6);

  // folk on 4 tracks now beats jazz (2) by far more than the margin.
  db.Rows("UPDATE tracks SET genres = genres || '{folk}' WHERE id IN (2, 3, 4, 6)");
  auto changed = builder->Background();
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_TRUE(*changed);
  EXPECT_EQ(db.Scalar("SELECT genres::text FROM feature_vocabularies WHERE version = 2"), "{folk,rock}");
  EXPECT_EQ(db.Scalar("SELECT columns[15] || ' ' || columns[16] FROM feature_vocabularies WHERE version = 2"),
            "genre:folk genre:rock");
  // Version 1 is never updated.
  EXPECT_EQ(db.Scalar("SELECT columns::text FROM feature_vocabularies WHERE version = 1"), kVersion1Columns);

  // One chunk (2 rows), then a follow-up rebuild in between, then the rest.
  auto step = builder->Background();
  ASSERT_TRUE(step && *step);
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_features WHERE vocabulary_version = 2"), 2);
  auto stats = builder->Rebuild({6});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(db.Scalar("SELECT vocabulary_version FROM track_features WHERE track_id = 6"), "2");
  int steps = 0;
  while (steps < 20) {
    auto more = builder->Background();
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    ++steps;
  }
  EXPECT_LE(steps, 3);
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_features WHERE vocabulary_version = 2"), 6);
  EXPECT_EQ(db.Int("SELECT count(*) FROM feature_vocabularies"), 2);
  // Track 3 (polka, folk): genre:folk 1, genre:rock 0, both known.
  EXPECT_EQ(db.Scalar("SELECT features[15:16]::text || missing[15:16]::text FROM track_features WHERE track_id = 3"),
            "{1,0}{f,f}");
}

TEST(FeaturesBuilder, TheVocabularyIsDerivedAgainOnlyAfterTheRefreshInterval) {
  TestDatabase db;
  InsertCatalog(db);
  fakes::FakeClock clock;
  auto settings = SmallSettings();
  settings.vocabulary_refresh = std::chrono::minutes(5);
  auto builder = features::MakeFeaturesBuilder(db.dsn(), settings, clock);
  ASSERT_TRUE(builder->Rebuild({1, 2, 3, 4, 5, 6}));
  ASSERT_EQ(db.Int("SELECT max(version) FROM feature_vocabularies"), 1);
  // folk now beats jazz, but the vocabulary was derived a moment ago: no new version yet.
  db.Rows("UPDATE tracks SET genres = genres || '{folk}' WHERE id IN (2, 3, 4, 6)");
  clock.Advance(std::chrono::minutes(4));
  auto early = builder->Background();
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_EQ(db.Int("SELECT max(version) FROM feature_vocabularies"), 1);
  clock.Advance(std::chrono::minutes(1));
  auto due = builder->Background();
  ASSERT_TRUE(due && *due);
  EXPECT_EQ(db.Scalar("SELECT genres::text FROM feature_vocabularies WHERE version = 2"), "{folk,rock}");
}

TEST(FeaturesBuilder, AVocabularyMigrationSkipsRowsAnotherReplicaHolds) {
  TestDatabase db;
  InsertCatalog(db);
  auto builder = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({1, 2, 3, 4, 5, 6}));
  db.Rows("UPDATE tracks SET genres = genres || '{folk}' WHERE id IN (2, 3, 4, 6)");
  auto changed = builder->Background();  // version 2
  ASSERT_TRUE(changed && *changed);

  // Another replica is in the middle of migrating rows 1 and 2: it holds them.
  auto other = db.Connect();
  pqxx::work held(*other);
  held.exec("SELECT track_id FROM track_features WHERE track_id IN (1, 2) FOR UPDATE");

  // This builder migrates the rest without waiting for it (a blocked step would hang here,
  // so it runs on a thread with a deadline).
  auto steps = std::async(std::launch::async, [&] {
    int n = 0;
    while (n < 10) {
      auto more = builder->Background();
      if (!more) return -1;
      if (!*more) break;
      ++n;
    }
    return n;
  });
  if (steps.wait_for(10s) != std::future_status::ready) {
    held.abort();  // let the blocked step finish, so the test fails instead of hanging
    FAIL() << "blocked on the other replica's rows";
  }
  EXPECT_EQ(steps.get(), 2) << "rows 3..6 in chunks of 2";
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_features WHERE vocabulary_version = 2"), 4);
  EXPECT_EQ(db.Scalar("SELECT string_agg(track_id::text, ',' ORDER BY track_id) FROM track_features "
                      "WHERE vocabulary_version = 1"), "1,2");
  held.abort();
  // The other replica went away without finishing: its rows are free again.
  auto rest = builder->Background();
  ASSERT_TRUE(rest && *rest);
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_features WHERE vocabulary_version = 2"), 6);
}

TEST(FeaturesBuilder, TwoBuildersNeverCreateTwoVersionsForTheSameContent) {
  TestDatabase db;
  InsertCatalog(db);
  auto a = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  auto b = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  ASSERT_TRUE(a->Background());
  ASSERT_TRUE(b->Background());
  ASSERT_TRUE(b->Rebuild({1}));
  ASSERT_TRUE(a->Background());
  EXPECT_EQ(db.Int("SELECT count(*) FROM feature_vocabularies"), 1);

  // b derives a new vocabulary; a, still holding version 1, picks version 2 up on its next rebuild.
  db.Rows("UPDATE tracks SET moods = '{dark}' WHERE id IN (1, 4, 6)");
  ASSERT_TRUE(b->Background());
  ASSERT_EQ(db.Int("SELECT max(version) FROM feature_vocabularies"), 2);
  ASSERT_TRUE(a->Rebuild({1}));
  EXPECT_EQ(db.Scalar("SELECT vocabulary_version FROM track_features WHERE track_id = 1"), "2");
  EXPECT_EQ(db.Int("SELECT count(*) FROM feature_vocabularies"), 2);
}

TEST(FeaturesBuilder, DeletedTracksAreCountedAsMissing) {
  TestDatabase db;
  InsertCatalog(db);
  auto builder = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({1, 2}));
  db.Scalar("DELETE FROM tracks WHERE id = 2 RETURNING id");
  EXPECT_EQ(db.Int("SELECT count(*) FROM track_features"), 1);  // the cascade
  auto stats = builder->Rebuild({2});
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->rebuilt, 0u);
  EXPECT_EQ(stats->missing, 1u);
}

TEST(FeaturesBuilder, StartsOverWhenEveryVersionWasDeleted) {
  TestDatabase db;
  InsertCatalog(db);
  auto builder = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({1}));
  db.Rows("TRUNCATE track_features, feature_vocabularies");
  auto stats = builder->Rebuild({1, 2});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 2u);
  EXPECT_EQ(db.Scalar("SELECT string_agg(version::text, ',') FROM feature_vocabularies"), "1");
  EXPECT_EQ(db.Scalar("SELECT features::text FROM track_features WHERE track_id = 1"), ExpectedFeatures(1));
}

TEST(FeaturesBuilder, UnreachableDatabaseIsTransientAndPingSaysSo) {
  auto builder = features::MakeFeaturesBuilder("postgresql://tunefleet@127.0.0.1:1/none?connect_timeout=2",
                                               SmallSettings(), kSteadyClock);
  auto stats = builder->Rebuild({1});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().kind, core::ErrorKind::kTransient);
  EXPECT_NE(stats.error().message.find("127.0.0.1:1"), std::string::npos) << stats.error().message;
  auto ping = builder->Ping();
  ASSERT_FALSE(ping);
  EXPECT_EQ(ping.error().kind, core::ErrorKind::kTransient);
  auto background = builder->Background();
  ASSERT_FALSE(background);
  EXPECT_EQ(background.error().kind, core::ErrorKind::kTransient);
}

TEST(FeaturesBuilder, ReconnectsAfterTheConnectionIsKilled) {
  TestDatabase db;
  InsertCatalog(db);
  auto builder = features::MakeFeaturesBuilder(db.dsn(), SmallSettings(), kSteadyClock);
  ASSERT_TRUE(builder->Rebuild({1}));
  // Kill every other session on the test database (ours: the builder's).
  db.Rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
          "AND pid <> pg_backend_pid()");
  ASSERT_TRUE(test_support::WaitUntil(
      [&] { return db.Int("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()") == 1; }, 10s,
      "the builder's session to end"));
  // The first call may fail (kTransient) or libpqxx may reconnect by itself; by the second
  // the builder must have a working connection again.
  auto again = builder->Rebuild({2});
  if (!again) {
    EXPECT_EQ(again.error().kind, core::ErrorKind::kTransient) << again.error().message;
    again = builder->Rebuild({2});
  }
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->rebuilt, 1u);
}

}  // namespace
