#include "common/db/catalog_writer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "common/db/array_text.hpp"
#include "common/db/connection.hpp"
#include "common/db/errors.hpp"
#include "common/db/identity.hpp"
#include "common/db/identity_merge.hpp"
#include "common/db/session.hpp"

namespace db {
namespace {

// Statement 0: the batch's artists, one row per db::NameKey(artist), so tracks and albums
// carry artist_id. `$1`: a JSON array of {artist, artist_key}, distinct keys. Only keys not
// there yet are inserted (an existing artist costs an index probe, not a row lock); sorted,
// so concurrent writers inserting the same new artists wait on each other in one order. A
// key a merge absorbed (artist_aliases) is not re-created: it resolves to its survivor. One
// snapshot sees the absorbed row or its alias, never neither (the merge deletes the one and
// inserts the other in one transaction), so a merge committing meanwhile cannot slip in.
constexpr const char* kInsertArtists = R"SQL(
INSERT INTO artists (name, name_key)
SELECT x.artist, x.artist_key
FROM jsonb_to_recordset($1::jsonb) AS x(artist text, artist_key text)
WHERE NOT EXISTS (SELECT 1 FROM artists a WHERE a.name_key = x.artist_key)
  AND NOT EXISTS (SELECT 1 FROM artist_aliases l WHERE l.name_key = x.artist_key)
ORDER BY x.artist_key
ON CONFLICT (name_key) DO NOTHING
)SQL";

// Statement 0b: provider artist ids (artists.mbid, spotify_id, discogs_id: the job's artist's,
// as the provider answered) for artists that have none. `$1`: a JSON array of {artist_key,
// mbid, spotify_id, discogs_id}, distinct keys and, per kind, distinct ids. An id another
// row already holds is left alone (the unique indexes allow one row per id) and returned as a
// merge candidate (common/db/identity_merge.hpp): two rows of one artist, two spellings; a
// concurrent writer claiming the same id is the unique violation Write replays. Columns: id,
// kind, value, other.
constexpr const char* kSetArtistIds = R"SQL(
WITH x AS (
  SELECT r.*,
         COALESCE(ar.id, (SELECT l.survivor_id FROM artist_aliases l WHERE l.name_key = r.artist_key)) AS artist_id
  FROM jsonb_to_recordset($1::jsonb) AS r(artist_key text, mbid uuid, spotify_id text, discogs_id bigint)
  LEFT JOIN artists ar ON ar.name_key = r.artist_key
),
held AS (
  SELECT x.*,
    (SELECT o.id FROM artists o WHERE x.mbid IS NOT NULL AND o.mbid = x.mbid) AS mbid_holder,
    (SELECT o.id FROM artists o WHERE x.spotify_id IS NOT NULL AND o.spotify_id = x.spotify_id) AS spotify_holder,
    (SELECT o.id FROM artists o WHERE x.discogs_id IS NOT NULL AND o.discogs_id = x.discogs_id) AS discogs_holder
  FROM x WHERE x.artist_id IS NOT NULL
),
updated AS (
  UPDATE artists AS a SET
    mbid = COALESCE(a.mbid, CASE WHEN h.mbid_holder IS NULL THEN h.mbid END),
    spotify_id = COALESCE(a.spotify_id, CASE WHEN h.spotify_holder IS NULL THEN h.spotify_id END),
    discogs_id = COALESCE(a.discogs_id, CASE WHEN h.discogs_holder IS NULL AND h.discogs_id > 0 THEN h.discogs_id END),
    updated_at = now()
  FROM (SELECT * FROM held ORDER BY artist_key) AS h
  WHERE a.id = h.artist_id
    AND ((a.mbid IS NULL AND h.mbid IS NOT NULL AND h.mbid_holder IS NULL)
      OR (a.spotify_id IS NULL AND h.spotify_id IS NOT NULL AND h.spotify_holder IS NULL)
      OR (a.discogs_id IS NULL AND h.discogs_id > 0 AND h.discogs_holder IS NULL))
  RETURNING a.id
)
SELECT h.artist_id, v.kind, v.value, v.other
FROM held h, LATERAL (VALUES ('mbid', h.mbid::text, h.mbid_holder), ('spotify_id', h.spotify_id, h.spotify_holder),
                             ('discogs_id', h.discogs_id::text, h.discogs_holder)) AS v(kind, value, other)
WHERE v.other IS NOT NULL AND v.other <> h.artist_id
)SQL";

// One row per commit and provider naming the jobs it wrote (0002_job_effects.sql).
constexpr const char* kRecordEffects =
    "INSERT INTO job_commits (provider, job_ids, followup_ids) VALUES ($1, $2::text[], $3::integer[])";

// Statement 1: upsert the catalog rows and this provider's source rows. `$1` is a JSON array
// of input rows (one per distinct identity key), expanded with jsonb_to_recordset: one round
// trip per batch. Provider ids are only set where no other row already holds them, so two
// rows never claim one external entity; `ORDER BY identity_key` gives concurrent writers one
// lock order. The `IS NOT NULL AND` before each NOT EXISTS matters for speed, not meaning: while
// the table is small the planner hashes the NOT EXISTS subquery (a scan of the whole table per
// batch), and the guard skips it when no row of the batch has that id.
//
// An artist key a merge absorbed resolves to its survivor (artist_aliases), like every
// artist look-up below; a merge that deletes the artist row this statement's snapshot still
// saw makes the foreign key check fail (the merge locks the row first), which Write replays.
//
// An identity key a merge absorbed resolves to its survivor's (track_aliases): `keyed` maps
// each input row to the key of the row it lands on (`row_key`), and `input` keeps one input
// row per row_key (a batch may name a recording by both its old and its new identifier).
constexpr const char* kUpsertTracks = R"SQL(
WITH keyed AS (
  SELECT x.*, COALESCE(s.identity_key, x.identity_key) AS row_key
  FROM jsonb_to_recordset($1::jsonb) AS x(
    identity_key text, name_key text, artist text, artist_key text, title text, album text,
    isrc text, mbid uuid, spotify_id text, discogs_id bigint,
    provider text, status text, external_id text, genres jsonb, moods jsonb,
    fields jsonb, raw jsonb, job_id text)
  LEFT JOIN track_aliases al ON al.identity_key = x.identity_key
  LEFT JOIN tracks s ON s.id = al.survivor_id
),
input AS (SELECT DISTINCT ON (row_key) * FROM keyed ORDER BY row_key, identity_key DESC),
upserted AS (
  -- A new row gets its merged columns from its only source, this one, right here; a row
  -- that already existed is merged from all its sources by the merge statement.
  INSERT INTO tracks AS t (identity_key, name_key, artist_id, artist_name, title, album_title,
                           isrc, mbid, spotify_id, discogs_id,
                           genres, moods, providers_done, duration_ms, explicit, popularity,
                           track_number, release_date, release_year, audio_features, enriched_at)
  SELECT i.row_key, i.name_key,
         COALESCE(ar.id, (SELECT l.survivor_id FROM artist_aliases l WHERE l.name_key = i.artist_key)),
         i.artist, i.title, i.album,
         CASE WHEN i.isrc IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tracks o WHERE o.isrc = i.isrc) THEN i.isrc END,
         CASE WHEN i.mbid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tracks o WHERE o.mbid = i.mbid) THEN i.mbid END,
         CASE WHEN i.spotify_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tracks o WHERE o.spotify_id = i.spotify_id) THEN i.spotify_id END,
         CASE WHEN i.discogs_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tracks o WHERE o.discogs_id = i.discogs_id) THEN i.discogs_id END,
         (ARRAY(SELECT jsonb_array_elements_text(i.genres)))[1:10],
         (ARRAY(SELECT jsonb_array_elements_text(i.moods)))[1:15],
         ARRAY[i.provider],
         CASE WHEN i.status = 'ok' THEN (i.fields->>'duration_ms')::int END,
         CASE WHEN i.status = 'ok' THEN (i.fields->>'explicit')::boolean END,
         CASE WHEN i.status = 'ok' THEN (i.fields->>'popularity')::smallint END,
         CASE WHEN i.status = 'ok' THEN (i.fields->>'track_number')::smallint END,
         CASE WHEN i.status = 'ok' THEN (i.fields->>'release_date')::date END,
         CASE WHEN i.status = 'ok' THEN (i.fields->>'release_year')::smallint END,
         CASE WHEN i.status = 'ok' THEN i.fields->'audio_features' END,
         now()
  FROM input i LEFT JOIN artists ar ON ar.name_key = i.artist_key
  ORDER BY i.row_key
  ON CONFLICT (identity_key) DO UPDATE
    SET album_title = COALESCE(t.album_title, EXCLUDED.album_title),
        artist_id = COALESCE(t.artist_id, EXCLUDED.artist_id), updated_at = now()
  RETURNING t.id, t.identity_key, (t.xmax = 0) AS inserted, t.isrc, t.mbid, t.spotify_id
),
sources AS (
  INSERT INTO track_sources AS s (track_id, provider, status, external_id, fetched_at,
                                  genres, moods, fields, raw, job_id)
  SELECT u.id, i.provider, i.status, i.external_id, now(),
         ARRAY(SELECT jsonb_array_elements_text(i.genres)),
         ARRAY(SELECT jsonb_array_elements_text(i.moods)),
         i.fields, i.raw, i.job_id
  FROM input i JOIN upserted u ON u.identity_key = i.row_key
  ON CONFLICT (track_id, provider) DO UPDATE
    SET status = EXCLUDED.status, external_id = EXCLUDED.external_id,
        fetched_at = EXCLUDED.fetched_at, genres = EXCLUDED.genres, moods = EXCLUDED.moods,
        fields = EXCLUDED.fields, raw = EXCLUDED.raw, job_id = EXCLUDED.job_id
  RETURNING s.track_id
)
-- One row per input key. needs_merge: the row existed (other providers may have sources), this
-- source found provider ids that only the merge may claim for the row, or the job's own ids
-- are held by another row (a twin the merge finds). inserted: a new
-- row, which Write checks against a merge that absorbed its key meanwhile.
SELECT k.identity_key, u.id,
       (NOT u.inserted OR i.fields ?| ARRAY['isrc', 'mbid', 'spotify_id', 'discogs_id']
        OR (i.isrc IS NOT NULL AND u.isrc IS NULL) OR (i.mbid IS NOT NULL AND u.mbid IS NULL)
        OR (i.spotify_id IS NOT NULL AND u.spotify_id IS NULL)) AS needs_merge,
       u.inserted
