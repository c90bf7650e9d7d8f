#include "common/db/listen_store.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <utility>

#include "common/db/array_text.hpp"
#include "common/db/identity.hpp"
#include "common/db/session.hpp"

namespace db {
namespace {

constexpr const char* kUpsertListener = R"SQL(
INSERT INTO listeners (name, name_key) VALUES ($1, lower($1))
ON CONFLICT (name_key) DO UPDATE SET name_key = EXCLUDED.name_key
RETURNING id
)SQL";

// The rows the batch names that neither a track nor an alias holds yet: name- or MBID-keyed,
// names only (the workers fill the id columns when they enrich the row). ORDER BY gives
// concurrent importers and writers one lock order.
constexpr const char* kInsertTracks = R"SQL(
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
    AS x(identity_key, name_key, artist, title, album)
)
INSERT INTO tracks (identity_key, name_key, artist_name, title, album_title)
SELECT DISTINCT ON (i.identity_key) i.identity_key, i.name_key, i.artist, i.title, NULLIF(i.album, '')
FROM input i
WHERE NOT EXISTS (SELECT 1 FROM track_aliases a WHERE a.identity_key = i.identity_key)
  AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.identity_key = i.identity_key)
ORDER BY i.identity_key
ON CONFLICT (identity_key) DO NOTHING
RETURNING id
)SQL";

// Each scrobble's row: an absorbed key resolves to its survivor (track_aliases), else the
// row holding the key. NULL when a merge deleted it since: the transaction is retried.
constexpr const char* kInsertListens = R"SQL(
WITH input AS (
  SELECT * FROM unnest($2::text[], $3::bigint[]) AS x(identity_key, played_at)
),
resolved AS (
  SELECT DISTINCT i.played_at,
         COALESCE((SELECT a.survivor_id FROM track_aliases a WHERE a.identity_key = i.identity_key),
                  (SELECT t.id FROM tracks t WHERE t.identity_key = i.identity_key)) AS track_id
  FROM input i
),
unresolved AS (SELECT count(*) AS n FROM resolved WHERE track_id IS NULL),
inserted AS (
  INSERT INTO listens (listener_id, played_at, track_id, source)
  SELECT $1, to_timestamp(r.played_at), r.track_id, $4 FROM resolved r
  WHERE r.track_id IS NOT NULL
  ORDER BY r.played_at, r.track_id
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM resolved), (SELECT n FROM unresolved),
       (SELECT coalesce(array_agg(DISTINCT track_id), '{}') FROM resolved WHERE track_id IS NOT NULL)::text
)SQL";

// What a track job of a row carries: its names and the one id its identity key is made of.
constexpr const char* kJobColumns = R"SQL(
  t.artist_name, t.title, coalesce(t.album_title, ''),
  CASE WHEN t.identity_key LIKE 'isrc:%' THEN substr(t.identity_key, 6) ELSE '' END,
  CASE WHEN t.identity_key LIKE 'mbid:%' THEN substr(t.identity_key, 6) ELSE '' END,
  CASE WHEN t.identity_key LIKE 'spotify:%' THEN substr(t.identity_key, 9) ELSE '' END
)SQL";

// Rows no provider has enriched and no import has queued yet: one job each, ever.
const std::string kQueuePublications = std::string(R"SQL(
WITH queued AS (
  INSERT INTO listen_publications (track_id, job_id)
  SELECT t.id, 'listen-' || t.id FROM tracks t
  WHERE t.id = ANY($1::bigint[]) AND t.providers_done = '{}'
  ORDER BY t.id
  ON CONFLICT (track_id) DO NOTHING
  RETURNING track_id, job_id
)
SELECT q.track_id, q.job_id, )SQL") + kJobColumns + R"SQL(
FROM queued q JOIN tracks t ON t.id = q.track_id ORDER BY q.track_id
)SQL";

