-- Albums bring their tracks (issue 14, item 3): an album job whose provider returned a
-- tracklist links the album to one track row per (disc, position), creating the track rows
-- by the identity rules, and publishes one track job per row with publisher confirms.
-- `track_job_published_at` is the delivery record of that publish: NULL until the broker
-- confirmed the track job, so a worker killed between this commit and the confirm publishes
-- it on redelivery, and a redelivery after the confirm publishes nothing (docs/RUNTIME.md,
-- "Albums bring their tracks").
CREATE TABLE album_tracks (
  album_id                bigint NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
  disc                    integer NOT NULL,
  position                integer NOT NULL,
  track_id                bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
  provider                text NOT NULL,
  job_id                  text NOT NULL,
  track_job_published_at  timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT album_tracks_pkey PRIMARY KEY (album_id, disc, position),
  CONSTRAINT album_tracks_disc_check CHECK (disc >= 1),
  CONSTRAINT album_tracks_position_check CHECK (position >= 1)
);

CREATE INDEX album_tracks_track_id_idx ON album_tracks (track_id);
-- The publisher's look-up: a provider's rows of an album whose track job is not confirmed yet.
CREATE INDEX album_tracks_unpublished_idx ON album_tracks (album_id) WHERE track_job_published_at IS NULL;

COMMENT ON TABLE album_tracks IS 'An album''s tracklist: one row per (album, disc, position), linked to its track row; the first provider to commit a tracklist claims a position';
COMMENT ON COLUMN album_tracks.provider IS 'The provider whose tracklist claimed this position; only its album job publishes the track job';
COMMENT ON COLUMN album_tracks.job_id IS 'The album job that claimed the position';
COMMENT ON COLUMN album_tracks.track_job_published_at IS 'When the broker confirmed the track job for this row; NULL: not confirmed yet, published again by the album job''s next delivery';
