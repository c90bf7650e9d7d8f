-- 0008_catalog_stats: the figures of `tunefleet stats` and of the Grafana "Catalog" dashboard
-- (docs/OPERATIONS.md, "tunefleet stats"), as views both read: one source of truth.
--
-- Whole-catalog distributions (tracks per genre, tracks by how many providers stored them,
-- source rows per provider and status, missing feature cells) cannot be answered from an
-- index: on 1,000,000 tracks they are a scan of every track (genres, moods) or of ~3.3 million
-- source rows, 1.3 to 3.4 s each on the development machine (docs/BENCHMARKS.md, "Catalog
-- stats"). So they are counted as the rows are written:
--
-- catalog_counter_deltas holds signed deltas per (scope, key). Statement-level AFTER
-- triggers (FOR EACH STATEMENT, REFERENCING the transition tables: one call per statement,
-- not per row, so a 500-row batch costs one call) on tracks, track_sources, album_sources,
-- albums and track_features insert one row per key the statement changed. Writers only
-- ever INSERT deltas, so concurrent workers never wait on one another's counter rows (no
-- hot row, no deadlock). Now and then (1 statement in 32, when no other transaction is
-- compacting: pg_try_advisory_xact_lock) a trigger folds every committed delta into one row
-- per key; catalog_counters sums what is left, a few hundred rows.
--
-- The triggers run as the owner (SECURITY DEFINER): workers cannot write the deltas
-- directly (REVOKE below), readers see them through the views.
--
-- "Tracks by how many providers stored them" counts each track's track_sources rows with
-- status 'ok'. The track_sources trigger reads the track's current count after the statement
-- (primary-key lookups) and moves the track from bucket (count - change) to bucket (count).
-- This is exact because the writer upserts the tracks row in the same statement as its
-- source rows (common/db/catalog_writer.cpp, kUpsertTracks): two transactions writing
-- sources of one track are serialized on that row, and the second one's trigger sees the
-- first's committed rows. Albums: the same with albums / album_sources (kUpsertAlbums).

CREATE TABLE catalog_counter_deltas (
  scope  text NOT NULL,
  key    text NOT NULL,
  delta  bigint NOT NULL
);

COMMENT ON TABLE catalog_counter_deltas IS
  'Signed deltas of the catalog counters, written by statement triggers only; read catalog_counters (0008_catalog_stats.sql)';
COMMENT ON COLUMN catalog_counter_deltas.scope IS
  'tracks | tracks_with_audio_features | track_genre | track_mood | track_coverage | tracks_by_providers | albums | album_coverage | albums_by_providers | features_rows | features_cells | features_missing';

CREATE VIEW catalog_counters AS
SELECT scope, key, sum(delta)::bigint AS n
FROM catalog_counter_deltas
GROUP BY scope, key
HAVING sum(delta) <> 0;

COMMENT ON VIEW catalog_counters IS 'The catalog counters: one row per (scope, key) with a non-zero count';

-- Folds every delta this transaction can see into one row per key. Deltas of transactions
-- still running are invisible to the DELETE, stay, and are folded next time; the DELETE's
-- RETURNING gives exactly the rows it removed, so nothing is counted twice or lost.
CREATE FUNCTION catalog_counters_compact() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (DELETE FROM catalog_counter_deltas RETURNING scope, key, delta)
  INSERT INTO catalog_counter_deltas (scope, key, delta)
  SELECT scope, key, sum(delta) FROM gone GROUP BY scope, key HAVING sum(delta) <> 0;
$$;

CREATE FUNCTION catalog_counters_maybe_compact() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF random() < 1.0 / 32 AND pg_try_advisory_xact_lock(7645081, 8) THEN
    PERFORM catalog_counters_compact();
  END IF;
END
$$;