const std::string kSelectUnpublished = std::string(R"SQL(
SELECT p.track_id, p.job_id, )SQL") + kJobColumns + R"SQL(
FROM listen_publications p JOIN tracks t ON t.id = p.track_id
WHERE p.published_at IS NULL
ORDER BY p.queued_at, p.track_id
LIMIT $1
)SQL";

constexpr const char* kMarkPublished = R"SQL(
UPDATE listen_publications SET published_at = now()
WHERE track_id = ANY($1::bigint[]) AND published_at IS NULL
)SQL";

constexpr const char* kUpsertCursor = R"SQL(
INSERT INTO listen_cursors AS c (listener_id, source, window_from, window_to, next_page, total_pages, done, updated_at)
VALUES ($1, $2, to_timestamp(NULLIF($3, '')::bigint), to_timestamp($4), $5, NULLIF($6, '')::int, $7, now())
ON CONFLICT (listener_id, source) DO UPDATE
  SET window_from = EXCLUDED.window_from, window_to = EXCLUDED.window_to, next_page = EXCLUDED.next_page,
      total_pages = EXCLUDED.total_pages, done = EXCLUDED.done, updated_at = now()
)SQL";

constexpr const char* kSelectCursor = R"SQL(
SELECT coalesce(extract(epoch FROM c.window_from)::bigint::text, ''), extract(epoch FROM c.window_to)::bigint,
       c.next_page, coalesce(c.total_pages::text, ''), c.done
FROM listen_cursors c JOIN listeners l ON l.id = c.listener_id
WHERE l.name_key = lower($1) AND c.source = $2
)SQL";

// Thrown inside a transaction to have it retried like a deadlock.
struct RetryTransaction : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool LooksLikeUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  return true;
}

std::vector<TrackToPublish> ReadJobs(const pqxx::result& rows) {
  std::vector<TrackToPublish> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                   row[6].as<std::string>(), row[7].as<std::string>()});
  }
  return out;
}

std::vector<std::int64_t> ParseBigintArray(std::string_view text) {
  std::vector<std::int64_t> out;
  std::int64_t value = 0;
  bool in_number = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      out.push_back(value);
      value = 0;
      in_number = false;
    }
  }
  if (in_number) out.push_back(value);
  return out;
}

std::int64_t UpsertListener(pqxx::work& tx, std::string_view listener) {
  return tx.exec_params1(kUpsertListener, std::string(listener))[0].as<std::int64_t>();
}

void WriteCursor(pqxx::work& tx, std::int64_t listener_id, std::string_view source, const ListenCursor& cursor) {
  tx.exec_params(kUpsertCursor, listener_id, std::string(source),
                 cursor.window_from ? std::to_string(*cursor.window_from) : std::string(), cursor.window_to,
                 cursor.next_page, cursor.total_pages ? std::to_string(*cursor.total_pages) : std::string(),
                 cursor.done);
}

// Retries `body` (one transaction) on transient errors, each time on a new connection.
template <typename Body>
auto Retrying(Session& session, Body body) -> decltype(session.Run(body)) {
  for (int attempt = 1;; ++attempt) {
    // Run maps RetryTransaction (like any non-pqxx exception) to kTransient.
    auto result = session.Run(body);
    if (result || result.error().kind != core::ErrorKind::kTransient || attempt >= ListenStore::kAttempts) {
      return result;
    }
  }
}

}  // namespace

ListenStore::ListenStore(std::string dsn) : session_(std::make_unique<Session>(std::move(dsn))) {}
ListenStore::~ListenStore() = default;

