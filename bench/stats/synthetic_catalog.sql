-- A synthetic, reproducible catalog for `tunefleet stats`: its benchmark (bench/stats.sh) and
-- its plan test (tests/integration/stats).
--
--   psql "$DSN" -v tracks=1000000 -f bench/stats/synthetic_catalog.sql
--
-- Run as the owner (or the administrator) on an empty, migrated database. Starts from the
-- builders' catalog (bench/builders/synthetic_catalog.sql: :tracks tracks, Zipf-like genres
-- from 80, 0 to 3 of 12 moods, audio features on ~70 %), then adds what the stats read:
--   - track_sources: one row per (track, provider) a provider answered, for spotify (95 %),
--     lastfm (85 %), musicbrainz (60 %), discogs (35 %), cyanite (50 %); 8 % of them
--     not_found; tracks.providers_done lists them (ok or not_found), as the writer does;
--   - albums: :tracks / 10, each with album_sources of spotify (90 %), musicbrainz (60 %),
--     discogs (40 %), aoty (30 %), 10 % not_found; tracks 1..:tracks link to them by album_id;
--   - track_features: 90 % of the tracks, 95 % of them at vocabulary version 2, the rest at 1,
--     22 columns, about 15 % missing;
--   - job_commits: one commit per 50 jobs per provider, spread over the last 30 days.
-- Fixed seed: every run builds the same catalog.
\set ON_ERROR_STOP on
\ir ../builders/synthetic_catalog.sql
SELECT setseed(0.1717);

CREATE TEMP TABLE synthetic_providers (provider text, share real, kind text, ord int);
INSERT INTO synthetic_providers VALUES
  ('spotify', 0.95, 'track', 1), ('lastfm', 0.85, 'track', 2), ('musicbrainz', 0.60, 'track', 3),
  ('discogs', 0.35, 'track', 4), ('cyanite', 0.50, 'track', 5),
  ('spotify', 0.90, 'album', 1), ('musicbrainz', 0.60, 'album', 2), ('discogs', 0.40, 'album', 3),
  ('aoty', 0.30, 'album', 4);

INSERT INTO track_sources (track_id, provider, status, external_id, fetched_at, genres, moods)
SELECT t.id, p.provider, CASE WHEN abs(hashint8(t.id * 64 + p.ord + 32)) % 1000 < 80 THEN 'not_found' ELSE 'ok' END,
       p.provider || ':' || t.id, now() - random() * interval '30 days', '{}', '{}'
FROM tracks t JOIN synthetic_providers p ON p.kind = 'track'
WHERE abs(hashint8(t.id * 64 + p.ord)) % 1000 < p.share * 1000;

UPDATE tracks t SET providers_done = s.done
FROM (SELECT track_id, array_agg(provider ORDER BY provider) AS done FROM track_sources GROUP BY track_id) s
WHERE s.track_id = t.id;
UPDATE tracks t SET providers_done = '{}' WHERE NOT EXISTS (SELECT FROM track_sources s WHERE s.track_id = t.id);

INSERT INTO albums (id, identity_key, artist_name, title, genres, moods)
SELECT n, 'name:artist ' || (n % 9973) || chr(31) || 'album ' || n, 'Artist ' || (n % 9973),
       'Album ' || n, '{}', '{}'
FROM generate_series(1, greatest(1, :tracks / 10)) AS n;
SELECT setval(pg_get_serial_sequence('albums', 'id'), (SELECT max(id) FROM albums));
UPDATE tracks SET album_id = 1 + (id % greatest(1, :tracks / 10));

INSERT INTO album_sources (album_id, provider, status, external_id, fetched_at)
SELECT a.id, p.provider, CASE WHEN abs(hashint8(a.id * 64 + p.ord + 48)) % 1000 < 100 THEN 'not_found' ELSE 'ok' END,
       p.provider || ':' || a.id, now() - random() * interval '30 days'
FROM albums a JOIN synthetic_providers p ON p.kind = 'album'
WHERE abs(hashint8(a.id * 64 + p.ord + 16)) % 1000 < p.share * 1000;

INSERT INTO feature_vocabularies (version, columns, genres, moods)
SELECT v, ARRAY(SELECT 'c' || i FROM generate_series(1, 22) i), '{rock,pop}', '{happy,sad}'
FROM generate_series(1, 2) v;

INSERT INTO track_features (track_id, vocabulary_version, features, missing, updated_at)
SELECT id, CASE WHEN random() < 0.95 THEN 2 ELSE 1 END,
       array_fill(0.5::real, ARRAY[22]),
       ARRAY(SELECT random() < 0.15 FROM generate_series(1, 22) WHERE id > 0),
       now() - random() * interval '2 days'
FROM tracks
WHERE random() < 0.90;

INSERT INTO job_commits (provider, committed_at, job_ids, followup_ids)
SELECT p.provider, now() - (c::double precision / (:tracks / 50 + 1)) * interval '30 days',
       ARRAY(SELECT 'j-' || c || '-' || k FROM generate_series(1, 50) k WHERE c > 0),
       array_fill(1, ARRAY[50])
FROM synthetic_providers p, generate_series(1, greatest(1, :tracks / 50)) AS c
WHERE p.kind = 'track';

ANALYZE tracks, track_sources, albums, album_sources, feature_vocabularies, track_features, job_commits;
