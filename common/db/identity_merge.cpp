#include "common/db/identity_merge.hpp"

#include <pqxx/pqxx>

#include <string_view>

#include "common/db/array_text.hpp"

namespace db {
namespace {

// One entity's tables and statements. `$1` is the survivor's id and `$2` the absorbed one's
// in every statement that names both.
struct EntitySql {
  Entity entity;
  const char* name;  // identity_conflicts.entity
  // The identifiers that make two rows one, in the order they are compared. Each is a column
  // of the entity's table and a key of its sources' `fields`.
  std::vector<std::string_view> kinds;
  // The rows to merge, locked in identity_key order (the writers' order; artists: name_key
  // order); columns: id, identity_key (artists: name_key), then each of `kinds` as text, then
  // `carried` as text.
  const char* lock;
  // Other columns of the absorbed row that fill the survivor's empty ones (as text, in order).
  const char* fill;  // $1 survivor, $2.. the absorbed row's `kinds` then `carried`, '' = NULL
  const char* resolve;  // $1 id -> survivor_id of its alias, if any
  // Sources (nullptr: the entity has none, artists).
  const char* keep_newer_sources;  // per provider, the older of the two sources goes
  const char* drop_older_sources;
  const char* move_sources;
  std::vector<const char*> move_references;
  const char* alias;  // $1 survivor, $2 absorbed, $3 absorbed identity key (name_key), $4 kind, $5 value
  const char* repoint_aliases;
  const char* remove;  // $1 the absorbed id
  const char* conflict;  // $1 low, $2 high, $3 shared kind, $4 shared value, $5 conflict kind, $6, $7 values
};

const EntitySql kTracks{
    .entity = Entity::kTrack,
    .name = "track",
    // tracks.discogs_id is the Discogs release a track was found on (every track of the release
    // carries it): it identifies no recording, so it neither merges nor conflicts.
    .kinds = {"isrc", "mbid", "spotify_id"},
    .lock = "SELECT id, identity_key, isrc, mbid::text, spotify_id, discogs_id::text, artist_id::text, "
            "album_id::text FROM tracks WHERE id = ANY($1::bigint[]) ORDER BY identity_key FOR UPDATE",
    .fill = "UPDATE tracks SET isrc = COALESCE(isrc, NULLIF($2, '')), mbid = COALESCE(mbid, NULLIF($3, '')::uuid), "
            "spotify_id = COALESCE(spotify_id, NULLIF($4, '')), "
            "discogs_id = COALESCE(discogs_id, NULLIF($5, '')::bigint), "
            "artist_id = COALESCE(artist_id, NULLIF($6, '')::bigint), "
            "album_id = COALESCE(album_id, NULLIF($7, '')::bigint), updated_at = now() WHERE id = $1",
    .resolve = "SELECT survivor_id FROM track_aliases WHERE absorbed_id = $1",
    .keep_newer_sources = "DELETE FROM track_sources s USING track_sources x WHERE s.track_id = $1 "
                          "AND x.track_id = $2 AND x.provider = s.provider AND x.fetched_at > s.fetched_at",
    .drop_older_sources = "DELETE FROM track_sources x USING track_sources s WHERE x.track_id = $2 "
                          "AND s.track_id = $1 AND s.provider = x.provider",
    .move_sources = "UPDATE track_sources SET track_id = $1 WHERE track_id = $2",
    .move_references =
        {
            // Positions of tracklists: the absorbed row's become the survivor's.
            "UPDATE album_tracks SET track_id = $1 WHERE track_id = $2",
            // Tracks that list the absorbed row as a neighbour list the survivor instead
            // (unless they list it already, or are it). The rows' own neighbour lists and
            // features are recomputed by the builders from the follow-up; the absorbed
            // row's go with it (ON DELETE CASCADE).
            "UPDATE track_similar z SET similar_track_id = $1 WHERE z.similar_track_id = $2 AND z.track_id <> $1 "
            "AND NOT EXISTS (SELECT 1 FROM track_similar w WHERE w.track_id = z.track_id AND w.similar_track_id = $1)",
            // Listening history (0011_listeners.sql): a scrobble of the absorbed row is one of
            // the survivor (once: the same listener, time and track is one scrobble), and a job
            // queued for either row was queued for the recording.
            "INSERT INTO listens (listener_id, played_at, track_id, source, imported_at) "
            "SELECT listener_id, played_at, $1, source, imported_at FROM listens WHERE track_id = $2 "
            "ON CONFLICT DO NOTHING",
            "INSERT INTO listen_publications (track_id, job_id, queued_at, published_at) "
            "SELECT $1, job_id, queued_at, published_at FROM listen_publications WHERE track_id = $2 "
            "ON CONFLICT DO NOTHING",
            // Playlists list the survivor where they listed the absorbed row (once per playlist;
            // an entry it would repeat goes with the absorbed row), and seeds follow.
            "UPDATE playlist_tracks p SET track_id = $1 WHERE p.track_id = $2 AND NOT EXISTS "
            "(SELECT 1 FROM playlist_tracks q WHERE q.playlist_id = p.playlist_id AND q.track_id = $1)",
            "UPDATE playlist_tracks SET seed_track_id = $1 WHERE seed_track_id = $2",
        },
    .alias = "INSERT INTO track_aliases (survivor_id, absorbed_id, identity_key, kind, value) "
             "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    .repoint_aliases = "UPDATE track_aliases SET survivor_id = $1 WHERE survivor_id = $2",
    .remove = "DELETE FROM tracks WHERE id = $1",
    .conflict = "INSERT INTO identity_conflicts AS c (entity, low_id, high_id, shared_kind, shared_value, "
                "conflict_kind, low_value, high_value) VALUES ('track', $1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT (entity, low_id, high_id) DO UPDATE SET seen = c.seen + 1, last_seen_at = now()",
};

const EntitySql kAlbums{
    .entity = Entity::kAlbum,
    .name = "album",
    .kinds = {"upc", "mbid", "spotify_id", "discogs_id"},
    .lock = "SELECT id, identity_key, upc, mbid::text, spotify_id, discogs_id::text, artist_id::text "
            "FROM albums WHERE id = ANY($1::bigint[]) ORDER BY identity_key FOR UPDATE",
    .fill = "UPDATE albums SET upc = COALESCE(upc, NULLIF($2, '')), mbid = COALESCE(mbid, NULLIF($3, '')::uuid), "
            "spotify_id = COALESCE(spotify_id, NULLIF($4, '')), "
            "discogs_id = COALESCE(discogs_id, NULLIF($5, '')::bigint), "
            "artist_id = COALESCE(artist_id, NULLIF($6, '')::bigint), updated_at = now() WHERE id = $1",
    .resolve = "SELECT survivor_id FROM album_aliases WHERE absorbed_id = $1",
    .keep_newer_sources = "DELETE FROM album_sources s USING album_sources x WHERE s.album_id = $1 "
                          "AND x.album_id = $2 AND x.provider = s.provider AND x.fetched_at > s.fetched_at",
    .drop_older_sources = "DELETE FROM album_sources x USING album_sources s WHERE x.album_id = $2 "
                          "AND s.album_id = $1 AND s.provider = x.provider",
    .move_sources = "UPDATE album_sources SET album_id = $1 WHERE album_id = $2",
    .move_references =
        {
            "UPDATE tracks SET album_id = $1 WHERE album_id = $2",
            // The absorbed album's tracklist positions the survivor has not claimed; the
            // others go with it (ON DELETE CASCADE).
            "UPDATE album_tracks a SET album_id = $1 WHERE a.album_id = $2 AND NOT EXISTS "
            "(SELECT 1 FROM album_tracks b WHERE b.album_id = $1 AND b.disc = a.disc AND b.position = a.position)",
        },
    .alias = "INSERT INTO album_aliases (survivor_id, absorbed_id, identity_key, kind, value) "
             "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    .repoint_aliases = "UPDATE album_aliases SET survivor_id = $1 WHERE survivor_id = $2",
    .remove = "DELETE FROM albums WHERE id = $1",
    .conflict = "INSERT INTO identity_conflicts AS c (entity, low_id, high_id, shared_kind, shared_value, "
                "conflict_kind, low_value, high_value) VALUES ('album', $1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT (entity, low_id, high_id) DO UPDATE SET seen = c.seen + 1, last_seen_at = now()",
};

// Artists: one row per name_key, no sources; the rows' other provider ids decide conflicts.
const EntitySql kArtists{
    .entity = Entity::kArtist,
    .name = "artist",
    .kinds = {"mbid", "spotify_id", "discogs_id"},
    .lock = "SELECT id, name_key, mbid::text, spotify_id, discogs_id::text "
            "FROM artists WHERE id = ANY($1::bigint[]) ORDER BY name_key FOR UPDATE",
    .fill = "UPDATE artists SET mbid = COALESCE(mbid, NULLIF($2, '')::uuid), "
            "spotify_id = COALESCE(spotify_id, NULLIF($3, '')), "
            "discogs_id = COALESCE(discogs_id, NULLIF($4, '')::bigint), updated_at = now() WHERE id = $1",
    .resolve = "SELECT survivor_id FROM artist_aliases WHERE absorbed_id = $1",
    .keep_newer_sources = nullptr,
    .drop_older_sources = nullptr,
    .move_sources = nullptr,
    .move_references =
        {
            "UPDATE tracks SET artist_id = $1, updated_at = now() WHERE artist_id = $2",
            "UPDATE albums SET artist_id = $1, updated_at = now() WHERE artist_id = $2",
        },
    .alias = "INSERT INTO artist_aliases (survivor_id, absorbed_id, name_key, kind, value) "
             "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    .repoint_aliases = "UPDATE artist_aliases SET survivor_id = $1 WHERE survivor_id = $2",
    .remove = "DELETE FROM artists WHERE id = $1",
    .conflict = "INSERT INTO identity_conflicts AS c (entity, low_id, high_id, shared_kind, shared_value, "
                "conflict_kind, low_value, high_value) VALUES ('artist', $1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT (entity, low_id, high_id) DO UPDATE SET seen = c.seen + 1, last_seen_at = now()",
};

const EntitySql& SqlOf(Entity entity) {
  switch (entity) {
    case Entity::kTrack: return kTracks;
    case Entity::kAlbum: return kAlbums;
    case Entity::kArtist: return kArtists;
  }
  return kTracks;
}

// How strongly an identity key identifies its row: the survivor of a merge is the stronger.
int KeyStrength(std::string_view identity_key) {
  if (identity_key.starts_with("isrc:") || identity_key.starts_with("upc:")) return 0;
  if (identity_key.starts_with("mbid:")) return 1;
  if (identity_key.starts_with("spotify:")) return 2;
  if (identity_key.starts_with("discogs:")) return 3;
  return 4;  // name:
}

struct LockedRow {
  std::int64_t id = 0;
  std::string identity_key;
  std::vector<std::string> values;  // every selected column after identity_key, as text ('' = NULL)
};

LockedRow ReadRow(const pqxx::row& row) {
  LockedRow out{row[0].as<std::int64_t>(), row[1].as<std::string>(), {}};
  for (pqxx::row::size_type i = 2; i < row.size(); ++i) out.values.push_back(row[i].is_null() ? "" : row[i].c_str());
  return out;
}

std::int64_t Resolve(pqxx::transaction_base& tx, const EntitySql& sql, std::int64_t id) {
  // Aliases are re-pointed when a survivor is absorbed in turn, so one look-up suffices.
  pqxx::result r = tx.exec_params(sql.resolve, id);
  return r.empty() ? id : r[0][0].as<std::int64_t>();
}

}  // namespace

const char* EntityName(Entity entity) { return SqlOf(entity).name; }

std::vector<MergeCandidate> CandidatesOf(const pqxx::result& rows, Entity entity) {
  std::vector<MergeCandidate> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back({entity, row[0].as<std::int64_t>(), row[3].as<std::int64_t>(), row[1].as<std::string>(),
                   row[2].as<std::string>()});
  }
  return out;
}

