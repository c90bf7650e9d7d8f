-- 0005_aoty: Album of the Year's critic and user scores on the merged album row.
--
-- The AOTY provider (workers/aoty, docs/providers/AOTY.md) writes both scores and their review
-- and rating counts into its album_sources row (fields: aoty_critic_score, aoty_critic_count,
-- aoty_user_score, aoty_user_count); the catalog merge copies the scores here, as the labels
-- the ML backend trains on. NULL: AOTY has no score for the album (too few reviews or
-- ratings), or the AOTY provider has not seen it.
--
-- No grants: 0003_roles's default privileges cover new columns of existing tables (column
-- privileges are not used), and tunefleet_worker / tunefleet_reader already hold the table's.

ALTER TABLE albums
  ADD COLUMN aoty_critic_score real,
  ADD COLUMN aoty_user_score real,
  ADD CONSTRAINT albums_aoty_critic_score_check CHECK (aoty_critic_score BETWEEN 0 AND 100),
  ADD CONSTRAINT albums_aoty_user_score_check CHECK (aoty_user_score BETWEEN 0 AND 100);

COMMENT ON COLUMN albums.aoty_critic_score IS
  'Album of the Year critic score (0..100, the weighted mean of critic reviews), from album_sources of provider aoty.';
COMMENT ON COLUMN albums.aoty_user_score IS
  'Album of the Year user score (0..100, the mean of user ratings), from album_sources of provider aoty.';
