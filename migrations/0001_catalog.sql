-- 0001_catalog: the normalized catalog.
--
-- Identity: every entity row is found by `identity_key` (see docs/DATABASE.md, "Identity
-- rules"); provider ids are filled in later and are unique where present, so two rows never
-- claim the same external entity. Provenance: each provider's contribution is its own row in
-- track_sources / album_sources, and the merged tracks / albums row is recomputed from them.
--
-- Writers set updated_at themselves in their upserts (no triggers: they would cost a function
-- call per row on bulk writes). A CHECK violation fails the whole batch statement, so workers
-- normalize values (year 0 -> NULL, popularity clamped) before writing.
--
-- Naming: <table>_<columns>_uq for unique indexes, _idx for plain ones, _gin for GIN, _check.

CREATE TABLE artists (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  name_key    text NOT NULL,
  mbid        uuid,
  spotify_id  text,
  discogs_id  bigint,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT artists_name_key_uq UNIQUE (name_key),
  CONSTRAINT artists_spotify_id_check CHECK (spotify_id <> ''),
  CONSTRAINT artists_discogs_id_check CHECK (discogs_id > 0)
);
CREATE UNIQUE INDEX artists_mbid_uq ON artists (mbid) WHERE mbid IS NOT NULL;
CREATE UNIQUE INDEX artists_spotify_id_uq ON artists (spotify_id) WHERE spotify_id IS NOT NULL;
CREATE UNIQUE INDEX artists_discogs_id_uq ON artists (discogs_id) WHERE discogs_id IS NOT NULL;

COMMENT ON TABLE artists IS 'One row per artist, found by name_key; provider ids are unique where present.';
COMMENT ON COLUMN artists.name_key IS 'db::NameKey(name): ASCII lower-case, whitespace collapsed and trimmed.';
COMMENT ON COLUMN artists.mbid IS 'MusicBrainz artist id.';
COMMENT ON COLUMN artists.spotify_id IS 'Spotify artist id (base62, case-sensitive).';
COMMENT ON COLUMN artists.discogs_id IS 'Discogs artist id.';

CREATE TABLE albums (
  id            bigserial PRIMARY KEY,
  artist_id     bigint REFERENCES artists (id) ON DELETE SET NULL,
  artist_name   text,
  title         text,
  identity_key  text NOT NULL,
  upc           text,
  mbid          uuid,
  spotify_id    text,
  discogs_id    bigint,
  release_date  date,
  release_year  smallint,
  genres        text[] NOT NULL DEFAULT '{}',
  moods         text[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT albums_identity_key_uq UNIQUE (identity_key),
  CONSTRAINT albums_identity_key_check
    CHECK (identity_key ~ '^(upc|mbid|spotify|discogs|name):.'),
  CONSTRAINT albums_upc_check CHECK (upc ~ '^[0-9]{1,14}$'),
  CONSTRAINT albums_spotify_id_check CHECK (spotify_id <> ''),
  CONSTRAINT albums_discogs_id_check CHECK (discogs_id > 0),
  CONSTRAINT albums_release_year_check CHECK (release_year BETWEEN 1000 AND 9999)
);
CREATE UNIQUE INDEX albums_upc_uq ON albums (upc) WHERE upc IS NOT NULL;
CREATE UNIQUE INDEX albums_mbid_uq ON albums (mbid) WHERE mbid IS NOT NULL;
CREATE UNIQUE INDEX albums_spotify_id_uq ON albums (spotify_id) WHERE spotify_id IS NOT NULL;
CREATE UNIQUE INDEX albums_discogs_id_uq ON albums (discogs_id) WHERE discogs_id IS NOT NULL;
CREATE INDEX albums_artist_id_idx ON albums (artist_id);
CREATE INDEX albums_genres_gin ON albums USING gin (genres);
CREATE INDEX albums_moods_gin ON albums USING gin (moods);

COMMENT ON TABLE albums IS 'Merged album rows, recomputed from album_sources; found by identity_key.';
COMMENT ON COLUMN albums.identity_key IS
  'upc:<digits> | mbid:<uuid> | spotify:<id> | discogs:<id> | name:<artist key>U+001F<title key>; see docs/DATABASE.md.';
COMMENT ON COLUMN albums.upc IS 'UPC/EAN barcode, digits only, leading zeros stripped.';
COMMENT ON COLUMN albums.mbid IS 'MusicBrainz release id.';
COMMENT ON COLUMN albums.discogs_id IS 'Discogs release id.';
COMMENT ON COLUMN albums.genres IS 'Canonical genre vocabulary, merged from album_sources.';
COMMENT ON COLUMN albums.moods IS 'Canonical mood vocabulary, merged from album_sources.';

CREATE TABLE tracks (
  id              bigserial PRIMARY KEY,
  identity_key    text NOT NULL,
  name_key        text NOT NULL,
  artist_id       bigint REFERENCES artists (id) ON DELETE SET NULL,
  album_id        bigint REFERENCES albums (id) ON DELETE SET NULL,
  artist_name     text NOT NULL,
  title           text NOT NULL,
  album_title     text,
  isrc            text,
  mbid            uuid,
  spotify_id      text,
  discogs_id      bigint,
  duration_ms     integer,
  explicit        boolean,
  popularity      smallint,
  track_number    smallint,
  release_date    date,
  release_year    smallint,
  genres          text[] NOT NULL DEFAULT '{}',
  moods           text[] NOT NULL DEFAULT '{}',
  audio_features  jsonb,
  providers_done  text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  enriched_at     timestamptz,
  CONSTRAINT tracks_identity_key_uq UNIQUE (identity_key),
  CONSTRAINT tracks_identity_key_check CHECK (identity_key ~ '^(isrc|mbid|spotify|name):.'),
  CONSTRAINT tracks_isrc_check CHECK (isrc ~ '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$'),
  CONSTRAINT tracks_spotify_id_check CHECK (spotify_id <> ''),
  CONSTRAINT tracks_discogs_id_check CHECK (discogs_id > 0),
  CONSTRAINT tracks_duration_ms_check CHECK (duration_ms >= 0),
  CONSTRAINT tracks_popularity_check CHECK (popularity BETWEEN 0 AND 100),
  CONSTRAINT tracks_track_number_check CHECK (track_number > 0),
  CONSTRAINT tracks_release_year_check CHECK (release_year BETWEEN 1000 AND 9999),
  CONSTRAINT tracks_audio_features_check CHECK (jsonb_typeof(audio_features) = 'object')
);
CREATE INDEX tracks_name_key_idx ON tracks (name_key);
CREATE UNIQUE INDEX tracks_isrc_uq ON tracks (isrc) WHERE isrc IS NOT NULL;
CREATE UNIQUE INDEX tracks_mbid_uq ON tracks (mbid) WHERE mbid IS NOT NULL;
CREATE UNIQUE INDEX tracks_spotify_id_uq ON tracks (spotify_id) WHERE spotify_id IS NOT NULL;
CREATE UNIQUE INDEX tracks_discogs_id_uq ON tracks (discogs_id) WHERE discogs_id IS NOT NULL;
CREATE INDEX tracks_artist_id_idx ON tracks (artist_id);
CREATE INDEX tracks_album_id_idx ON tracks (album_id);
CREATE INDEX tracks_genres_gin ON tracks USING gin (genres);
CREATE INDEX tracks_moods_gin ON tracks USING gin (moods);

COMMENT ON TABLE tracks IS
  'Merged track rows, recomputed from track_sources so providers never clobber one another.';
COMMENT ON COLUMN tracks.identity_key IS
  'isrc:<ISRC> | mbid:<uuid> | spotify:<id> | name:<name_key>: how a job finds its row; see docs/DATABASE.md.';
COMMENT ON COLUMN tracks.name_key IS
  'db::NameKey(artist) || U+001F || db::NameKey(title); indexed for fuzzy matching, not unique.';
COMMENT ON COLUMN tracks.isrc IS 'ISRC, upper case without hyphens (CC XXX YY NNNNN).';
COMMENT ON COLUMN tracks.mbid IS 'MusicBrainz recording id.';
COMMENT ON COLUMN tracks.spotify_id IS 'Spotify track id (base62, case-sensitive).';
COMMENT ON COLUMN tracks.genres IS 'Canonical genre vocabulary (aliases folded, capped), merged from track_sources.';
COMMENT ON COLUMN tracks.moods IS 'Canonical mood vocabulary, merged from track_sources.';
COMMENT ON COLUMN tracks.audio_features IS
  'Spotify-style audio features object (danceability, energy, valence, tempo, ...).';
COMMENT ON COLUMN tracks.providers_done IS 'Providers whose contribution (ok or not_found) is merged.';
COMMENT ON COLUMN tracks.enriched_at IS 'When the row was last recomputed from track_sources.';

CREATE TABLE track_sources (
  track_id     bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
  provider     text NOT NULL,
  status       text NOT NULL,
  external_id  text,
  fetched_at   timestamptz NOT NULL,
  genres       text[] NOT NULL DEFAULT '{}',
  moods        text[] NOT NULL DEFAULT '{}',
  fields       jsonb NOT NULL DEFAULT '{}',
  raw          jsonb,
  job_id       text,
  PRIMARY KEY (track_id, provider),
  CONSTRAINT track_sources_provider_check CHECK (provider ~ '^[a-z][a-z0-9_]*$'),
  CONSTRAINT track_sources_status_check CHECK (status IN ('ok', 'not_found')),
  CONSTRAINT track_sources_fields_check CHECK (jsonb_typeof(fields) = 'object')
);

COMMENT ON TABLE track_sources IS
  'One provider''s contribution to one track; a re-run of that provider replaces only this row.';
COMMENT ON COLUMN track_sources.status IS 'ok: the provider knows the track; not_found: it was asked and does not.';
COMMENT ON COLUMN track_sources.fields IS
  'The provider''s normalized contribution: title, duration_ms, popularity, explicit, release_date, audio_features, ...';
COMMENT ON COLUMN track_sources.raw IS 'The provider''s response, trimmed, for debugging and re-normalizing.';
COMMENT ON COLUMN track_sources.job_id IS 'The job that wrote this row (AMQP message_id).';

CREATE TABLE album_sources (
  album_id     bigint NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
  provider     text NOT NULL,
  status       text NOT NULL,
  external_id  text,
  fetched_at   timestamptz NOT NULL,
  genres       text[] NOT NULL DEFAULT '{}',
  moods        text[] NOT NULL DEFAULT '{}',
  fields       jsonb NOT NULL DEFAULT '{}',
  raw          jsonb,
  job_id       text,
  PRIMARY KEY (album_id, provider),
  CONSTRAINT album_sources_provider_check CHECK (provider ~ '^[a-z][a-z0-9_]*$'),
  CONSTRAINT album_sources_status_check CHECK (status IN ('ok', 'not_found')),
  CONSTRAINT album_sources_fields_check CHECK (jsonb_typeof(fields) = 'object')
);

COMMENT ON TABLE album_sources IS
  'One provider''s contribution to one album; a re-run of that provider replaces only this row.';
COMMENT ON COLUMN album_sources.fields IS
  'The provider''s normalized contribution: title, release_date, upc, label, ...';

CREATE TABLE track_similar (
  track_id          bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
  similar_track_id  bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
  rank              smallint NOT NULL,
  score             real NOT NULL,
  shared_genres     text[] NOT NULL DEFAULT '{}',
  shared_moods      text[] NOT NULL DEFAULT '{}',
  computed_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (track_id, similar_track_id),
  CONSTRAINT track_similar_not_self_check CHECK (track_id <> similar_track_id),
  CONSTRAINT track_similar_rank_check CHECK (rank >= 1)
);
-- The cascade from tracks looks rows up by similar_track_id too.
CREATE INDEX track_similar_similar_track_id_idx ON track_similar (similar_track_id);

COMMENT ON TABLE track_similar IS 'Top K similar tracks per track, kept by tunefleet-recommend.';
COMMENT ON COLUMN track_similar.rank IS '1 = most similar.';
COMMENT ON COLUMN track_similar.score IS 'Higher is more similar; comparable within one track_id only.';

CREATE TABLE feature_vocabularies (
  version     integer PRIMARY KEY,
  columns     text[] NOT NULL,
  genres      text[] NOT NULL,
  moods       text[] NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT feature_vocabularies_version_check CHECK (version > 0)
);

COMMENT ON TABLE feature_vocabularies IS
  'Versioned column layout of track_features.features; a new vocabulary is a new version, never an update.';
COMMENT ON COLUMN feature_vocabularies.columns IS 'Name of each position of track_features.features.';

CREATE TABLE track_features (
  track_id            bigint PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
  vocabulary_version  integer NOT NULL REFERENCES feature_vocabularies (version),
  features            real[] NOT NULL,
  missing             boolean[] NOT NULL,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT track_features_shape_check CHECK (cardinality(features) = cardinality(missing))
);
CREATE INDEX track_features_vocabulary_version_idx ON track_features (vocabulary_version);

COMMENT ON TABLE track_features IS 'One ML feature vector per track, kept by tunefleet-features.';
COMMENT ON COLUMN track_features.features IS 'Values in the order of feature_vocabularies.columns; 0 where missing.';
COMMENT ON COLUMN track_features.missing IS 'true where the source value was unknown (features holds 0 there).';