core::Result<StoreResult> ListenStore::Store(std::string_view listener, std::string_view source,
                                             const std::vector<ScrobbleRow>& rows,
                                             const std::optional<ListenCursor>& cursor) {
  StoreResult counts;
  std::vector<std::string> keys, name_keys, artists, titles, albums;
  std::vector<std::int64_t> played;
  for (const auto& row : rows) {
    if (NameKey(row.artist).empty() || NameKey(row.title).empty()) {
      ++counts.invalid;
      continue;
    }
    const std::string mbid = NormalizeMbid(row.mbid);
    auto key = TrackIdentityKey({.artist = row.artist, .title = row.title, .mbid = LooksLikeUuid(mbid) ? mbid : ""});
    if (!key) {
      ++counts.invalid;
      continue;
    }
    keys.push_back(std::move(*key));
    name_keys.push_back(TrackNameKey(row.artist, row.title));
    artists.push_back(row.artist);
    titles.push_back(row.title);
    albums.push_back(row.album);
    played.push_back(row.played_at);
  }
  const std::string key_array = TextArray(keys);
  const std::string played_array = BigintArray(played);
  const std::string name_key_array = TextArray(name_keys);
  const std::string artist_array = TextArray(artists);
  const std::string title_array = TextArray(titles);
  const std::string album_array = TextArray(albums);
  return Retrying(*session_, [&]() -> StoreResult {
    StoreResult result = counts;
    pqxx::work tx(session_->Connection());
    const std::int64_t listener_id = UpsertListener(tx, listener);
    if (!keys.empty()) {
      result.new_tracks = tx.exec_params(kInsertTracks, key_array, name_key_array, artist_array, title_array,
                                         album_array)
                              .size();
      const pqxx::row listens =
          tx.exec_params1(kInsertListens, listener_id, key_array, played_array, std::string(source));
      if (listens[2].as<std::int64_t>() > 0) throw RetryTransaction("a track row went away while resolving scrobbles");
      result.stored = listens[0].as<std::uint64_t>();
      result.already = keys.size() - result.stored;
      const std::vector<std::int64_t> track_ids = ParseBigintArray(listens[3].as<std::string>());
      result.to_publish = ReadJobs(tx.exec_params(kQueuePublications, BigintArray(track_ids)));
    }
    if (cursor) WriteCursor(tx, listener_id, source, *cursor);
    tx.commit();
    return result;
  });
}

core::Result<std::optional<ListenCursor>> ListenStore::Cursor(std::string_view listener, std::string_view source) {
  return Retrying(*session_, [&]() -> std::optional<ListenCursor> {
    pqxx::read_transaction tx(session_->Connection());
    const pqxx::result rows = tx.exec_params(kSelectCursor, std::string(listener), std::string(source));
    if (rows.empty()) return std::nullopt;
    ListenCursor cursor;
    const auto from = rows[0][0].as<std::string>();
    if (!from.empty()) cursor.window_from = std::stoll(from);
    cursor.window_to = rows[0][1].as<std::int64_t>();
    cursor.next_page = rows[0][2].as<int>();
    const auto total = rows[0][3].as<std::string>();
    if (!total.empty()) cursor.total_pages = std::stoi(total);
    cursor.done = rows[0][4].as<bool>();
    return cursor;
  });
}

core::Result<void> ListenStore::SaveCursor(std::string_view listener, std::string_view source,
                                           const ListenCursor& cursor) {
  return Retrying(*session_, [&] {
    pqxx::work tx(session_->Connection());
    WriteCursor(tx, UpsertListener(tx, listener), source, cursor);
    tx.commit();
  });
}

core::Result<std::vector<TrackToPublish>> ListenStore::Unpublished(std::size_t limit) {
  return Retrying(*session_, [&] {
    pqxx::read_transaction tx(session_->Connection());
    return ReadJobs(tx.exec_params(kSelectUnpublished, static_cast<std::int64_t>(limit)));
  });
}

core::Result<void> ListenStore::MarkPublished(const std::vector<std::int64_t>& track_ids) {
  if (track_ids.empty()) return core::Ok();
  const std::string ids = BigintArray(track_ids);
  return Retrying(*session_, [&] {
    pqxx::work tx(session_->Connection());
    tx.exec_params(kMarkPublished, ids);
    tx.commit();
  });
}

}  // namespace db