-- The trigger functions. Each has one static statement per operation, differing only in the
-- signed rows it reads (+1 per row of new_rows, -1 per row of old_rows; an UPDATE reads both,
-- so a key the statement did not change nets to 0 and writes nothing): PL/pgSQL caches the
-- plans of static statements, which halved the triggers' cost against one EXECUTE'd
-- statement planned on every call (docs/BENCHMARKS.md, "Catalog stats").
CREATE FUNCTION catalog_count_tracks() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH r AS MATERIALIZED (SELECT 1 AS s, genres, moods, audio_features FROM new_rows)
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT scope, key, sum(s) FROM (
      SELECT s, 'tracks' AS scope, '' AS key FROM r
      UNION ALL SELECT s, 'tracks_with_audio_features', '' FROM r WHERE audio_features IS NOT NULL
      UNION ALL SELECT s, 'track_genre', g FROM r, unnest(r.genres) g
      UNION ALL SELECT s, 'track_mood', m FROM r, unnest(r.moods) m
    ) d GROUP BY scope, key HAVING sum(s) <> 0;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH r AS MATERIALIZED (SELECT 1 AS s, genres, moods, audio_features FROM new_rows UNION ALL SELECT -1 AS s, genres, moods, audio_features FROM old_rows)
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT scope, key, sum(s) FROM (
      SELECT s, 'tracks' AS scope, '' AS key FROM r
      UNION ALL SELECT s, 'tracks_with_audio_features', '' FROM r WHERE audio_features IS NOT NULL
      UNION ALL SELECT s, 'track_genre', g FROM r, unnest(r.genres) g
      UNION ALL SELECT s, 'track_mood', m FROM r, unnest(r.moods) m
    ) d GROUP BY scope, key HAVING sum(s) <> 0;
  ELSE
    WITH r AS MATERIALIZED (SELECT -1 AS s, genres, moods, audio_features FROM old_rows)
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT scope, key, sum(s) FROM (
      SELECT s, 'tracks' AS scope, '' AS key FROM r
      UNION ALL SELECT s, 'tracks_with_audio_features', '' FROM r WHERE audio_features IS NOT NULL
      UNION ALL SELECT s, 'track_genre', g FROM r, unnest(r.genres) g
      UNION ALL SELECT s, 'track_mood', m FROM r, unnest(r.moods) m
    ) d GROUP BY scope, key HAVING sum(s) <> 0;
  END IF;
  PERFORM catalog_counters_maybe_compact();
  RETURN NULL;
END
$$;

CREATE FUNCTION catalog_count_albums() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'albums', '', sum(s) FROM (SELECT 1 AS s, id FROM new_rows) r HAVING sum(s) <> 0;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'albums', '', sum(s) FROM (SELECT 1 AS s, id FROM new_rows UNION ALL SELECT -1 AS s, id FROM old_rows) r HAVING sum(s) <> 0;
  ELSE
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'albums', '', sum(s) FROM (SELECT -1 AS s, id FROM old_rows) r HAVING sum(s) <> 0;
  END IF;
  PERFORM catalog_counters_maybe_compact();
  RETURN NULL;
END
$$;

-- track_sources and album_sources: coverage per provider and status, and the move of each
-- touched entity between "stored by N providers" buckets.
CREATE FUNCTION catalog_count_track_sources() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH r AS MATERIALIZED (SELECT 1 AS s, track_id AS id, provider, status FROM new_rows),
    changed AS (
      SELECT c.id, c.change,
             (SELECT count(*) FROM track_sources x WHERE x.track_id = c.id AND x.status = 'ok') AS now_ok
      FROM (SELECT id, sum(s) FILTER (WHERE status = 'ok') AS change FROM r GROUP BY id) c
      WHERE c.change <> 0
    )
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'track_coverage', provider || ':' || status, sum(s) FROM r GROUP BY provider, status HAVING sum(s) <> 0
    UNION ALL
    SELECT 'tracks_by_providers', b::text, sum(d) FROM (
      SELECT now_ok AS b, 1 AS d FROM changed WHERE now_ok > 0
      UNION ALL SELECT now_ok - change, -1 FROM changed WHERE now_ok - change > 0
    ) moves GROUP BY b HAVING sum(d) <> 0;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH r AS MATERIALIZED (SELECT 1 AS s, track_id AS id, provider, status FROM new_rows UNION ALL SELECT -1 AS s, track_id AS id, provider, status FROM old_rows),
    changed AS (
      SELECT c.id, c.change,
             (SELECT count(*) FROM track_sources x WHERE x.track_id = c.id AND x.status = 'ok') AS now_ok
      FROM (SELECT id, sum(s) FILTER (WHERE status = 'ok') AS change FROM r GROUP BY id) c
      WHERE c.change <> 0
    )
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'track_coverage', provider || ':' || status, sum(s) FROM r GROUP BY provider, status HAVING sum(s) <> 0
    UNION ALL
    SELECT 'tracks_by_providers', b::text, sum(d) FROM (
      SELECT now_ok AS b, 1 AS d FROM changed WHERE now_ok > 0
      UNION ALL SELECT now_ok - change, -1 FROM changed WHERE now_ok - change > 0
    ) moves GROUP BY b HAVING sum(d) <> 0;
  ELSE
    WITH r AS MATERIALIZED (SELECT -1 AS s, track_id AS id, provider, status FROM old_rows),
    changed AS (
      SELECT c.id, c.change,
             (SELECT count(*) FROM track_sources x WHERE x.track_id = c.id AND x.status = 'ok') AS now_ok
      FROM (SELECT id, sum(s) FILTER (WHERE status = 'ok') AS change FROM r GROUP BY id) c
      WHERE c.change <> 0
    )
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'track_coverage', provider || ':' || status, sum(s) FROM r GROUP BY provider, status HAVING sum(s) <> 0
    UNION ALL
    SELECT 'tracks_by_providers', b::text, sum(d) FROM (
      SELECT now_ok AS b, 1 AS d FROM changed WHERE now_ok > 0
      UNION ALL SELECT now_ok - change, -1 FROM changed WHERE now_ok - change > 0
    ) moves GROUP BY b HAVING sum(d) <> 0;
  END IF;
  PERFORM catalog_counters_maybe_compact();
  RETURN NULL;
