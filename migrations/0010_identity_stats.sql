-- 0010_identity_stats: the identity-merge figures of `tunefleet stats` ("merged rows: N tracks,
-- M albums, A artists; identity conflicts: K"; docs/OPERATIONS.md, "Identity merges and conflicts").
--
-- Counted from the base tables of 0009_identity_merge: aliases are written once per merge and
-- conflicts once per pair, a small share of the catalog, and each count is an index-only scan
-- of its primary key. No grants: 0003_roles's default privileges give tunefleet_reader SELECT
-- on new views, as they did for 0008's.

CREATE VIEW catalog_stats_identity AS
SELECT (SELECT count(*) FROM track_aliases)::bigint AS merged_tracks,
       (SELECT count(*) FROM album_aliases)::bigint AS merged_albums,
       (SELECT count(*) FROM artist_aliases)::bigint AS merged_artists,
       (SELECT count(*) FROM identity_conflicts)::bigint AS identity_conflicts;

COMMENT ON VIEW catalog_stats_identity IS 'tunefleet stats: rows merged into another (track_aliases, album_aliases, artist_aliases) and identity_conflicts pairs';