FROM keyed k JOIN upserted u ON u.identity_key = k.row_key JOIN input i ON i.row_key = k.row_key
WHERE u.id IN (SELECT track_id FROM sources)
)SQL";

// Albums' tracklists (0006_album_tracks.sql), after the albums' upsert and merge, in the
// same transaction. `$1`: a JSON array of tracklist entries. The album upsert holds each
// album row's lock until commit, so two providers' tracklists of one album are linked one
// after the other and the second sees the first's positions.
//
// Statement T1: the track rows of positions no tracklist has claimed yet, by the identity
// rules (the entry's first id, else its name key), unless a row already is that track (its
// identity key, or one of its ids held by another row: a track job by ISRC that Spotify
// enriched holds the Spotify id the album's tracklist names).
constexpr const char* kTracklistInput = R"SQL(
WITH input AS (
  SELECT x.*, a.id AS album_id FROM jsonb_to_recordset($1::jsonb) AS x(
    album_key text, disc int, position int, identity_key text, name_key text, artist text,
    artist_key text, title text, album text, isrc text, mbid uuid, spotify_id text,
    duration_ms int, provider text, job_id text)
  JOIN albums a ON a.identity_key = x.album_key
),
found AS (
  SELECT i.*,
         COALESCE((SELECT o.id FROM tracks o WHERE o.identity_key = i.identity_key),
                  (SELECT a.survivor_id FROM track_aliases a WHERE a.identity_key = i.identity_key),
                  (SELECT o.id FROM tracks o WHERE i.isrc IS NOT NULL AND o.isrc = i.isrc),
                  (SELECT o.id FROM tracks o WHERE i.mbid IS NOT NULL AND o.mbid = i.mbid),
                  (SELECT o.id FROM tracks o WHERE i.spotify_id IS NOT NULL AND o.spotify_id = i.spotify_id))
           AS track_id
  FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM album_tracks x
                    WHERE x.album_id = i.album_id AND x.disc = i.disc AND x.position = i.position)
)
)SQL";

constexpr const char* kInsertTracklistTracks = R"SQL(
INSERT INTO tracks AS t (identity_key, name_key, artist_id, artist_name, title, album_id, album_title,
                         isrc, mbid, spotify_id, duration_ms)
SELECT DISTINCT ON (f.identity_key) f.identity_key, f.name_key,
       COALESCE(ar.id, (SELECT l.survivor_id FROM artist_aliases l WHERE l.name_key = f.artist_key)),
       f.artist, f.title, f.album_id, f.album,
       f.isrc, f.mbid, f.spotify_id, NULLIF(f.duration_ms, 0)
FROM found f LEFT JOIN artists ar ON ar.name_key = f.artist_key
WHERE f.track_id IS NULL
ORDER BY f.identity_key
ON CONFLICT (identity_key) DO NOTHING
)SQL";

// Statement T2: claim the free positions for this provider's tracklist.
constexpr const char* kLinkAlbumTracks = R"SQL(
INSERT INTO album_tracks (album_id, disc, position, track_id, provider, job_id)
SELECT f.album_id, f.disc, f.position, f.track_id, f.provider, f.job_id
FROM found f WHERE f.track_id IS NOT NULL
ORDER BY f.album_id, f.disc, f.position
ON CONFLICT (album_id, disc, position) DO NOTHING
)SQL";

// Statement T3: this provider's positions of the batch's albums whose track job the broker
// has not confirmed yet (this delivery's, and those of a delivery that crashed before).
constexpr const char* kSelectTrackJobs = R"SQL(
SELECT at.album_id, at.disc, at.position, t.id, t.identity_key, t.artist_name, t.title,
       COALESCE(al.title, t.album_title, ''), t.duration_ms
FROM album_tracks at JOIN tracks t ON t.id = at.track_id JOIN albums al ON al.id = at.album_id
WHERE at.album_id = ANY($1::bigint[]) AND at.provider = $2 AND at.track_job_published_at IS NULL
ORDER BY at.album_id, at.disc, at.position
)SQL";

constexpr const char* kMarkTrackJobsPublished = R"SQL(
UPDATE album_tracks a SET track_job_published_at = now()
FROM unnest($1::bigint[], $2::int[], $3::int[]) AS x(album_id, disc, position)
WHERE a.album_id = x.album_id AND a.disc = x.disc AND a.position = x.position
  AND a.track_job_published_at IS NULL
)SQL";