END
$$;

CREATE FUNCTION catalog_count_album_sources() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH r AS MATERIALIZED (SELECT 1 AS s, album_id AS id, provider, status FROM new_rows),
    changed AS (
      SELECT c.id, c.change,
             (SELECT count(*) FROM album_sources x WHERE x.album_id = c.id AND x.status = 'ok') AS now_ok
      FROM (SELECT id, sum(s) FILTER (WHERE status = 'ok') AS change FROM r GROUP BY id) c
      WHERE c.change <> 0
    )
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'album_coverage', provider || ':' || status, sum(s) FROM r GROUP BY provider, status HAVING sum(s) <> 0
    UNION ALL
    SELECT 'albums_by_providers', b::text, sum(d) FROM (
      SELECT now_ok AS b, 1 AS d FROM changed WHERE now_ok > 0
      UNION ALL SELECT now_ok - change, -1 FROM changed WHERE now_ok - change > 0
    ) moves GROUP BY b HAVING sum(d) <> 0;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH r AS MATERIALIZED (SELECT 1 AS s, album_id AS id, provider, status FROM new_rows UNION ALL SELECT -1 AS s, album_id AS id, provider, status FROM old_rows),
    changed AS (
      SELECT c.id, c.change,
             (SELECT count(*) FROM album_sources x WHERE x.album_id = c.id AND x.status = 'ok') AS now_ok
      FROM (SELECT id, sum(s) FILTER (WHERE status = 'ok') AS change FROM r GROUP BY id) c
      WHERE c.change <> 0
    )
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'album_coverage', provider || ':' || status, sum(s) FROM r GROUP BY provider, status HAVING sum(s) <> 0
    UNION ALL
    SELECT 'albums_by_providers', b::text, sum(d) FROM (
      SELECT now_ok AS b, 1 AS d FROM changed WHERE now_ok > 0
      UNION ALL SELECT now_ok - change, -1 FROM changed WHERE now_ok - change > 0
    ) moves GROUP BY b HAVING sum(d) <> 0;
  ELSE
    WITH r AS MATERIALIZED (SELECT -1 AS s, album_id AS id, provider, status FROM old_rows),
    changed AS (
      SELECT c.id, c.change,
             (SELECT count(*) FROM album_sources x WHERE x.album_id = c.id AND x.status = 'ok') AS now_ok
      FROM (SELECT id, sum(s) FILTER (WHERE status = 'ok') AS change FROM r GROUP BY id) c
      WHERE c.change <> 0
    )
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT 'album_coverage', provider || ':' || status, sum(s) FROM r GROUP BY provider, status HAVING sum(s) <> 0
    UNION ALL
    SELECT 'albums_by_providers', b::text, sum(d) FROM (
      SELECT now_ok AS b, 1 AS d FROM changed WHERE now_ok > 0
      UNION ALL SELECT now_ok - change, -1 FROM changed WHERE now_ok - change > 0
    ) moves GROUP BY b HAVING sum(d) <> 0;
  END IF;
  PERFORM catalog_counters_maybe_compact();
  RETURN NULL;
END
$$;

