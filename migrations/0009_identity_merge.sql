-- 0009_identity_merge: one recording, one row (docs/DATABASE.md, "Merging rows").
--
-- When a provider's answer gives a row an identifier another row already holds (MusicBrainz
-- returns the ISRC of a track published by name; the row keyed by that ISRC exists), the two
-- rows become one: common/db/identity_merge.cpp moves the absorbed row's provider sources
-- and references to the survivor in one transaction and deletes it. The aliases below keep
-- the absorbed row's identity key and id resolving to the survivor forever, so a job that
-- carries the old identifier, a follow-up naming the old id, and `tunefleet similar <old
-- id>` all land on the survivor. Two rows whose identifiers conflict (different ISRCs) are
-- never merged: the pair is kept in identity_conflicts for `tunefleet identity conflicts`.

CREATE TABLE track_aliases (
  identity_key  text PRIMARY KEY,
  absorbed_id   bigint NOT NULL,
  survivor_id   bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
  kind          text NOT NULL,
  value         text NOT NULL,
  merged_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT track_aliases_absorbed_id_uq UNIQUE (absorbed_id)
);
CREATE INDEX track_aliases_survivor_id_idx ON track_aliases (survivor_id);

CREATE TABLE album_aliases (
  identity_key  text PRIMARY KEY,
  absorbed_id   bigint NOT NULL,
  survivor_id   bigint NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
  kind          text NOT NULL,
  value         text NOT NULL,
  merged_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT album_aliases_absorbed_id_uq UNIQUE (absorbed_id)
);
CREATE INDEX album_aliases_survivor_id_idx ON album_aliases (survivor_id);

-- Artists: two artist rows (two spellings, "Beyonce" and "Beyoncé") found to hold one provider
-- artist id become one; the absorbed row's name_key keeps resolving to the survivor, so a
-- later job with that spelling lands on it and no artist row is created for it again.
CREATE TABLE artist_aliases (
  name_key      text PRIMARY KEY,
  absorbed_id   bigint NOT NULL,
  survivor_id   bigint NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
  kind          text NOT NULL,
  value         text NOT NULL,
  merged_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT artist_aliases_absorbed_id_uq UNIQUE (absorbed_id)
);
CREATE INDEX artist_aliases_survivor_id_idx ON artist_aliases (survivor_id);

COMMENT ON TABLE track_aliases IS 'A track row merged into another: its identity key and id resolve to survivor_id (0009_identity_merge.sql)';
COMMENT ON COLUMN track_aliases.kind IS 'The identifier both rows shared: isrc | mbid | spotify_id';
COMMENT ON COLUMN track_aliases.value IS 'That identifier''s value';
COMMENT ON TABLE album_aliases IS 'An album row merged into another: its identity key and id resolve to survivor_id (0009_identity_merge.sql)';
COMMENT ON COLUMN album_aliases.kind IS 'The identifier both rows shared: upc | mbid | spotify_id | discogs_id';
COMMENT ON TABLE artist_aliases IS 'An artist row merged into another: its name_key and id resolve to survivor_id (0009_identity_merge.sql)';
COMMENT ON COLUMN artist_aliases.kind IS 'The artist id both rows shared: mbid | spotify_id | discogs_id';

-- Pairs of rows that share one identifier but disagree on another (a provider found the ISRC
-- of row `low_id` while the row `high_id` that holds it has another MBID): not merged, listed.
-- One row per pair (low_id < high_id); `seen` counts how often a write met it again.
CREATE TABLE identity_conflicts (
  entity          text NOT NULL,
  low_id          bigint NOT NULL,
  high_id         bigint NOT NULL,
  shared_kind     text NOT NULL,
  shared_value    text NOT NULL,
  conflict_kind   text NOT NULL,
  low_value       text NOT NULL,
  high_value      text NOT NULL,
  seen            bigint NOT NULL DEFAULT 1,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT identity_conflicts_pkey PRIMARY KEY (entity, low_id, high_id),
  CONSTRAINT identity_conflicts_entity_check CHECK (entity IN ('track', 'album', 'artist')),
  CONSTRAINT identity_conflicts_order_check CHECK (low_id < high_id)
);

COMMENT ON TABLE identity_conflicts IS 'Two rows sharing one identifier (shared_kind) but holding different values of another (conflict_kind): never merged (docs/DATABASE.md, "Merging rows")';
