#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/catalog/records.hpp"
#include "common/core/result.hpp"
#include "common/json/job.hpp"
#include "common/runtime/normalize_command.hpp"

// Spotify Web API responses -> our records. Pure: no sockets, sleeps, retries, SQL or globals,
// so recorded responses (tests/data/spotify/) are enough to test every function. Bodies are
// read with json::Body (common/json/body_reader.hpp): one that is no JSON object (truncated
// JSON, an HTML page, an empty body) is kTransient, a JSON object of the wrong shape (a field
// of the wrong type, an error body) kInvalidInput, with a message naming the endpoint and the
// JSON pointer; nothing here crashes on input.
namespace spotify {

inline constexpr std::string_view kProvider = "spotify";

// POST /api/token (client credentials). Only access_token and expires_in matter.
struct Token {
  std::string access_token;
  std::chrono::seconds expires_in{3600};
};

// An artist object. In tracks and albums it is the simplified form (no genres).
struct Artist {
  std::string id;
  std::string name;
  std::vector<std::string> genres;  // Spotify's own genre strings, as sent
};

// A full track object (search items, /v1/tracks/{id}, /v1/tracks?ids=).
struct Track {
  std::string id;
  std::string name;
  std::vector<Artist> artists;  // simplified, in credit order
  std::string album_id;
  std::string album_name;
  catalog::TrackFields fields;  // title, duration_ms, explicit, popularity, track_number, release_date, isrc, spotify_id
  std::string raw_json;         // the object without available_markets and images
};

// A simplified album (album search items).
struct AlbumSummary {
  std::string id;
  std::string name;
  std::vector<Artist> artists;
};

// A full album (/v1/albums/{id}).
struct Album {
  std::string id;
  std::string name;
  std::vector<Artist> artists;
  std::vector<std::string> genres;  // usually empty nowadays
  catalog::AlbumFields fields;      // title, release_date, upc, spotify_id, total_tracks, label
  std::string album_type;           // album, single, compilation
  std::string raw_json;             // without available_markets and images
  // The album object's first page of simplified tracks (tracks.items: disc_number,
  // track_number, id, name, duration_ms, artists); `tracks_total` and `tracks_more` say whether
  // /v1/albums/{id}/tracks has more pages (tracks.next not null).
  std::vector<catalog::AlbumTrack> tracks;
  std::int32_t tracks_total = 0;
  bool tracks_more = false;
};

// One page of /v1/albums/{id}/tracks: a paging object of simplified tracks.
struct AlbumTracksPage {
  std::vector<catalog::AlbumTrack> tracks;
  bool more = false;  // `next` is not null
};

// What an error body says: {"error":{"status","message"}} (today), {"error":{"type",
// "description"}} (legacy) or the accounts service's {"error","error_description"}.
struct ApiError {
  int status = 0;        // 0 when the body does not say
  std::string type;      // legacy type or OAuth error code, else empty
  std::string message;
};

core::Result<Token> ParseToken(std::string_view body);
// Track search: the items (null items skipped), in Spotify's relevance order; empty = no hit.
core::Result<std::vector<Track>> ParseTrackSearch(std::string_view body);
core::Result<Track> ParseTrack(std::string_view body);
// /v1/tracks?ids=: one entry per id asked for, nullopt where Spotify answered null.
core::Result<std::vector<std::optional<Track>>> ParseTracks(std::string_view body);
core::Result<std::vector<AlbumSummary>> ParseAlbumSearch(std::string_view body);
core::Result<Album> ParseAlbum(std::string_view body);
// `album` and `artist` fill what the simplified tracks leave out (an entry without artists
// is credited to the album's artist).
core::Result<AlbumTracksPage> ParseAlbumTracks(std::string_view body, std::string_view album, std::string_view artist);
core::Result<Artist> ParseArtist(std::string_view body);
// /v1/artists?ids= and artist search (navidrome shape): artists in order, nulls skipped.
core::Result<std::vector<Artist>> ParseArtists(std::string_view body);
// One audio-features object -> the JSON object the catalog stores: danceability, energy,
// valence, tempo, acousticness, instrumentalness, liveness, speechiness, loudness, key, mode,
// time_signature (those present; numbers only).
core::Result<std::string> ParseAudioFeatures(std::string_view body);

// Micro-batch answers split per id (MicroBatcher::Values): id -> that entry's JSON text.
// Null entries are left out, so the batcher answers nullopt for them.
core::Result<std::map<std::string, std::string>> SplitArtists(std::string_view body);
core::Result<std::map<std::string, std::string>> SplitAudioFeatures(std::string_view body);

// An error body's content, or nullopt when the body is not one of the three error shapes.
std::optional<ApiError> ParseError(std::string_view body);
// The gateway's classify hook: a 2xx body that is not a JSON object is kTransient (so retried,
// and never cached).
std::optional<core::Error> CheckBody(std::string_view body, std::string_view endpoint);

// Search queries. Values are quoted with '"' and '\' escaped: track:"Say \"Hi\"" artist:"X".
std::string TrackQuery(std::string_view title, std::string_view artist);
std::string AlbumQuery(std::string_view album, std::string_view artist);
std::string IsrcQuery(std::string_view isrc);
// "Basic " + base64(id ":" secret), the token request's Authorization header.
std::string BasicAuthorization(std::string_view client_id, std::string_view client_secret);
// ISRC as stored: upper case, hyphens and spaces dropped ("GB-SMU-45-66095" -> "GBSMU4566095").
std::string NormalizeIsrc(std::string_view isrc);
// For matching and cache keys: ASCII lower case, runs of non-alphanumeric ASCII -> one space,
// trimmed; bytes >= 0x80 kept.
std::string FoldName(std::string_view name);
// The best search item for a job: exact folded title first, then a title that starts with
// the job's ("Creep - Remastered"), then any; an artist match adds; ties keep Spotify's
// order. nullopt only for an empty list.
std::optional<std::size_t> PickTrack(const std::vector<Track>& items, std::string_view title, std::string_view artist);
std::optional<std::size_t> PickAlbum(const std::vector<AlbumSummary>& items, std::string_view album,
                                     std::string_view artist);
// Spotify release_date + precision -> YYYY, YYYY-MM or YYYY-MM-DD; nullopt for year 0 or junk.
std::optional<std::string> NormalizeReleaseDate(std::string_view date, std::string_view precision);

// Records. Genres and moods go through normalize::Vocabulary::Default().Classify: `extra`
// (album genres) first with weight 2, then each artist's genres weighted 1/(position + 1).
catalog::TrackRecord TrackRecordOf(const json::TrackJob& job, const Track& track,
                                   const std::optional<std::string>& audio_features_json,
                                   const std::vector<Artist>& artists);
catalog::TrackRecord NotFoundTrack(const json::TrackJob& job);
catalog::AlbumRecord AlbumRecordOf(const json::AlbumJob& job, const Album& album, const std::vector<Artist>& artists);
catalog::AlbumRecord NotFoundAlbum(const json::AlbumJob& job);

// What the runtime makes of an error body (`token`: the accounts service's OAuth shape):
// a refused token and a 401 are kTransient (the provider retries them), otherwise the
// gateway's status classification of `status` (404 kNotFound, 429 and 5xx kTransient, other
// 4xx kInvalidInput); a legacy body without a status is placed by its type ("not_found" 404).
core::Error ErrorOf(const ApiError& error, bool token);

// `tunefleet-spotify normalize FILE` (through runtime::NormalizeCommand): recognizes the
// endpoint by the body's shape ("search", "track", "tracks", "album", "artist", "artists",
// "audio-feature", "audio-features", "token", "error") and returns what it yields; an error
// body is classified by ErrorOf. kInvalidInput for anything else.
core::Result<runtime::NormalizedAnswer> NormalizeResponse(std::string_view body);

}  // namespace spotify