CREATE FUNCTION catalog_count_features() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH r AS MATERIALIZED (SELECT 1 AS s, vocabulary_version, missing FROM new_rows)
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT scope, key, sum(n) FROM (
      SELECT 'features_rows' AS scope, vocabulary_version::text AS key, s::bigint AS n FROM r
      UNION ALL SELECT 'features_cells', vocabulary_version::text, s * cardinality(missing) FROM r
      UNION ALL SELECT 'features_missing', vocabulary_version::text,
                       s * (SELECT count(*) FROM unnest(r.missing) m WHERE m) FROM r
    ) d GROUP BY scope, key HAVING sum(n) <> 0;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH r AS MATERIALIZED (SELECT 1 AS s, vocabulary_version, missing FROM new_rows UNION ALL SELECT -1 AS s, vocabulary_version, missing FROM old_rows)
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT scope, key, sum(n) FROM (
      SELECT 'features_rows' AS scope, vocabulary_version::text AS key, s::bigint AS n FROM r
      UNION ALL SELECT 'features_cells', vocabulary_version::text, s * cardinality(missing) FROM r
      UNION ALL SELECT 'features_missing', vocabulary_version::text,
                       s * (SELECT count(*) FROM unnest(r.missing) m WHERE m) FROM r
    ) d GROUP BY scope, key HAVING sum(n) <> 0;
  ELSE
    WITH r AS MATERIALIZED (SELECT -1 AS s, vocabulary_version, missing FROM old_rows)
    INSERT INTO catalog_counter_deltas (scope, key, delta)
    SELECT scope, key, sum(n) FROM (
      SELECT 'features_rows' AS scope, vocabulary_version::text AS key, s::bigint AS n FROM r
      UNION ALL SELECT 'features_cells', vocabulary_version::text, s * cardinality(missing) FROM r
      UNION ALL SELECT 'features_missing', vocabulary_version::text,
                       s * (SELECT count(*) FROM unnest(r.missing) m WHERE m) FROM r
    ) d GROUP BY scope, key HAVING sum(n) <> 0;
  END IF;
  PERFORM catalog_counters_maybe_compact();
  RETURN NULL;
END
$$;

-- TRUNCATE fires no row or statement DML trigger: forget the table's counters instead.
CREATE FUNCTION catalog_count_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM catalog_counter_deltas WHERE scope = ANY (TG_ARGV::text[]);
  RETURN NULL;
END
$$;

CREATE TRIGGER tracks_count_insert AFTER INSERT ON tracks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_tracks();
CREATE TRIGGER tracks_count_update AFTER UPDATE ON tracks
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_tracks();
CREATE TRIGGER tracks_count_delete AFTER DELETE ON tracks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_tracks();
CREATE TRIGGER tracks_count_truncate AFTER TRUNCATE ON tracks
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_truncate('tracks', 'tracks_with_audio_features', 'track_genre', 'track_mood');

CREATE TRIGGER albums_count_insert AFTER INSERT ON albums
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_albums();
CREATE TRIGGER albums_count_delete AFTER DELETE ON albums
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_albums();
CREATE TRIGGER albums_count_truncate AFTER TRUNCATE ON albums
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_truncate('albums');

CREATE TRIGGER track_sources_count_insert AFTER INSERT ON track_sources
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_track_sources();
CREATE TRIGGER track_sources_count_update AFTER UPDATE ON track_sources
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_track_sources();
CREATE TRIGGER track_sources_count_delete AFTER DELETE ON track_sources
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_track_sources();
CREATE TRIGGER track_sources_count_truncate AFTER TRUNCATE ON track_sources
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_truncate('track_coverage', 'tracks_by_providers');

CREATE TRIGGER album_sources_count_insert AFTER INSERT ON album_sources
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_album_sources();
CREATE TRIGGER album_sources_count_update AFTER UPDATE ON album_sources
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_album_sources();
CREATE TRIGGER album_sources_count_delete AFTER DELETE ON album_sources
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_album_sources();
CREATE TRIGGER album_sources_count_truncate AFTER TRUNCATE ON album_sources
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_truncate('album_coverage', 'albums_by_providers');

CREATE TRIGGER track_features_count_insert AFTER INSERT ON track_features
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_features();
CREATE TRIGGER track_features_count_update AFTER UPDATE ON track_features
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_features();
CREATE TRIGGER track_features_count_delete AFTER DELETE ON track_features
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_features();
CREATE TRIGGER track_features_count_truncate AFTER TRUNCATE ON track_features
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_truncate('features_rows', 'features_cells', 'features_missing');