MergeResult MergeRows(pqxx::connection_base& connection, const MergeCandidate& candidate, const char* recompute,
                      const std::string& merge_priority_array) {
  const EntitySql& sql = SqlOf(candidate.entity);
  MergeResult result{MergeOutcome::kAlreadyOne, candidate.entity, candidate.kind, 0, 0, {}};
  pqxx::work tx(connection);
  std::int64_t a = Resolve(tx, sql, candidate.id);
  std::int64_t b = Resolve(tx, sql, candidate.other);
  result.survivor = a;
  if (a == b) {
    tx.commit();
    return result;
  }
  pqxx::result rows = tx.exec_params(sql.lock, BigintArray({a, b}));
  if (rows.size() < 2) {
    // One of them was deleted (by hand, or absorbed after our look-up): nothing to merge now;
    // the next write of the row finds the candidate again if there is one.
    tx.commit();
    if (!rows.empty()) result.survivor = rows[0][0].as<std::int64_t>();
    return result;
  }
  LockedRow first = ReadRow(rows[0]);
  LockedRow second = ReadRow(rows[1]);
  // Conservative: any identifier both rows hold with different values means two recordings
  // (or a provider's mistake); such a pair is listed, never merged.
  for (std::size_t k = 0; k < sql.kinds.size(); ++k) {
    const std::string& x = first.values[k];
    const std::string& y = second.values[k];
    if (x.empty() || y.empty() || x == y) continue;
    const LockedRow& low = first.id < second.id ? first : second;
    const LockedRow& high = first.id < second.id ? second : first;
    tx.exec_params(sql.conflict, low.id, high.id, candidate.kind, candidate.value, std::string(sql.kinds[k]),
                   low.values[k], high.values[k]);
    tx.commit();
    result.outcome = MergeOutcome::kConflict;
    result.survivor = first.id;
    return result;
  }
  // An artist's name_key says nothing of how well it identifies the row: the older one stays.
  int first_strength = candidate.entity == Entity::kArtist ? 0 : KeyStrength(first.identity_key);
  int second_strength = candidate.entity == Entity::kArtist ? 0 : KeyStrength(second.identity_key);
  bool first_survives =
      first_strength != second_strength ? first_strength < second_strength : first.id < second.id;
  const LockedRow& survivor = first_survives ? first : second;
  const LockedRow& absorbed = first_survives ? second : first;
  const std::int64_t s = survivor.id;
  const std::int64_t x = absorbed.id;
  if (sql.move_sources != nullptr) {
    tx.exec_params(sql.keep_newer_sources, s, x);
    tx.exec_params(sql.drop_older_sources, s, x);
    tx.exec_params(sql.move_sources, s, x);
  }
  for (const char* statement : sql.move_references) tx.exec_params(statement, s, x);
  tx.exec_params(sql.repoint_aliases, s, x);
  tx.exec_params(sql.alias, s, x, absorbed.identity_key, candidate.kind, candidate.value);
  tx.exec_params(sql.remove, x);
  // The absorbed row's identifiers (now free) and links fill the survivor's empty ones.
  const auto& v = absorbed.values;
  switch (candidate.entity) {
    case Entity::kTrack: tx.exec_params(sql.fill, s, v[0], v[1], v[2], v[3], v[4], v[5]); break;
    case Entity::kAlbum: tx.exec_params(sql.fill, s, v[0], v[1], v[2], v[3], v[4]); break;
    case Entity::kArtist: tx.exec_params(sql.fill, s, v[0], v[1], v[2]); break;
  }
  // An artist has nothing to recompute: the ids the absorbed row held are free now (unique
  // indexes), so filling them cannot meet a third row.
  if (recompute != nullptr && candidate.entity != Entity::kArtist) {
    pqxx::result more = tx.exec_params(recompute, BigintArray({s}), merge_priority_array);
    result.more = CandidatesOf(more, candidate.entity);
  }
  tx.commit();
  result.outcome = MergeOutcome::kMerged;
  result.survivor = s;
  result.absorbed = x;
  return result;
}

}  // namespace db