// Statement 2: recompute the merged rows of the touched tracks from all their sources.
// Genres and moods: ranked by how many providers name them, then by their best rank within
// a provider; capped at 10 genres and 15 moods. Scalars: the first provider in priority
// order that has the field (ties: provider name); `$2` is that order, a text[] of provider
// names (unlisted providers rank 99). Provider ids are filled only where no other
// track holds them (with the same `IS NOT NULL AND` guard as statement 1). The scalars come
// from one grouped pass over the batch's sources (`scalars`): a correlated subquery per field
// over a CTE scans the whole CTE for every track, quadratic in the batch size (11 x 500 x 500
// rows for a 500-row batch, about 600 ms). Only the winning value is cast.
constexpr const char* kMergeTracks = R"SQL(
WITH src AS (
  SELECT s.track_id, s.provider, s.fields,
         COALESCE(array_position($2::text[], s.provider), 99) AS prio
  FROM track_sources s WHERE s.track_id = ANY($1::bigint[]) AND s.status = 'ok'
),
scalars AS (
  SELECT track_id,
    (array_agg(fields->'duration_ms' ORDER BY prio, provider) FILTER (WHERE fields ? 'duration_ms'))[1] AS duration_ms,
    (array_agg(fields->'explicit' ORDER BY prio, provider) FILTER (WHERE fields ? 'explicit'))[1] AS explicit,
    (array_agg(fields->'popularity' ORDER BY prio, provider) FILTER (WHERE fields ? 'popularity'))[1] AS popularity,
    (array_agg(fields->'track_number' ORDER BY prio, provider) FILTER (WHERE fields ? 'track_number'))[1] AS track_number,
    (array_agg(fields->'release_date' ORDER BY prio, provider) FILTER (WHERE fields ? 'release_date'))[1] AS release_date,
    (array_agg(fields->'release_year' ORDER BY prio, provider) FILTER (WHERE fields ? 'release_year'))[1] AS release_year,
    (array_agg(fields->'audio_features' ORDER BY prio, provider) FILTER (WHERE fields ? 'audio_features'))[1] AS audio_features,
    (array_agg(fields->'isrc' ORDER BY prio, provider) FILTER (WHERE fields ? 'isrc'))[1] AS isrc,
    (array_agg(fields->'mbid' ORDER BY prio, provider) FILTER (WHERE fields ? 'mbid'))[1] AS mbid,
    (array_agg(fields->'spotify_id' ORDER BY prio, provider) FILTER (WHERE fields ? 'spotify_id'))[1] AS spotify_id,
    (array_agg(fields->'discogs_id' ORDER BY prio, provider) FILTER (WHERE fields ? 'discogs_id'))[1] AS discogs_id
  FROM src GROUP BY track_id
),
merged AS (
  SELECT d.track_id,
    COALESCE((SELECT array_agg(g ORDER BY n DESC, best, g) FROM (
        SELECT g, count(*) AS n, min(pos) AS best
        FROM track_sources s2, unnest(s2.genres) WITH ORDINALITY AS u(g, pos)
        WHERE s2.track_id = d.track_id GROUP BY g ORDER BY n DESC, best, g LIMIT 10) x), '{}') AS genres,
    COALESCE((SELECT array_agg(m ORDER BY n DESC, best, m) FROM (
        SELECT m, count(*) AS n, min(pos) AS best
        FROM track_sources s2, unnest(s2.moods) WITH ORDINALITY AS u(m, pos)
        WHERE s2.track_id = d.track_id GROUP BY m ORDER BY n DESC, best, m LIMIT 15) y), '{}') AS moods,
    (SELECT array_agg(provider ORDER BY provider) FROM track_sources s3 WHERE s3.track_id = d.track_id) AS providers,
    (sc.duration_ms #>> '{}')::int AS duration_ms,
    (sc.explicit #>> '{}')::boolean AS explicit,
    (sc.popularity #>> '{}')::smallint AS popularity,
    (sc.track_number #>> '{}')::smallint AS track_number,
    (sc.release_date #>> '{}')::date AS release_date,
    (sc.release_year #>> '{}')::smallint AS release_year,
    sc.audio_features,
    c.isrc AS isrc,
    c.mbid::uuid AS mbid,
    c.spotify_id AS spotify_id,
    (sc.discogs_id #>> '{}')::bigint AS discogs_id,
    -- How many tracks of this batch claim the same provider id: only a sole claimant may
    -- take it (NOT EXISTS below cannot see rows this statement updates).
    count(*) OVER (PARTITION BY c.isrc) AS isrc_claims,
    count(*) OVER (PARTITION BY c.mbid) AS mbid_claims,
    count(*) OVER (PARTITION BY c.spotify_id) AS spotify_claims,
    count(*) OVER (PARTITION BY sc.discogs_id #>> '{}') AS discogs_claims,
    -- The row that holds each claimed id already, if any (this one, or a twin to merge).
    (SELECT o.id FROM tracks o WHERE c.isrc IS NOT NULL AND o.isrc = c.isrc) AS isrc_holder,
    (SELECT o.id FROM tracks o WHERE c.mbid IS NOT NULL AND o.mbid = c.mbid::uuid) AS mbid_holder,
    (SELECT o.id FROM tracks o WHERE c.spotify_id IS NOT NULL AND o.spotify_id = c.spotify_id) AS spotify_holder,
    (SELECT o.id FROM tracks o WHERE sc.discogs_id IS NOT NULL AND o.discogs_id = (sc.discogs_id #>> '{}')::bigint) AS discogs_holder
  FROM (SELECT DISTINCT unnest($1::bigint[]) AS track_id) d JOIN tracks k ON k.id = d.track_id
  LEFT JOIN scalars sc ON sc.track_id = d.track_id
  -- The ids the row claims: the one its identity key names first (a job by ISRC whose ISRC
  -- another row took keeps claiming it), then the sources' by priority.
  CROSS JOIN LATERAL (SELECT
    COALESCE(CASE WHEN k.identity_key LIKE 'isrc:%' THEN substr(k.identity_key, 6) END, sc.isrc #>> '{}') AS isrc,
    COALESCE(CASE WHEN k.identity_key LIKE 'mbid:%' THEN substr(k.identity_key, 6) END, sc.mbid #>> '{}') AS mbid,
    COALESCE(CASE WHEN k.identity_key LIKE 'spotify:%' THEN substr(k.identity_key, 9) END, sc.spotify_id #>> '{}')
      AS spotify_id) c
),
updated AS (
UPDATE tracks t SET
  genres = m.genres, moods = m.moods, providers_done = m.providers,
  duration_ms = COALESCE(m.duration_ms, t.duration_ms),
  explicit = COALESCE(m.explicit, t.explicit),
  popularity = COALESCE(m.popularity, t.popularity),
  track_number = COALESCE(m.track_number, t.track_number),
  release_date = COALESCE(m.release_date, t.release_date),
  release_year = COALESCE(m.release_year, t.release_year),
  audio_features = COALESCE(m.audio_features, t.audio_features),
  isrc = COALESCE(t.isrc, CASE WHEN m.isrc IS NOT NULL AND m.isrc_claims = 1 AND m.isrc_holder IS NULL THEN m.isrc END),
  mbid = COALESCE(t.mbid, CASE WHEN m.mbid IS NOT NULL AND m.mbid_claims = 1 AND m.mbid_holder IS NULL THEN m.mbid END),
  spotify_id = COALESCE(t.spotify_id, CASE WHEN m.spotify_id IS NOT NULL AND m.spotify_claims = 1 AND m.spotify_holder IS NULL THEN m.spotify_id END),
  discogs_id = COALESCE(t.discogs_id, CASE WHEN m.discogs_id IS NOT NULL AND m.discogs_claims = 1 AND m.discogs_holder IS NULL THEN m.discogs_id END),
  updated_at = now(), enriched_at = now()
FROM merged m WHERE t.id = m.track_id
RETURNING t.id, m.isrc, m.isrc_holder, m.mbid::text AS mbid, m.mbid_holder, m.spotify_id, m.spotify_holder
)
-- Merge candidates (common/db/identity_merge.hpp): an id the row's sources name that another
-- row holds. Not tracks.discogs_id: it is the Discogs release, shared by all its tracks.
SELECT u.id, v.kind, v.value, v.other
FROM updated u, LATERAL (VALUES ('isrc', u.isrc, u.isrc_holder), ('mbid', u.mbid, u.mbid_holder),
                                ('spotify_id', u.spotify_id, u.spotify_holder)) AS v(kind, value, other)
WHERE v.other IS NOT NULL AND v.other <> u.id
)SQL";

// Aliases (album_aliases) resolve as in kUpsertTracks.
constexpr const char* kUpsertAlbums = R"SQL(
WITH keyed AS (
  SELECT x.*, COALESCE(s.identity_key, x.identity_key) AS row_key
  FROM jsonb_to_recordset($1::jsonb) AS x(
    identity_key text, artist text, artist_key text, title text, upc text, mbid uuid, spotify_id text,
    discogs_id bigint, provider text, status text, external_id text, genres jsonb,
    moods jsonb, fields jsonb, raw jsonb, job_id text)
  LEFT JOIN album_aliases al ON al.identity_key = x.identity_key
  LEFT JOIN albums s ON s.id = al.survivor_id
),
input AS (SELECT DISTINCT ON (row_key) * FROM keyed ORDER BY row_key, identity_key DESC),
upserted AS (
  INSERT INTO albums AS a (identity_key, artist_id, artist_name, title, upc, mbid, spotify_id, discogs_id)
  SELECT i.row_key, COALESCE(ar.id, (SELECT l.survivor_id FROM artist_aliases l WHERE l.name_key = i.artist_key)),
         i.artist, i.title,
         CASE WHEN i.upc IS NOT NULL AND NOT EXISTS (SELECT 1 FROM albums o WHERE o.upc = i.upc) THEN i.upc END,
         CASE WHEN i.mbid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM albums o WHERE o.mbid = i.mbid) THEN i.mbid END,
         CASE WHEN i.spotify_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM albums o WHERE o.spotify_id = i.spotify_id) THEN i.spotify_id END,
         CASE WHEN i.discogs_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM albums o WHERE o.discogs_id = i.discogs_id) THEN i.discogs_id END
  FROM input i LEFT JOIN artists ar ON ar.name_key = i.artist_key
  ORDER BY i.row_key
  ON CONFLICT (identity_key) DO UPDATE
    SET artist_id = COALESCE(a.artist_id, EXCLUDED.artist_id), updated_at = now()
  RETURNING a.id, a.identity_key, (a.xmax = 0) AS inserted
),
sources AS (
  INSERT INTO album_sources AS s (album_id, provider, status, external_id, fetched_at,
                                  genres, moods, fields, raw, job_id)
  SELECT u.id, i.provider, i.status, i.external_id, now(),
         ARRAY(SELECT jsonb_array_elements_text(i.genres)),
         ARRAY(SELECT jsonb_array_elements_text(i.moods)),
         i.fields, i.raw, i.job_id
  FROM input i JOIN upserted u ON u.identity_key = i.row_key
  ON CONFLICT (album_id, provider) DO UPDATE
    SET status = EXCLUDED.status, external_id = EXCLUDED.external_id,
        fetched_at = EXCLUDED.fetched_at, genres = EXCLUDED.genres, moods = EXCLUDED.moods,
        fields = EXCLUDED.fields, raw = EXCLUDED.raw, job_id = EXCLUDED.job_id
  RETURNING s.album_id
)
-- Albums are always merged (needs_merge true): their merge is cheap and fills their ids.
SELECT k.identity_key, u.id, true AS needs_merge, u.inserted
FROM keyed k JOIN upserted u ON u.identity_key = k.row_key
WHERE u.id IN (SELECT album_id FROM sources)
)SQL";

// Like kMergeTracks, scalars come from one grouped pass (`scalars`), not a subquery per album.
constexpr const char* kMergeAlbums = R"SQL(
WITH src AS (
  SELECT s.album_id, s.provider, s.fields,
         COALESCE(array_position($2::text[], s.provider), 99) AS prio
  FROM album_sources s WHERE s.album_id = ANY($1::bigint[]) AND s.status = 'ok'
),
scalars AS (
  SELECT album_id,
    (array_agg(fields->'release_date' ORDER BY prio, provider) FILTER (WHERE fields ? 'release_date'))[1] AS release_date,
    (array_agg(fields->'release_year' ORDER BY prio, provider) FILTER (WHERE fields ? 'release_year'))[1] AS release_year,
    (array_agg(fields->'aoty_critic_score' ORDER BY prio, provider) FILTER (WHERE fields ? 'aoty_critic_score'))[1] AS aoty_critic_score,
    (array_agg(fields->'aoty_user_score' ORDER BY prio, provider) FILTER (WHERE fields ? 'aoty_user_score'))[1] AS aoty_user_score,
    (array_agg(fields->'upc' ORDER BY prio, provider) FILTER (WHERE fields ? 'upc'))[1] AS upc,
    (array_agg(fields->'mbid' ORDER BY prio, provider) FILTER (WHERE fields ? 'mbid'))[1] AS mbid,
    (array_agg(fields->'spotify_id' ORDER BY prio, provider) FILTER (WHERE fields ? 'spotify_id'))[1] AS spotify_id,
    (array_agg(fields->'discogs_id' ORDER BY prio, provider) FILTER (WHERE fields ? 'discogs_id'))[1] AS discogs_id
  FROM src GROUP BY album_id
),
merged AS (
  SELECT d.album_id,
    COALESCE((SELECT array_agg(g ORDER BY n DESC, best, g) FROM (
        SELECT g, count(*) AS n, min(pos) AS best
        FROM album_sources s2, unnest(s2.genres) WITH ORDINALITY AS u(g, pos)
        WHERE s2.album_id = d.album_id GROUP BY g ORDER BY n DESC, best, g LIMIT 10) x), '{}') AS genres,
    COALESCE((SELECT array_agg(m ORDER BY n DESC, best, m) FROM (
        SELECT m, count(*) AS n, min(pos) AS best
        FROM album_sources s2, unnest(s2.moods) WITH ORDINALITY AS u(m, pos)
        WHERE s2.album_id = d.album_id GROUP BY m ORDER BY n DESC, best, m LIMIT 15) y), '{}') AS moods,
    (sc.release_date #>> '{}')::date AS release_date,
    (sc.release_year #>> '{}')::smallint AS release_year,
    (sc.aoty_critic_score #>> '{}')::real AS aoty_critic_score,
    (sc.aoty_user_score #>> '{}')::real AS aoty_user_score,
    c.upc AS upc,
    c.mbid::uuid AS mbid,
    c.spotify_id AS spotify_id,
    c.discogs_id::bigint AS discogs_id,
    count(*) OVER (PARTITION BY c.upc) AS upc_claims,
    count(*) OVER (PARTITION BY c.mbid) AS mbid_claims,
    count(*) OVER (PARTITION BY c.spotify_id) AS spotify_claims,
    count(*) OVER (PARTITION BY c.discogs_id) AS discogs_claims,
    (SELECT o.id FROM albums o WHERE c.upc IS NOT NULL AND o.upc = c.upc) AS upc_holder,
    (SELECT o.id FROM albums o WHERE c.mbid IS NOT NULL AND o.mbid = c.mbid::uuid) AS mbid_holder,
    (SELECT o.id FROM albums o WHERE c.spotify_id IS NOT NULL AND o.spotify_id = c.spotify_id) AS spotify_holder,
    (SELECT o.id FROM albums o WHERE c.discogs_id IS NOT NULL AND o.discogs_id = c.discogs_id::bigint) AS discogs_holder
  FROM (SELECT DISTINCT unnest($1::bigint[]) AS album_id) d JOIN albums k ON k.id = d.album_id
  LEFT JOIN scalars sc ON sc.album_id = d.album_id
  -- The ids the row claims, as in kMergeTracks: its identity key's first, then the sources'.
  CROSS JOIN LATERAL (SELECT
    COALESCE(CASE WHEN k.identity_key LIKE 'upc:%' THEN substr(k.identity_key, 5) END, sc.upc #>> '{}') AS upc,
    COALESCE(CASE WHEN k.identity_key LIKE 'mbid:%' THEN substr(k.identity_key, 6) END, sc.mbid #>> '{}') AS mbid,
    COALESCE(CASE WHEN k.identity_key LIKE 'spotify:%' THEN substr(k.identity_key, 9) END, sc.spotify_id #>> '{}')
      AS spotify_id,
    COALESCE(CASE WHEN k.identity_key LIKE 'discogs:%' THEN substr(k.identity_key, 9) END, sc.discogs_id #>> '{}')
      AS discogs_id) c
),
updated AS (
UPDATE albums a SET genres = m.genres, moods = m.moods,
  release_date = COALESCE(m.release_date, a.release_date),
  release_year = COALESCE(m.release_year, a.release_year),
  aoty_critic_score = m.aoty_critic_score, aoty_user_score = m.aoty_user_score,
  upc = COALESCE(a.upc, CASE WHEN m.upc IS NOT NULL AND m.upc_claims = 1 AND m.upc_holder IS NULL THEN m.upc END),
  mbid = COALESCE(a.mbid, CASE WHEN m.mbid IS NOT NULL AND m.mbid_claims = 1 AND m.mbid_holder IS NULL THEN m.mbid END),
  spotify_id = COALESCE(a.spotify_id, CASE WHEN m.spotify_id IS NOT NULL AND m.spotify_claims = 1 AND m.spotify_holder IS NULL THEN m.spotify_id END),
  discogs_id = COALESCE(a.discogs_id, CASE WHEN m.discogs_id IS NOT NULL AND m.discogs_claims = 1 AND m.discogs_holder IS NULL THEN m.discogs_id END),
  updated_at = now()
FROM merged m WHERE a.id = m.album_id
RETURNING a.id, m.upc, m.upc_holder, m.mbid::text AS mbid, m.mbid_holder, m.spotify_id, m.spotify_holder,
          m.discogs_id::text AS discogs_id, m.discogs_holder
)
-- Merge candidates, as in kMergeTracks.
SELECT u.id, v.kind, v.value, v.other
FROM updated u, LATERAL (VALUES ('upc', u.upc, u.upc_holder), ('mbid', u.mbid, u.mbid_holder),
                                ('spotify_id', u.spotify_id, u.spotify_holder),
                                ('discogs_id', u.discogs_id, u.discogs_holder)) AS v(kind, value, other)
WHERE v.other IS NOT NULL AND v.other <> u.id
)SQL";

// Statement 1b: which of the keys a merge has absorbed (`$1` text[]: the upsert's new rows).
const char* AliasCheckOf(Entity entity) {
  return entity == Entity::kTrack ? "SELECT 1 FROM track_aliases WHERE identity_key = ANY($1::text[]) LIMIT 1"
                                  : "SELECT 1 FROM album_aliases WHERE identity_key = ANY($1::text[]) LIMIT 1";
}

// Thrown inside a write attempt when a concurrent merge absorbed one of its rows: replayed.
class AbsorbedMeanwhile : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void String(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void OptString(Writer& w, const char* key, const std::optional<std::string>& value) {
  w.Key(key);
  if (value && !value->empty()) w.String(value->data(), static_cast<rapidjson::SizeType>(value->size()));
  else w.Null();
}
void OptInt(Writer& w, const char* key, const std::optional<std::int64_t>& value) {
  w.Key(key);
  if (value) w.Int64(*value);
  else w.Null();
}
void StringArray(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

// The effects as kRecordEffects' parameters: per provider, its job ids and follow-up ids
// (a job in the batch twice is named twice).
struct EffectRow {
  std::vector<std::string> job_ids;
  std::vector<std::int64_t> followup_ids;
};
std::map<std::string, EffectRow> EffectRows(const std::vector<JobEffect>& effects) {
  std::map<std::string, EffectRow> rows;
  for (const auto& effect : effects) {
    auto& row = rows[effect.provider];
    row.job_ids.push_back(effect.job_id);
    row.followup_ids.push_back(effect.followup_ids);
  }
  return rows;
}

// Embeds `json` (which must be valid JSON) as a value; invalid text is stored as a string.
void RawJson(Writer& w, const char* key, const std::optional<std::string>& json) {
  w.Key(key);
  if (!json) {
    w.Null();
    return;
  }
  rapidjson::Document doc;
  doc.Parse(json->data(), json->size());
  if (doc.HasParseError()) {
    w.String(json->data(), static_cast<rapidjson::SizeType>(json->size()));
    return;
  }
  doc.Accept(w);
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "YYYY-MM-DD" -> date and year; "YYYY-MM" and "YYYY" -> year only; anything else -> nothing.
void ReleaseDate(Writer& w, const std::optional<std::string>& date) {
  if (!date || date->size() < 4 || !IsDigits(std::string_view(*date).substr(0, 4))) return;
  int year = 0;
  std::from_chars(date->data(), date->data() + 4, year);
  if (year < 1000 || year > 9999) return;
  if (date->size() == 10 && (*date)[4] == '-' && (*date)[7] == '-' &&
      IsDigits(std::string_view(*date).substr(5, 2)) && IsDigits(std::string_view(*date).substr(8, 2))) {
    int month = std::stoi(date->substr(5, 2));
    int day = std::stoi(date->substr(8, 2));
    // A real calendar day: "2020-02-30" would make PostgreSQL refuse the whole batch.
    std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                    std::chrono::day{static_cast<unsigned>(day)}};
    if (ymd.ok()) String(w, "release_date", *date);
  }
  w.Key("release_year");
  w.Int(year);
}

void TrackFieldsJson(Writer& w, const catalog::TrackFields& f) {
  w.Key("fields");
  w.StartObject();
  if (f.title) String(w, "title", *f.title);
  if (f.duration_ms && *f.duration_ms >= 0) { w.Key("duration_ms"); w.Int(*f.duration_ms); }
  if (f.is_explicit) { w.Key("explicit"); w.Bool(*f.is_explicit); }
  if (f.popularity) { w.Key("popularity"); w.Int(std::clamp(*f.popularity, 0, 100)); }
  if (f.track_number && *f.track_number >= 1 && *f.track_number <= 32767) { w.Key("track_number"); w.Int(*f.track_number); }
  ReleaseDate(w, f.release_date);
  if (f.artist_credit && !f.artist_credit->empty()) String(w, "artist_credit", *f.artist_credit);
  if (f.isrc) {
    std::string isrc = NormalizeIsrc(*f.isrc);
    if (!isrc.empty()) String(w, "isrc", isrc);
  }
  if (f.mbid) {
    std::string mbid = NormalizeMbid(*f.mbid);
    if (!mbid.empty()) String(w, "mbid", mbid);
  }
  if (f.spotify_id && !f.spotify_id->empty()) String(w, "spotify_id", *f.spotify_id);
  if (f.discogs_id && *f.discogs_id > 0) { w.Key("discogs_id"); w.Int64(*f.discogs_id); }
  if (f.audio_features_json) {
    rapidjson::Document doc;
    doc.Parse(f.audio_features_json->data(), f.audio_features_json->size());
    if (!doc.HasParseError() && doc.IsObject()) {
      w.Key("audio_features");
      doc.Accept(w);
    }
  }
  w.EndObject();
}

void AlbumFieldsJson(Writer& w, const catalog::AlbumFields& f) {
  w.Key("fields");
  w.StartObject();
  if (f.title) String(w, "title", *f.title);
  ReleaseDate(w, f.release_date);
  if (f.artist_credit && !f.artist_credit->empty()) String(w, "artist_credit", *f.artist_credit);
  // Normalized like the id columns: the merge fills those from these (kMergeAlbums).
  if (f.upc) {
    std::string upc = NormalizeUpc(*f.upc);
    if (!upc.empty()) String(w, "upc", upc);
  }
  if (f.mbid) {
    std::string mbid = NormalizeMbid(*f.mbid);
    if (!mbid.empty()) String(w, "mbid", mbid);
  }
  if (f.spotify_id && !f.spotify_id->empty()) String(w, "spotify_id", *f.spotify_id);
  if (f.discogs_id && *f.discogs_id > 0) { w.Key("discogs_id"); w.Int64(*f.discogs_id); }
  if (f.total_tracks) { w.Key("total_tracks"); w.Int(*f.total_tracks); }
  if (f.label) String(w, "label", *f.label);
  if (f.aoty_critic_score) { w.Key("aoty_critic_score"); w.Double(*f.aoty_critic_score); }
  if (f.aoty_critic_count) { w.Key("aoty_critic_count"); w.Int(*f.aoty_critic_count); }
  if (f.aoty_user_score) { w.Key("aoty_user_score"); w.Double(*f.aoty_user_score); }
  if (f.aoty_user_count) { w.Key("aoty_user_count"); w.Int(*f.aoty_user_count); }
  w.EndObject();
}

const char* StatusName(catalog::SourceStatus status) {
  return status == catalog::SourceStatus::kOk ? "ok" : "not_found";
}

std::string OptionalOrEmpty(const std::optional<std::string>& value) { return value ? *value : std::string(); }

// Artist name keys this process has seen committed: a batch whose artists are all known
// skips kInsertArtists (at steady state most are; measured in docs/BENCHMARKS.md). Bounded:
// cleared when full. (An artist row deleted by hand is re-created only after a restart.)
using KnownArtists = std::unordered_set<std::string>;
constexpr std::size_t kKnownArtistsCap = 200'000;

// The provider artist ids a record carries for its job's artist (artists.mbid, spotify_id,
// discogs_id), normalized; empty / 0 = not known.
struct ArtistIds {
  std::string mbid;
  std::string spotify_id;
  std::int64_t discogs_id = 0;
};

// A UUID in its canonical text form: anything else would fail the whole batch's uuid cast.
bool IsUuidText(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

template <typename Fields>
ArtistIds ArtistIdsOf(const Fields& f) {
  std::string mbid = f.artist_mbid ? NormalizeMbid(*f.artist_mbid) : std::string();
  if (!IsUuidText(mbid)) mbid.clear();
  return {std::move(mbid), f.artist_spotify_id.value_or(""),
          f.artist_discogs_id && *f.artist_discogs_id > 0 ? *f.artist_discogs_id : 0};
}

// The batch's distinct artists by name key (the first spelling seen names a new artist);
// Add() returns the key for the row's own "artist_key".
class BatchArtists {
 public:
  // `ids`: the artist's provider ids when the record knows them (per kind, the first one seen
  // for a key, and for an id, wins).
  const std::string& Add(const std::string& artist, const ArtistIds& ids = {}) {
    std::string key = NameKey(artist);
    const std::string& stored = artists_.emplace(std::move(key), artist).first->first;
    if (stored.empty()) return stored;
    ArtistIds& mine = ids_[stored];
    if (!ids.mbid.empty() && mine.mbid.empty() && claimed_.insert("mbid:" + ids.mbid).second) mine.mbid = ids.mbid;
    if (!ids.spotify_id.empty() && mine.spotify_id.empty() && claimed_.insert("spotify:" + ids.spotify_id).second) {
      mine.spotify_id = ids.spotify_id;
    }
    if (ids.discogs_id > 0 && mine.discogs_id == 0 &&
        claimed_.insert("discogs:" + std::to_string(ids.discogs_id)).second) {
      mine.discogs_id = ids.discogs_id;
    }
    return stored;
  }
  // kSetArtistIds' input: the ids not in `known` (set, or found held, by this process
  // already: KnownIdOf); nullopt when there are none.
  std::optional<std::string> IdsJson(const std::set<std::string>& known) const {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartArray();
    bool any = false;
    for (const auto& [key, ids] : ids_) {
      bool mbid = !ids.mbid.empty() && !known.contains(KnownIdOf("mbid", key));
      bool spotify = !ids.spotify_id.empty() && !known.contains(KnownIdOf("spotify_id", key));
      bool discogs = ids.discogs_id > 0 && !known.contains(KnownIdOf("discogs_id", key));
      if (!mbid && !spotify && !discogs) continue;
      any = true;
      w.StartObject();
      String(w, "artist_key", key);
      OptString(w, "mbid", mbid ? std::optional<std::string>(ids.mbid) : std::nullopt);
      OptString(w, "spotify_id", spotify ? std::optional<std::string>(ids.spotify_id) : std::nullopt);
      OptInt(w, "discogs_id", discogs ? std::optional<std::int64_t>(ids.discogs_id) : std::nullopt);
      w.EndObject();
    }
    w.EndArray();
    if (!any) return std::nullopt;
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  // kInsertArtists' input: the artists not in `known`; nullopt when there are none.
  std::optional<std::string> Json(const KnownArtists& known) const {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartArray();
    bool any = false;
    for (const auto& [key, name] : artists_) {
      if (key.empty() || known.contains(key)) continue;
      any = true;
      w.StartObject();
      String(w, "artist", name);
      String(w, "artist_key", key);
      w.EndObject();
    }
    w.EndArray();
    if (!any) return std::nullopt;
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  // After the commit: these artists exist.
  void Remember(KnownArtists& known) const {
    if (known.size() + artists_.size() > kKnownArtistsCap) known.clear();
    for (const auto& entry : artists_) known.insert(entry.first);
  }
  void RememberIds(std::set<std::string>& known) const {
    if (known.size() + 3 * ids_.size() > kKnownArtistsCap) known.clear();
    for (const auto& [key, ids] : ids_) {
      if (!ids.mbid.empty()) known.insert(KnownIdOf("mbid", key));
      if (!ids.spotify_id.empty()) known.insert(KnownIdOf("spotify_id", key));
      if (ids.discogs_id > 0) known.insert(KnownIdOf("discogs_id", key));
    }
  }

 private:
  static std::string KnownIdOf(std::string_view kind, const std::string& key) {
    return std::string(kind) + ':' + key;
  }

  std::map<std::string, std::string> artists_;  // key -> name
  std::map<std::string, ArtistIds> ids_;        // key -> the provider ids to set
  std::set<std::string> claimed_;               // kind:id, claimed by a key of this batch
};

// Provider ids from jobs: the first row of a batch to claim one keeps it; the others write
// NULL (two rows of one statement cannot take one unique id).
class IdClaims {
 public:
  std::optional<std::string> Claim(const std::string& kind, const std::string& id) {
    if (id.empty() || !seen_.insert(kind + ":" + id).second) return std::nullopt;
    return id;
  }

 private:
  std::set<std::string> seen_;
};

template <typename Record>
std::vector<const Record*> Pointers(std::span<const Record> records) {
  std::vector<const Record*> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(&r);
  return out;
}

// The albums' tracklists of a WriteAlbums: entries as kTracklistInput's JSON array, and the
// providers whose unconfirmed album_tracks rows to read back (the batch's, for every album).
struct Tracklists {
  std::string json;                  // empty: no tracklist in the batch
  std::set<std::string> providers;   // empty: read nothing back
};

// An unconfirmed album_tracks row as a track job's content. The job must land on the row the
// position links: it carries the one id the row's identity key names, and for a name: key an
// artist and title whose name key is the row's (the stored spelling, else the key's own parts,
// when a merge changed the title since).
AlbumTrackJob TrackJobOf(std::int64_t album_id, std::int32_t disc, std::int32_t position, std::int64_t track_id,
                         std::string identity_key, std::string artist, std::string title, std::string album,
                         std::optional<std::int32_t> duration_ms) {
  AlbumTrackJob job{album_id, disc, position, track_id, std::move(identity_key), std::move(artist), std::move(title),
                    std::move(album), duration_ms};
  constexpr std::string_view kName = "name:";
  if (std::string_view(job.identity_key).starts_with(kName)) {
    std::string name_key = job.identity_key.substr(kName.size());
    if (TrackNameKey(job.artist, job.title) != name_key) {
      auto separator = name_key.find(kNameKeySeparator);
      if (separator != std::string::npos) {
        job.artist = name_key.substr(0, separator);
        job.title = name_key.substr(separator + 1);
      }
    }
  }
  return job;
}

}  // namespace

struct CatalogWriter::Impl {
  Impl(std::string dsn, const std::vector<std::string>& merge_priority)
      : session(std::move(dsn)), merge_priority_array(TextArray(merge_priority)) {}

  Session session;  // JIT off (SessionSettings says why)
  std::string merge_priority_array;  // the merge statements' $2
  KnownArtists known_artists;
  std::set<std::string> known_artist_ids;  // kind:artist key, whose id this process has set (or found held)
  // The last WriteAlbums' unconfirmed album_tracks rows (kSelectTrackJobs), for WriteJobs.
  std::vector<AlbumTrackJob> track_jobs;
  // The last write's merge candidates (its merge statement's rows), merged after its commit.
  std::vector<MergeCandidate> candidates;
  // The merges and conflicts of the current WriteJobs (or WriteTracks / WriteAlbums) call.
  std::vector<MergeResult> identity;

  // One statement pair per entity: the records as one JSON array, upserted then merged.
  core::Result<std::vector<std::int64_t>> WriteTracks(const std::vector<const catalog::TrackRecord*>& records,
                                                      const std::vector<JobEffect>& effects);
  core::Result<std::vector<std::int64_t>> WriteAlbums(const std::vector<const catalog::AlbumRecord*>& records,
                                                      const std::vector<JobEffect>& effects);

  // Inserts the new ones of `artists` (kInsertArtists), then runs `input_json` through
  // `upsert` then `merge`, in one transaction; then merges the rows that turned out to be
  // one (MergeRows, a transaction each). Returns the row id of each of `keys` (identity keys,
  // in the callers' input order): a row a merge absorbed is named by its survivor.
  core::Result<std::vector<std::int64_t>> Write(Entity entity, const BatchArtists& artists, const char* upsert,
                                                const char* merge, const std::string& input_json,
                                                const std::vector<std::string>& keys,
                                                const std::vector<JobEffect>& effects,
                                                const Tracklists& tracklists = {}) {
    auto written = WriteRows(entity, artists, upsert, merge, input_json, keys, effects, tracklists);
    if (!written || candidates.empty()) return written;
    auto merged = MergeCandidates(merge);
    if (!merged) return merged.error();
    for (auto& id : *written) id = Survivor(entity, id);
    return written;
  }

  // Merges `candidates` (and what each merge finds in turn) one transaction each, into
  // `identity`. A deadlock or serialization failure (a writer or another merge locked the
  // rows in another order) is replayed; so is a unique violation (a writer's claim meanwhile).
  core::Result<void> MergeCandidates(const char* merge) {
    constexpr int kAttempts = 5;
    constexpr std::size_t kMaxMerges = 1000;  // per write: a bound, not a limit one meets
    std::vector<MergeCandidate> todo = std::move(candidates);
    candidates.clear();
    std::size_t done = 0;
    return session.Run([&]() -> core::Result<void> {
      while (!todo.empty() && done++ < kMaxMerges) {
        MergeCandidate candidate = std::move(todo.back());
        todo.pop_back();
        for (int attempt = 1;; ++attempt) {
          try {
            MergeResult result = MergeRows(session.Connection(), candidate, merge, merge_priority_array);
            for (auto& more : result.more) todo.push_back(std::move(more));
            result.more.clear();
            identity.push_back(std::move(result));
            break;
          } catch (const pqxx::transaction_rollback&) {
            if (attempt >= kAttempts) throw;
          } catch (const pqxx::unique_violation&) {
            if (attempt >= kAttempts) throw;
          }
        }
      }
      return core::Ok();
    });
  }

  // `id` (a row of `entity`), or the survivor of the merges of this write that absorbed it.
  std::int64_t Survivor(Entity entity, std::int64_t id) const {
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& m : identity) {
        if (m.outcome == MergeOutcome::kMerged && m.entity == entity && m.absorbed == id) {
          id = m.survivor;
          changed = true;
        }
      }
    }
    return id;
  }

  core::Result<std::vector<std::int64_t>> WriteRows(Entity entity, const BatchArtists& artists, const char* upsert,
                                                    const char* merge, const std::string& input_json,
                                                    const std::vector<std::string>& keys,
                                                    const std::vector<JobEffect>& effects,
                                                    const Tracklists& tracklists) {
    // A provider id is claimed only where no other row holds it (NOT EXISTS), but a claim by
    // a concurrent, not yet committed transaction is invisible to that check: tracks of one
    // Discogs release all carry its id, and several providers' merges claim it at once. The
    // loser gets a unique violation; replayed, its statements see the winner's committed
    // claim and skip it. A conflict still there after kAttempts is deterministic: the
    // runtime then retries the batch one job at a time and dead-letters the culprit.
    // The connection stays open across these replays; any other failure drops it (Run).
    constexpr int kAttempts = 5;
    return session.Run([&]() -> core::Result<std::vector<std::int64_t>> {
      for (int attempt = 1;; ++attempt) {
        try {
          return WriteOnce(entity, artists, upsert, merge, input_json, keys, effects, tracklists);
        } catch (const pqxx::unique_violation& e) {
          if (attempt < kAttempts) continue;
          return DatabaseError(e, session.dsn());
        } catch (const AbsorbedMeanwhile& e) {
          if (attempt < kAttempts) continue;
          return core::Error::Transient(e.what());
        } catch (const pqxx::foreign_key_violation& e) {
          // An artist merge deleted the row this attempt's snapshot named (it locks the row
          // before the upsert's foreign key check can): replayed, the alias names the survivor.
          if (attempt < kAttempts) continue;
          return DatabaseError(e, session.dsn());
        } catch (const pqxx::deadlock_detected& e) {
          // A merge locks artist rows, then their tracks and albums; this attempt may hold a
          // track and wait for its artist's key-share lock.
          if (attempt < kAttempts) continue;
          return DatabaseError(e, session.dsn());
        }
      }
    });
  }

  // One attempt of Write; throws what pqxx throws.
  core::Result<std::vector<std::int64_t>> WriteOnce(Entity entity, const BatchArtists& artists, const char* upsert,
                                                    const char* merge, const std::string& input_json,
                                                    const std::vector<std::string>& keys,
                                                    const std::vector<JobEffect>& effects,
                                                    const Tracklists& tracklists) {
    track_jobs.clear();
    candidates.clear();
    pqxx::work tx(session.Connection());
    if (auto new_artists = artists.Json(known_artists)) tx.exec_params(kInsertArtists, *new_artists);
    std::vector<MergeCandidate> artist_candidates;
    if (auto ids = artists.IdsJson(known_artist_ids)) {
      artist_candidates = CandidatesOf(tx.exec_params(kSetArtistIds, *ids), Entity::kArtist);
    }
    pqxx::result rows = tx.exec_params(upsert, input_json);
    std::unordered_map<std::string, std::int64_t> ids;
    std::vector<std::int64_t> touched;
    std::vector<std::string> inserted;
    for (const auto& row : rows) {
      ids.emplace(row[0].as<std::string>(), row[1].as<std::int64_t>());
      if (row[2].as<bool>()) touched.push_back(row[1].as<std::int64_t>());
      if (row[3].as<bool>()) inserted.push_back(row[0].as<std::string>());
    }
    // A merge that absorbed a row this upsert met (it waited on the row's lock) leaves the
    // upsert inserting a new row under the absorbed key: replay, and the alias resolves it.
    if (!inserted.empty() && !tx.exec_params(AliasCheckOf(entity), TextArray(inserted)).empty()) {
      throw AbsorbedMeanwhile("a merge absorbed a row of this batch while it was written");
    }
    if (!touched.empty()) {
      candidates = CandidatesOf(tx.exec_params(merge, BigintArray(touched), merge_priority_array), entity);
    }
    // Artists first: MergeCandidates takes them from the back.
    candidates.insert(candidates.end(), artist_candidates.begin(), artist_candidates.end());
    if (!tracklists.json.empty()) {
      tx.exec_params(std::string(kTracklistInput) + kInsertTracklistTracks, tracklists.json);
      tx.exec_params(std::string(kTracklistInput) + kLinkAlbumTracks, tracklists.json);
    }
    if (!tracklists.providers.empty()) {
      std::vector<std::int64_t> album_ids;
      for (const auto& row : rows) album_ids.push_back(row[1].as<std::int64_t>());
      for (const auto& provider : tracklists.providers) {
        for (const auto& row : tx.exec_params(kSelectTrackJobs, BigintArray(album_ids), provider)) {
          track_jobs.push_back(TrackJobOf(row[0].as<std::int64_t>(), row[1].as<std::int32_t>(),
                                          row[2].as<std::int32_t>(), row[3].as<std::int64_t>(),
                                          row[4].as<std::string>(), row[5].as<std::string>(),
                                          row[6].as<std::string>(), row[7].as<std::string>(),
                                          row[8].is_null() ? std::nullopt
                                                           : std::optional<std::int32_t>(row[8].as<std::int32_t>())));
        }
      }
    }
    for (const auto& [provider, row] : EffectRows(effects)) {
      tx.exec_params(kRecordEffects, provider, TextArray(row.job_ids), BigintArray(row.followup_ids));
    }
    tx.commit();
    artists.Remember(known_artists);
    artists.RememberIds(known_artist_ids);
    std::vector<std::int64_t> out;
    out.reserve(keys.size());
    for (const auto& key : keys) {
      auto it = ids.find(key);
      if (it == ids.end()) return core::Error::Transient("upsert returned no row for " + key);
      out.push_back(it->second);
    }
    return out;
  }
};

CatalogWriter::CatalogWriter(std::string dsn, std::vector<std::string> merge_priority)
    : impl_(std::make_unique<Impl>(std::move(dsn), merge_priority)) {}

CatalogWriter::~CatalogWriter() = default;

core::Result<void> CatalogWriter::Ping() { return impl_->session.Ping(); }

core::Result<void> CatalogWriter::MarkTrackJobsPublished(const std::vector<AlbumTrackJob>& rows) {
  if (rows.empty()) return core::Ok();
  std::vector<std::int64_t> albums;
  std::vector<std::int64_t> discs;
  std::vector<std::int64_t> positions;
  for (const auto& row : rows) {
    albums.push_back(row.album_id);
    discs.push_back(row.disc);
    positions.push_back(row.position);
  }
  return impl_->session.Run([&] {
    pqxx::work tx(impl_->session.Connection());
    tx.exec_params(kMarkTrackJobsPublished, BigintArray(albums), BigintArray(discs), BigintArray(positions));
    tx.commit();
  });
}

core::Result<std::vector<std::int64_t>> CatalogWriter::WriteTracks(const std::vector<catalog::TrackRecord>& records,
                                                                   const std::vector<JobEffect>& effects) {
  impl_->identity.clear();
  return impl_->WriteTracks(Pointers(std::span<const catalog::TrackRecord>(records)), effects);
}

core::Result<std::vector<std::int64_t>> CatalogWriter::WriteAlbums(const std::vector<catalog::AlbumRecord>& records,
                                                                   const std::vector<JobEffect>& effects) {
  impl_->identity.clear();
  return impl_->WriteAlbums(Pointers(std::span<const catalog::AlbumRecord>(records)), effects);
}

core::Result<std::vector<JobIds>> CatalogWriter::WriteJobs(const std::vector<JobRows>& jobs) {
  std::vector<const catalog::TrackRecord*> tracks;
  std::vector<const catalog::AlbumRecord*> albums;
  std::vector<JobEffect> effects;
  for (const auto& job : jobs) {
    for (const auto& t : job.tracks) tracks.push_back(&t);
    for (const auto& a : job.albums) albums.push_back(&a);
    if (job.effect) effects.push_back(*job.effect);
  }
  static const std::vector<JobEffect> kCountedWithTheAlbums;
  impl_->identity.clear();
  std::vector<std::int64_t> track_ids;
  std::vector<std::int64_t> album_ids;
  if (!tracks.empty()) {
    auto written = impl_->WriteTracks(tracks, albums.empty() ? effects : kCountedWithTheAlbums);
    if (!written) return written.error();
    track_ids = std::move(*written);
  }
  if (!albums.empty()) {
    auto written = impl_->WriteAlbums(albums, effects);
    if (!written) return written.error();
    album_ids = std::move(*written);
  }
  std::vector<JobIds> out;
  out.reserve(jobs.size());
  auto next_track = track_ids.begin();
  auto next_album = album_ids.begin();
  // Each album's unconfirmed positions go to the first job of the batch that wrote the album,
  // so a batch publishes a track job once even when the album job came twice.
  std::map<std::int64_t, std::vector<AlbumTrackJob>> track_jobs;
  if (!albums.empty()) {
    for (auto& row : impl_->track_jobs) track_jobs[row.album_id].push_back(std::move(row));
    impl_->track_jobs.clear();
  }
  for (const auto& job : jobs) {
    auto tracks_end = next_track + static_cast<std::ptrdiff_t>(job.tracks.size());
    auto albums_end = next_album + static_cast<std::ptrdiff_t>(job.albums.size());
    JobIds ids{{next_track, tracks_end}, {next_album, albums_end}, {}, {}};
    for (auto album_id : ids.albums) {
      auto it = track_jobs.find(album_id);
      if (it == track_jobs.end()) continue;
      for (auto& row : it->second) ids.track_jobs.push_back(std::move(row));
      track_jobs.erase(it);
    }
    if (out.empty()) ids.identity = std::move(impl_->identity);
    out.push_back(std::move(ids));
    next_track = tracks_end;
    next_album = albums_end;
  }
  return out;
}

core::Result<std::vector<std::int64_t>> CatalogWriter::Impl::WriteTracks(
    const std::vector<const catalog::TrackRecord*>& records, const std::vector<JobEffect>& effects) {
  std::vector<std::string> keys;
  keys.reserve(records.size());
  // Last record per identity key wins: one statement may not touch a row twice.
  std::map<std::string, const catalog::TrackRecord*> unique;
  for (const auto* record : records) {
    const catalog::TrackRecord& r = *record;
    auto key = TrackIdentityKey({r.ref.artist, r.ref.title, OptionalOrEmpty(r.ref.isrc), OptionalOrEmpty(r.ref.mbid),
                                 OptionalOrEmpty(r.ref.spotify_id)});
    if (!key) return key.error();
    keys.push_back(*key);
    unique[*key] = &r;
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  IdClaims claims;
  BatchArtists artists;
  for (const auto& [key, r] : unique) {
    w.StartObject();
    String(w, "identity_key", key);
    String(w, "name_key", TrackNameKey(r->ref.artist, r->ref.title));
    String(w, "artist", r->ref.artist);
    String(w, "artist_key", artists.Add(r->ref.artist, ArtistIdsOf(r->fields)));
    String(w, "title", r->ref.title);
    OptString(w, "album", r->ref.album);
    std::string isrc = r->ref.isrc ? NormalizeIsrc(*r->ref.isrc) : "";
    std::string mbid = r->ref.mbid ? NormalizeMbid(*r->ref.mbid) : "";
    std::string spotify = OptionalOrEmpty(r->ref.spotify_id);
    std::string discogs = r->ref.discogs_id ? std::to_string(*r->ref.discogs_id) : "";
    OptString(w, "isrc", claims.Claim("isrc", isrc));
    OptString(w, "mbid", claims.Claim("mbid", mbid));
    OptString(w, "spotify_id", claims.Claim("spotify", spotify));
    OptInt(w, "discogs_id", claims.Claim("discogs", discogs) ? r->ref.discogs_id : std::nullopt);
    String(w, "provider", r->provider);
    String(w, "status", StatusName(r->status));
    OptString(w, "external_id", r->external_id);
    StringArray(w, "genres", r->genres);
    StringArray(w, "moods", r->moods);
    TrackFieldsJson(w, r->fields);
    RawJson(w, "raw", r->raw_json);
    String(w, "job_id", r->job_id);
    w.EndObject();
  }
  w.EndArray();
  return Write(Entity::kTrack, artists, kUpsertTracks, kMergeTracks, std::string(buffer.GetString(), buffer.GetSize()),
                      keys, effects);
}

core::Result<std::vector<std::int64_t>> CatalogWriter::Impl::WriteAlbums(
    const std::vector<const catalog::AlbumRecord*>& records, const std::vector<JobEffect>& effects) {
  std::vector<std::string> keys;
  keys.reserve(records.size());
  std::map<std::string, const catalog::AlbumRecord*> unique;
  for (const auto* record : records) {
    const catalog::AlbumRecord& r = *record;
    auto key = AlbumIdentityKey({r.ref.artist, r.ref.title, OptionalOrEmpty(r.ref.upc), OptionalOrEmpty(r.ref.mbid),
                                 OptionalOrEmpty(r.ref.spotify_id), r.ref.discogs_id});
    if (!key) return key.error();
    keys.push_back(*key);
    unique[*key] = &r;
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  IdClaims claims;
  BatchArtists artists;
  for (const auto& [key, r] : unique) {
    w.StartObject();
    String(w, "identity_key", key);
    String(w, "artist", r->ref.artist);
    String(w, "artist_key", artists.Add(r->ref.artist, ArtistIdsOf(r->fields)));
    String(w, "title", r->ref.title);
    std::string upc = r->ref.upc ? NormalizeUpc(*r->ref.upc) : "";
    std::string mbid = r->ref.mbid ? NormalizeMbid(*r->ref.mbid) : "";
    std::string spotify = OptionalOrEmpty(r->ref.spotify_id);
    std::string discogs = r->ref.discogs_id ? std::to_string(*r->ref.discogs_id) : "";
    OptString(w, "upc", claims.Claim("upc", upc));
    OptString(w, "mbid", claims.Claim("mbid", mbid));
    OptString(w, "spotify_id", claims.Claim("spotify", spotify));
    OptInt(w, "discogs_id", claims.Claim("discogs", discogs) ? r->ref.discogs_id : std::nullopt);
    String(w, "provider", r->provider);
    String(w, "status", StatusName(r->status));
    OptString(w, "external_id", r->external_id);
    StringArray(w, "genres", r->genres);
    StringArray(w, "moods", r->moods);
    AlbumFieldsJson(w, r->fields);
    RawJson(w, "raw", r->raw_json);
    String(w, "job_id", r->job_id);
    w.EndObject();
  }
  w.EndArray();
  // The tracklists: one entry per position, keyed like a track job would be.
  Tracklists tracklists;
  rapidjson::StringBuffer tracklist_buffer;
  Writer t(tracklist_buffer);
  t.StartArray();
  bool any_entry = false;
  for (const auto& [album_key, r] : unique) {
    tracklists.providers.insert(r->provider);
    if (r->status != catalog::SourceStatus::kOk) continue;
    std::set<std::pair<std::int32_t, std::int32_t>> positions;
    for (const auto& entry : r->tracklist) {
      if (entry.disc < 1 || entry.position < 1 || !positions.emplace(entry.disc, entry.position).second) continue;
      auto key = TrackIdentityKey({entry.ref.artist, entry.ref.title, OptionalOrEmpty(entry.ref.isrc),
                                   OptionalOrEmpty(entry.ref.mbid), OptionalOrEmpty(entry.ref.spotify_id)});
      if (!key) continue;  // no id and no title: nothing a track job could find
      any_entry = true;
      t.StartObject();
      String(t, "album_key", album_key);
      t.Key("disc");
      t.Int(entry.disc);
      t.Key("position");
      t.Int(entry.position);
      String(t, "identity_key", *key);
      String(t, "name_key", TrackNameKey(entry.ref.artist, entry.ref.title));
      String(t, "artist", entry.ref.artist);
      String(t, "artist_key", artists.Add(entry.ref.artist));
      String(t, "title", entry.ref.title);
      String(t, "album", entry.ref.album.value_or(r->fields.title.value_or(r->ref.title)));
      std::string isrc = entry.ref.isrc ? NormalizeIsrc(*entry.ref.isrc) : "";
      std::string mbid = entry.ref.mbid ? NormalizeMbid(*entry.ref.mbid) : "";
      std::string spotify = OptionalOrEmpty(entry.ref.spotify_id);
      if (!isrc.empty()) String(t, "isrc", isrc);
      if (!mbid.empty()) String(t, "mbid", mbid);
      if (!spotify.empty()) String(t, "spotify_id", spotify);
      if (entry.duration_ms) {
        t.Key("duration_ms");
        t.Int(*entry.duration_ms);
      }
      String(t, "provider", r->provider);
      String(t, "job_id", r->job_id);
      t.EndObject();
    }
  }
  t.EndArray();
  if (any_entry) tracklists.json.assign(tracklist_buffer.GetString(), tracklist_buffer.GetSize());
  return Write(Entity::kAlbum, artists, kUpsertAlbums, kMergeAlbums, std::string(buffer.GetString(), buffer.GetSize()),
                      keys, effects, tracklists);
}

}  // namespace db
