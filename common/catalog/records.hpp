#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// What a provider contributes to the catalog: plain, typed records. Providers build them
// from API responses (pure parse functions); the runtime batches them; common/db writes
// them as track_sources / album_sources rows and recomputes the merged rows.
namespace catalog {

enum class SourceStatus { kOk, kNotFound };

// Scalar fields a provider may know about a track. Absent = the provider does not say.
struct TrackFields {
  std::optional<std::string> title;
  std::optional<std::int32_t> duration_ms;
  std::optional<bool> is_explicit;
  std::optional<std::int32_t> popularity;    // 0..100
  std::optional<std::int32_t> track_number;  // >= 1
  std::optional<std::string> release_date;   // YYYY-MM-DD, YYYY-MM or YYYY
  std::optional<std::string> artist_credit;  // as credited: "Ed Sheeran feat. Andrea Bocelli & Jessie J"
  std::optional<std::string> isrc;            // ids the provider found
  std::optional<std::string> mbid;
  std::optional<std::string> spotify_id;
  std::optional<std::int64_t> discogs_id;
  // The Discogs id of the job's artist (workers/discogs, once its /artists/{id} answers to the
  // job's artist name): written to artists.discogs_id, not to the source row.
  std::optional<std::int64_t> artist_discogs_id;
  // Likewise the job's artist's MusicBrainz artist id (workers/musicbrainz) and Spotify artist
  // id (workers/spotify), set only when the first credited artist is the job's artist
  // (db::NameKey): written to artists.mbid / artists.spotify_id, not to the source row.
  std::optional<std::string> artist_mbid;
  std::optional<std::string> artist_spotify_id;
  // Spotify-style audio features as a JSON object text ({"danceability":0.5,...}).
  std::optional<std::string> audio_features_json;
};

// How the job identified the track (copied from the job, so a record is self-contained).
struct TrackRef {
  std::string artist;
  std::string title;
  std::optional<std::string> album;
  std::optional<std::string> isrc;
  std::optional<std::string> mbid;
  std::optional<std::string> spotify_id;
  std::optional<std::int64_t> discogs_id;
};

// One provider's contribution to one track.
struct TrackRecord {
  TrackRef ref;
  std::string provider;
  std::string job_id;
  SourceStatus status = SourceStatus::kOk;
  std::optional<std::string> external_id;  // the provider's id for the track
  std::vector<std::string> genres;         // canonical, ranked, capped
  std::vector<std::string> moods;
  TrackFields fields;
  std::optional<std::string> raw_json;     // the response(s) it came from, for provenance
};

struct AlbumRef {
  std::string artist;
  std::string title;
  std::optional<std::string> upc;
  std::optional<std::string> mbid;
  std::optional<std::string> spotify_id;
  std::optional<std::int64_t> discogs_id;
};

struct AlbumFields {
  std::optional<std::string> title;
  std::optional<std::string> release_date;
  std::optional<std::string> artist_credit;  // as credited, joined with the provider's join phrases
  std::optional<std::string> upc;
  std::optional<std::string> mbid;
  std::optional<std::string> spotify_id;
  std::optional<std::int64_t> discogs_id;
  std::optional<std::int64_t> artist_discogs_id;  // as TrackFields::artist_discogs_id
  std::optional<std::string> artist_mbid;         // as TrackFields::artist_mbid
  std::optional<std::string> artist_spotify_id;   // as TrackFields::artist_spotify_id
  std::optional<std::int32_t> total_tracks;
  std::optional<std::string> label;
  // Album of the Year's scores (0..100) and how many reviews / ratings each averages
  // (workers/aoty); merged into albums.aoty_critic_score / aoty_user_score.
  std::optional<double> aoty_critic_score;
  std::optional<std::int32_t> aoty_critic_count;
  std::optional<double> aoty_user_score;
  std::optional<std::int32_t> aoty_user_count;
};

// One entry of an album's tracklist as a provider returned it (Spotify's album tracks,
// MusicBrainz's release media, Discogs's release tracklist). The writer links it to a track
// row (album_tracks) and the runtime publishes one track job for it.
struct AlbumTrack {
  std::int32_t disc = 1;      // >= 1
  std::int32_t position = 0;  // >= 1, within the disc
  TrackRef ref;               // artist and title always; the ids the provider gave
  std::optional<std::int32_t> duration_ms;
};

struct AlbumRecord {
  AlbumRef ref;
  std::string provider;
  std::string job_id;
  SourceStatus status = SourceStatus::kOk;
  std::optional<std::string> external_id;
  std::vector<std::string> genres;
  std::vector<std::string> moods;
  AlbumFields fields;
  std::optional<std::string> raw_json;
  // The album's tracks in order, when the provider returned them (status kOk only).
  std::vector<AlbumTrack> tracklist;
};

}  // namespace catalog