-- The rows already there (one scan of each table, once).
INSERT INTO catalog_counter_deltas (scope, key, delta)
SELECT 'tracks', '', count(*) FROM tracks HAVING count(*) > 0
UNION ALL SELECT 'tracks_with_audio_features', '', count(*) FROM tracks WHERE audio_features IS NOT NULL HAVING count(*) > 0
UNION ALL SELECT 'track_genre', g, count(*) FROM tracks, unnest(genres) g GROUP BY g
UNION ALL SELECT 'track_mood', m, count(*) FROM tracks, unnest(moods) m GROUP BY m
UNION ALL SELECT 'albums', '', count(*) FROM albums HAVING count(*) > 0
UNION ALL SELECT 'track_coverage', provider || ':' || status, count(*) FROM track_sources GROUP BY provider, status
UNION ALL SELECT 'album_coverage', provider || ':' || status, count(*) FROM album_sources GROUP BY provider, status
UNION ALL SELECT 'tracks_by_providers', n::text, count(*)
  FROM (SELECT count(*) AS n FROM track_sources WHERE status = 'ok' GROUP BY track_id) t GROUP BY n
UNION ALL SELECT 'albums_by_providers', n::text, count(*)
  FROM (SELECT count(*) AS n FROM album_sources WHERE status = 'ok' GROUP BY album_id) a GROUP BY n
UNION ALL SELECT 'features_rows', vocabulary_version::text, count(*) FROM track_features GROUP BY vocabulary_version
UNION ALL SELECT 'features_cells', vocabulary_version::text, sum(cardinality(missing)) FROM track_features GROUP BY vocabulary_version
UNION ALL SELECT 'features_missing', vocabulary_version::text, count(*)
  FROM track_features, unnest(missing) m WHERE m GROUP BY vocabulary_version;

-- ---------------------------------------------------------------------------- the figures
-- Each view is one figure of `tunefleet stats` and one panel of the Catalog dashboard.

-- Tracks (albums) by how many providers stored them (track_sources rows with status 'ok');
-- 0: none yet (never asked, or only not_found answers).
CREATE VIEW catalog_stats_tracks_by_providers AS
WITH b AS (SELECT key::int AS providers, n FROM catalog_counters WHERE scope = 'tracks_by_providers'),
     total AS (SELECT coalesce(sum(n), 0) AS n FROM catalog_counters WHERE scope = 'tracks')
SELECT 0 AS providers, (total.n - coalesce((SELECT sum(n) FROM b), 0))::bigint AS tracks FROM total
UNION ALL SELECT providers, n FROM b
ORDER BY providers;

CREATE VIEW catalog_stats_albums_by_providers AS
WITH b AS (SELECT key::int AS providers, n FROM catalog_counters WHERE scope = 'albums_by_providers'),
     total AS (SELECT coalesce(sum(n), 0) AS n FROM catalog_counters WHERE scope = 'albums')
SELECT 0 AS providers, (total.n - coalesce((SELECT sum(n) FROM b), 0))::bigint AS albums FROM total
UNION ALL SELECT providers, n FROM b
ORDER BY providers;

-- Per provider: source rows stored (status ok) and not found (status not_found). Dead letters
-- are not in PostgreSQL: they are messages in RabbitMQ's tunefleet.<provider>.dead queues
-- (`tunefleet stats` adds them from the management API, `tunefleet status` lists them).
CREATE VIEW catalog_stats_coverage AS
SELECT split_part(scope, '_', 1) AS entity, split_part(key, ':', 1) AS provider,
       coalesce(sum(n) FILTER (WHERE split_part(key, ':', 2) = 'ok'), 0)::bigint AS stored,
       coalesce(sum(n) FILTER (WHERE split_part(key, ':', 2) = 'not_found'), 0)::bigint AS not_found
FROM catalog_counters
WHERE scope IN ('track_coverage', 'album_coverage')
GROUP BY 1, 2
ORDER BY 1 DESC, 2;

-- Tracks per genre (mood), most frequent first; share = of all tracks.
CREATE VIEW catalog_stats_genres AS
SELECT c.key AS genre, c.n AS tracks,
       round(c.n::numeric / nullif(t.n, 0), 4)::double precision AS share
FROM catalog_counters c,
     (SELECT coalesce(sum(n), 0) AS n FROM catalog_counters WHERE scope = 'tracks') t
WHERE c.scope = 'track_genre'
ORDER BY c.n DESC, c.key;

CREATE VIEW catalog_stats_moods AS
SELECT c.key AS mood, c.n AS tracks,
       round(c.n::numeric / nullif(t.n, 0), 4)::double precision AS share
