-- A synthetic, reproducible catalog for the builders' benchmarks and plan tests.
--
--   psql "$TUNEFLEET_PG_DSN" -v tracks=100000 -f bench/builders/synthetic_catalog.sql
--
-- Inserts :tracks rows into an empty, migrated `tracks` table (ids 1..:tracks), shaped like
-- the sample after enrichment: 1 to 4 genres drawn from 80 with a Zipf-like skew (rock and
-- pop on a third of the catalog, the tail on a few hundred tracks each), 0 to 3 of the 12
-- moods, Spotify-style audio features on about 70 % of the tracks, popularity, duration,
-- track number, release year and explicit on most, NULL (unknown) on the rest. The random
-- seed is fixed, so every run builds the same catalog.
\set ON_ERROR_STOP on
SELECT setseed(0.4242);

CREATE TEMP TABLE synthetic_genres AS
SELECT ordinality AS rank, name
FROM unnest(ARRAY[
  'rock', 'pop', 'electronic', 'hip hop', 'indie rock', 'jazz', 'alternative rock', 'soul', 'folk',
  'metal', 'house', 'punk', 'r&b', 'classical', 'techno', 'blues', 'country', 'ambient', 'funk',
  'reggae', 'indie pop', 'hard rock', 'synthpop', 'post-punk', 'new wave', 'disco', 'trip hop',
  'drum and bass', 'dubstep', 'grunge', 'shoegaze', 'dream pop', 'post-rock', 'progressive rock',
  'psychedelic rock', 'garage rock', 'emo', 'hardcore punk', 'death metal', 'black metal',
  'heavy metal', 'thrash metal', 'doom metal', 'noise rock', 'experimental', 'idm', 'downtempo',
  'chillout', 'lounge', 'bossa nova', 'samba', 'salsa', 'latin', 'afrobeat', 'gospel', 'motown',
  'northern soul', 'neo soul', 'trap', 'grime', 'uk garage', 'electro', 'italo disco', 'eurodance',
  'trance', 'hardstyle', 'minimal techno', 'deep house', 'acid house', 'bluegrass', 'americana',
  'singer-songwriter', 'chanson', 'k-pop', 'j-pop', 'city pop', 'bebop', 'cool jazz', 'free jazz',
  'baroque'
]) WITH ORDINALITY AS g(name, ordinality);

CREATE TEMP TABLE synthetic_moods AS
SELECT ordinality AS rank, name
FROM unnest(ARRAY['energetic', 'happy', 'melancholic', 'calm', 'dark', 'romantic', 'aggressive',
                  'dreamy', 'uplifting', 'sad', 'party', 'relaxing']) WITH ORDINALITY AS m(name, ordinality);

-- Zipf-like pick: rank = ceil(80 * u^3) puts most picks on the head of the list.
CREATE TEMP TABLE synthetic_tracks AS
SELECT n AS id,
       (SELECT coalesce(array_agg(DISTINCT g.name), '{}')
          FROM (SELECT greatest(1, ceil(80 * power(random(), 3)))::int AS rank
                  FROM generate_series(1, 1 + floor(random() * 4)::int + n * 0)) pick
          JOIN synthetic_genres g USING (rank)) AS genres,
       (SELECT coalesce(array_agg(DISTINCT m.name), '{}')
          FROM (SELECT greatest(1, ceil(12 * random()))::int AS rank
                  FROM generate_series(1, floor(random() * 4)::int + n * 0)) pick
          JOIN synthetic_moods m USING (rank)) AS moods,
       random() AS r_features, random() AS r_known
FROM generate_series(1, :tracks) AS n;

INSERT INTO tracks (id, identity_key, name_key, artist_name, title, duration_ms, explicit, popularity,
                    track_number, release_year, genres, moods, audio_features, providers_done, enriched_at)
SELECT id,
       'name:artist ' || (id % 9973) || chr(31) || 'track ' || id,
       'artist ' || (id % 9973) || chr(31) || 'track ' || id,
       'Artist ' || (id % 9973),
       'Track ' || id,
       CASE WHEN r_known < 0.95 THEN 90000 + (random() * 300000)::int END,
       CASE WHEN r_known < 0.90 THEN random() < 0.1 END,
       CASE WHEN r_known < 0.85 THEN (random() * 100)::int END,
       CASE WHEN r_known < 0.90 THEN 1 + (random() * 14)::int END,
       CASE WHEN r_known < 0.92 THEN 1960 + (random() * 65)::int END,
       genres, moods,
       CASE WHEN r_features < 0.70 THEN jsonb_build_object(
         'danceability', round(random()::numeric, 3), 'energy', round(random()::numeric, 3),
         'valence', round(random()::numeric, 3), 'tempo', round((60 + random() * 140)::numeric, 3),
         'acousticness', round(random()::numeric, 3), 'instrumentalness', round(random()::numeric, 3),
         'liveness', round(random()::numeric, 3), 'speechiness', round(random()::numeric, 3),
         'loudness', round((-30 + random() * 28)::numeric, 3)) END,
       '{spotify,lastfm}', now()
FROM synthetic_tracks;

SELECT setval(pg_get_serial_sequence('tracks', 'id'), (SELECT max(id) FROM tracks));
ANALYZE tracks;
