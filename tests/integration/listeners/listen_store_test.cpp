// db::ListenStore against the private PostgreSQL: concurrent imports of the same scrobbles
// (two listeners' and one listener's twice) store each listen once and queue each row once.
#include "common/db/listen_store.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/test_database.hpp"

namespace {

std::vector<db::ScrobbleRow> Rows(int count) {
  std::vector<db::ScrobbleRow> rows;
  for (int i = 0; i < count; ++i) {
    db::ScrobbleRow row{.artist = "Artist " + std::to_string(i % 50), .title = "Title " + std::to_string(i % 300),
                        .album = i % 3 == 0 ? "" : "Album", .mbid = "", .played_at = 1'700'000'000 - i};
    if (i % 300 == 7) row.mbid = "6B9A509F-6907-4A6E-9345-2F12DA09BA4B";  // one MBID-keyed row, any case
    rows.push_back(row);
  }
  return rows;
}

TEST(ListenStore, ConcurrentImportsStoreEachListenOnceAndQueueEachRowOnce) {
  test_support::TestDatabase database;
  const auto rows = Rows(1200);
  std::vector<db::StoreResult> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      db::ListenStore store(database.worker_dsn());
      // Two threads per listener; names differ only in case for one of them.
      const std::string listener = t < 2 ? (t == 0 ? "Zoe" : "zoe") : "yann";
      for (std::size_t first = 0; first < rows.size(); first += 300) {
        std::vector<db::ScrobbleRow> batch(rows.begin() + static_cast<std::ptrdiff_t>(first),
                                           rows.begin() + static_cast<std::ptrdiff_t>(first + 300));
        auto stored = store.Store(listener, "csv", batch, std::nullopt);
        ASSERT_TRUE(stored) << stored.error().message;
        results[static_cast<std::size_t>(t)].stored += stored->stored;
        results[static_cast<std::size_t>(t)].already += stored->already;
        results[static_cast<std::size_t>(t)].new_tracks += stored->new_tracks;
        for (auto& job : stored->to_publish) results[static_cast<std::size_t>(t)].to_publish.push_back(job);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(database.Int("SELECT count(*) FROM listeners"), 2);
  EXPECT_EQ(database.Int("SELECT count(*) FROM listens"), 2400);
  const std::int64_t tracks = database.Int("SELECT count(*) FROM tracks");
  EXPECT_EQ(database.Int("SELECT count(*) FROM tracks WHERE identity_key = 'mbid:6b9a509f-6907-4a6e-9345-2f12da09ba4b'"), 1);
  std::uint64_t stored = 0, already = 0, new_tracks = 0, queued = 0;
  for (const auto& r : results) {
    stored += r.stored;
    already += r.already;
    new_tracks += r.new_tracks;
    queued += r.to_publish.size();
  }
  EXPECT_EQ(stored, 2400u);
  EXPECT_EQ(already, 2400u);
  EXPECT_EQ(static_cast<std::int64_t>(new_tracks), tracks);
  EXPECT_EQ(static_cast<std::int64_t>(queued), tracks) << "each row queued by exactly one import";
  EXPECT_EQ(database.Int("SELECT count(*) FROM listen_publications WHERE published_at IS NULL"), tracks);

  db::ListenStore store(database.worker_dsn());
  auto pending = store.Unpublished(100000);
  ASSERT_TRUE(pending);
  ASSERT_EQ(static_cast<std::int64_t>(pending->size()), tracks);
  for (const auto& job : *pending) {
    EXPECT_EQ(job.job_id, "listen-" + std::to_string(job.track_id));
    if (!job.mbid.empty()) {
      EXPECT_EQ(job.mbid, "6b9a509f-6907-4a6e-9345-2f12da09ba4b");
    }
  }
  std::vector<std::int64_t> ids;
  for (const auto& job : *pending) ids.push_back(job.track_id);
  ASSERT_TRUE(store.MarkPublished(ids));
  EXPECT_EQ(database.Int("SELECT count(*) FROM listen_publications WHERE published_at IS NULL"), 0);
  // A row a provider has enriched is not queued by a later import.
  database.Int("WITH u AS (UPDATE tracks SET providers_done = '{lastfm}' WHERE id NOT IN "
               "(SELECT track_id FROM listen_publications) RETURNING 1) SELECT count(*) FROM u");
  auto again = store.Store("zoe", "csv", {{.artist = "Fresh", .title = "Track", .album = "", .mbid = "", .played_at = 5}}, std::nullopt);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->new_tracks, 1u);
  EXPECT_EQ(again->to_publish.size(), 1u);
}

TEST(ListenStore, CursorRoundTripsAndRowsWithoutNamesAreNotStored) {
  test_support::TestDatabase database;
  db::ListenStore store(database.worker_dsn());
  auto none = store.Cursor("ann", "lastfm");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  db::ListenCursor cursor{.window_from = std::nullopt, .window_to = 1'700'000'000, .next_page = 3, .total_pages = 9};
  auto stored = store.Store("Ann", "lastfm", {{.artist = " ", .title = "x", .album = "", .mbid = "", .played_at = 1},
                             {.artist = "A", .title = "B", .album = "", .mbid = "", .played_at = 2}},
                            cursor);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->invalid, 1u);
  EXPECT_EQ(stored->stored, 1u);
  auto read = store.Cursor("ANN", "lastfm");
  ASSERT_TRUE(read && read->has_value());
  EXPECT_FALSE((*read)->window_from.has_value());
  EXPECT_EQ((*read)->window_to, 1'700'000'000);
  EXPECT_EQ((*read)->next_page, 3);
  EXPECT_EQ((*read)->total_pages, 9);
  EXPECT_FALSE((*read)->done);
  cursor.window_from = 5;
  cursor.done = true;
  ASSERT_TRUE(store.SaveCursor("ann", "lastfm", cursor));
  read = store.Cursor("ann", "lastfm");
  EXPECT_EQ((*read)->window_from, 5);
  EXPECT_TRUE((*read)->done);
}

}  // namespace
