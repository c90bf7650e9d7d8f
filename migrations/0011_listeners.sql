-- 0011_listeners: the listener side (docs/LISTENERS.md, docs/PLAYLISTS.md; tables in docs/DATABASE.md).
--
-- `tunefleet import lastfm|csv` stores each scrobble once in `listens`, linked to the catalog
-- row its track resolves to by the identity rules (a new name-keyed row when none exists),
-- and queues one track job per row that no provider has enriched yet (`listen_publications`,
-- once per row, across runs). `listen_cursors` remembers where a Last.fm import stopped.
-- `tunefleet playlist` stores what it builds in `playlists` / `playlist_tracks`, each entry
-- with the reason it is there. A merge (common/db/identity_merge.cpp) moves an absorbed
-- track's listens and playlist entries to the survivor.

-- A listener: a Last.fm user name, or the name given to `import csv --user`. Last.fm user
-- names are case-insensitive, so the key is the lower-cased name.
CREATE TABLE listeners (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  name_key    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT listeners_name_key_uq UNIQUE (name_key),
  CONSTRAINT listeners_name_check CHECK (name <> '' AND name_key = lower(name))
);

-- One scrobble. Idempotent on (listener, played_at, track): importing the same history again,
-- or a page twice, stores nothing new.
CREATE TABLE listens (
  listener_id  bigint NOT NULL REFERENCES listeners (id) ON DELETE CASCADE,
  played_at    timestamptz NOT NULL,
  track_id     bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
  source       text NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (listener_id, played_at, track_id),
  CONSTRAINT listens_source_check CHECK (source IN ('lastfm', 'csv'))
);
CREATE INDEX listens_track_id_idx ON listens (track_id);
CREATE INDEX listens_played_at_idx ON listens (played_at);

-- Track rows an import queued a job for: a row is published once, ever (a later import, or
-- another listener's, finds it here). published_at is NULL between the commit that stored the
-- listens and the broker's confirm of the job: the next import publishes what a crash left.
CREATE TABLE listen_publications (
  track_id      bigint PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
  job_id        text NOT NULL,
  queued_at     timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX listen_publications_unpublished_idx ON listen_publications (track_id) WHERE published_at IS NULL;

-- Where a Last.fm import of one listener stands. A run pages user.getRecentTracks over a fixed
-- window [window_from, window_to) (newest first), so pages do not shift while new scrobbles
-- arrive; next_page is the first page not yet stored. When the window is done, the next run's
-- window starts at window_to.
CREATE TABLE listen_cursors (
  listener_id   bigint NOT NULL REFERENCES listeners (id) ON DELETE CASCADE,
  source        text NOT NULL,
  window_from   timestamptz,
  window_to     timestamptz NOT NULL,
  next_page     integer NOT NULL DEFAULT 1,
  total_pages   integer,
  done          boolean NOT NULL DEFAULT false,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (listener_id, source),
  CONSTRAINT listen_cursors_next_page_check CHECK (next_page >= 1)
);

CREATE TABLE playlists (
  id           bigserial PRIMARY KEY,
  listener_id  bigint NOT NULL REFERENCES listeners (id) ON DELETE CASCADE,
  kind         text NOT NULL,
  size         integer NOT NULL,
  days         integer NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT playlists_kind_check CHECK (kind IN ('similar-recent', 'discovery', 'trending')),
  CONSTRAINT playlists_size_check CHECK (size > 0),
  CONSTRAINT playlists_days_check CHECK (days > 0)
);
CREATE INDEX playlists_listener_id_idx ON playlists (listener_id, created_at DESC);

-- One entry: its place, its score, and why it is there (the seed track it neighbours, the tags
-- it shares with the listener's favourites, or how often it was played).
CREATE TABLE playlist_tracks (
  playlist_id    bigint NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  position       integer NOT NULL,
  track_id       bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
  score          double precision NOT NULL,
  reason         text NOT NULL,
  seed_track_id  bigint REFERENCES tracks (id) ON DELETE SET NULL,
  shared_tags    text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (playlist_id, position),
  CONSTRAINT playlist_tracks_track_uq UNIQUE (playlist_id, track_id),
  CONSTRAINT playlist_tracks_position_check CHECK (position > 0)
);
CREATE INDEX playlist_tracks_track_id_idx ON playlist_tracks (track_id);
CREATE INDEX playlist_tracks_seed_track_id_idx ON playlist_tracks (seed_track_id) WHERE seed_track_id IS NOT NULL;

COMMENT ON TABLE listens IS 'One scrobble per (listener, played_at, track); track_id follows merges (0011_listeners.sql)';
COMMENT ON COLUMN listens.source IS 'lastfm (user.getRecentTracks) | csv (a scrobble export)';
COMMENT ON TABLE listen_publications IS 'Track rows an import queued a job for, once per row; published_at NULL: not yet confirmed';
COMMENT ON TABLE listen_cursors IS 'Where the last import of a listener stopped: the window it pages and the next page';
COMMENT ON TABLE playlists IS 'Playlists `tunefleet playlist` built: kind, size and days it was asked for';
COMMENT ON COLUMN playlist_tracks.reason IS 'Why the track is there, in words (seed track, shared tags, plays)';