FROM catalog_counters c,
     (SELECT coalesce(sum(n), 0) AS n FROM catalog_counters WHERE scope = 'tracks') t
WHERE c.scope = 'track_mood'
ORDER BY c.n DESC, c.key;

-- One row: tracks, albums, tracks with audio features and their share.
CREATE VIEW catalog_stats_totals AS
SELECT coalesce(sum(n) FILTER (WHERE scope = 'tracks'), 0)::bigint AS tracks,
       coalesce(sum(n) FILTER (WHERE scope = 'albums'), 0)::bigint AS albums,
       coalesce(sum(n) FILTER (WHERE scope = 'tracks_with_audio_features'), 0)::bigint AS tracks_with_audio_features,
       coalesce(round(sum(n) FILTER (WHERE scope = 'tracks_with_audio_features')::numeric
                      / nullif(sum(n) FILTER (WHERE scope = 'tracks'), 0), 4), 0)::double precision
         AS audio_features_share
FROM catalog_counters
WHERE scope IN ('tracks', 'albums', 'tracks_with_audio_features');

-- The feature matrix (docs/builders/features.md) per vocabulary version: rows, cells, missing
-- cells and their share; latest = the newest version in feature_vocabularies (rows at older
-- versions wait for the builder's background rebuild).
CREATE VIEW catalog_stats_feature_matrix AS
WITH v AS (
  SELECT key::int AS version,
         sum(n) FILTER (WHERE scope = 'features_rows') AS rows,
         sum(n) FILTER (WHERE scope = 'features_cells') AS cells,
         sum(n) FILTER (WHERE scope = 'features_missing') AS missing
  FROM catalog_counters
  WHERE scope IN ('features_rows', 'features_cells', 'features_missing')
  GROUP BY key
)
SELECT v.version, (v.version = (SELECT max(version) FROM feature_vocabularies)) AS latest,
       coalesce(v.rows, 0)::bigint AS rows, coalesce(v.cells, 0)::bigint AS cells,
       coalesce(v.missing, 0)::bigint AS missing_cells,
       coalesce(round(v.missing::numeric / nullif(v.cells, 0), 4), 0)::double precision AS missing_share
FROM v
ORDER BY v.version;

-- Jobs whose rows were committed per provider (and builder) in the last hour and day, from
-- job_commits (a range scan of job_commits_committed_at_idx).
CREATE VIEW catalog_stats_enrichment_rate AS
SELECT provider,
       coalesce(sum(cardinality(job_ids)) FILTER (WHERE committed_at >= now() - interval '1 hour'), 0)::bigint
         AS jobs_last_hour,
       sum(cardinality(job_ids))::bigint AS jobs_last_day
FROM job_commits
WHERE committed_at >= now() - interval '1 day'
GROUP BY provider
ORDER BY provider;

COMMENT ON VIEW catalog_stats_tracks_by_providers IS 'tunefleet stats: tracks by how many providers stored them (track_sources status ok)';
COMMENT ON VIEW catalog_stats_albums_by_providers IS 'tunefleet stats: albums by how many providers stored them (album_sources status ok)';
COMMENT ON VIEW catalog_stats_coverage IS 'tunefleet stats: per entity and provider, source rows ok (stored) and not_found';
COMMENT ON VIEW catalog_stats_genres IS 'tunefleet stats: tracks per genre, share of all tracks';
COMMENT ON VIEW catalog_stats_moods IS 'tunefleet stats: tracks per mood, share of all tracks';
COMMENT ON VIEW catalog_stats_totals IS 'tunefleet stats: tracks, albums, tracks with audio features';
COMMENT ON VIEW catalog_stats_feature_matrix IS 'tunefleet stats: track_features rows, cells and missing cells per vocabulary version';
COMMENT ON VIEW catalog_stats_enrichment_rate IS 'tunefleet stats: jobs committed per provider in the last hour and day (job_commits)';

-- Only the triggers (running as the owner) write the deltas; 0003's default privileges gave
-- tunefleet_worker INSERT, UPDATE, DELETE and tunefleet_reader SELECT, which stays. Nobody but
-- the owner calls the compaction directly.
REVOKE EXECUTE ON FUNCTION catalog_counters_compact(), catalog_counters_maybe_compact() FROM PUBLIC;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tunefleet_worker') THEN
    REVOKE INSERT, UPDATE, DELETE ON catalog_counter_deltas FROM tunefleet_worker;
  END IF;
END
$$;
