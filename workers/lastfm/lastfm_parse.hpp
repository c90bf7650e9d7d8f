#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/catalog/records.hpp"
#include "common/core/result.hpp"
#include "common/json/job.hpp"
#include "common/normalize/vocabulary.hpp"
#include "common/runtime/normalize_command.hpp"

// Last.fm API 2.0 answers -> our records. Pure: no I/O, no globals; recorded responses are
// enough to test it (tests/unit/lastfm/). Every function takes the endpoint (the method name,
// "track.getTopTags") so an error says where it came from.
namespace lastfm {

// Last.fm's error codes (https://www.last.fm/api/errorcodes) that change what we do.
inline constexpr int kErrorInvalidMethod = 3;
inline constexpr int kErrorNotFound = 6;  // "Track not found", "The artist you supplied could not be found"
inline constexpr int kErrorOperationFailed = 8;
inline constexpr int kErrorInvalidApiKey = 10;
inline constexpr int kErrorServiceOffline = 11;
inline constexpr int kErrorTemporarilyUnavailable = 16;
inline constexpr int kErrorSuspendedApiKey = 26;
inline constexpr int kErrorRateLimitExceeded = 29;

// The error an error object {"error":N,"message":...} means: 6 kNotFound; 8, 11, 16, 29
// kTransient (29 with a 1 s retry_after); 10 and 26 (bad API key) and the rest kInvalidInput.
core::Error ErrorFor(int code, std::string_view message, std::string_view endpoint);
// True for the codes that mean TUNEFLEET_LASTFM_API_KEY is wrong (10, 26).
bool IsApiKeyError(int code);

// For gateway::CallOptions::classify: a body that is not a JSON object (empty, HTML, cut off)
// is kTransient, an error object is ErrorFor(code); a normal answer is nullopt. Errors are
// never cached; only what passes here is.
std::optional<core::Error> ClassifyBody(std::string_view body, std::string_view endpoint);
// The `error` code of an error object, when `body` is one.
std::optional<int> ErrorCode(std::string_view body);

// track.getTopTags / artist.getTopTags / album.getTopTags: {"toptags":{"tag":[...],"@attr":{...}}}.
// `tag` may be a list, a single object, or absent (no tags); counts are strings or numbers.
struct TopTags {
  std::string artist;   // @attr.artist (Last.fm's corrected spelling), "" when absent
  std::string subject;  // @attr.track or @attr.album, "" when absent
  std::vector<normalize::WeightedTag> tags;  // weight = count (1 when a tag has none)
};
core::Result<TopTags> ParseTopTags(std::string_view body, std::string_view endpoint);

// track.getInfo: {"track":{name, mbid, url, duration (ms), artist, album, toptags}}.
struct TrackInfo {
  std::string title;
  std::string artist;
  std::optional<std::string> album;
  std::optional<std::string> mbid;  // only when it is a UUID
  std::optional<std::string> url;
  std::optional<std::int32_t> duration_ms;  // absent when 0 ("unknown")
  std::vector<normalize::WeightedTag> tags;  // its top tags, without counts
};
core::Result<TrackInfo> ParseTrackInfo(std::string_view body, std::string_view endpoint);

// album.getInfo: {"album":{name, artist, mbid, url, tracks, tags | toptags}}; tags may be "".
struct AlbumInfo {
  std::string title;
  std::string artist;
  std::optional<std::string> mbid;  // only when it is a UUID
  std::optional<std::string> url;
  std::optional<std::int32_t> total_tracks;
  std::vector<normalize::WeightedTag> tags;
};
core::Result<AlbumInfo> ParseAlbumInfo(std::string_view body, std::string_view endpoint);

// artist.getInfo: {"artist":{name, mbid, url, tags}} (only the normalize command reads it).
struct ArtistInfo {
  std::string name;
  std::optional<std::string> mbid;
  std::optional<std::string> url;
  std::vector<normalize::WeightedTag> tags;
};
core::Result<ArtistInfo> ParseArtistInfo(std::string_view body, std::string_view endpoint);

// What a track job's calls returned (absent: not asked, or not found).
struct TrackAnswers {
  std::optional<TopTags> track_tags{};
  std::optional<TrackInfo> info{};
  std::optional<TopTags> artist_tags{};  // the fallback when the track has no tags
  std::vector<std::pair<std::string, std::string>> raw{};  // endpoint -> body, for provenance
};
struct AlbumAnswers {
  std::optional<AlbumInfo> info{};
  std::optional<TopTags> artist_tags{};
  std::vector<std::pair<std::string, std::string>> raw{};
};

// The records we write. Genres and moods come from the vocabulary, weighted by tag count,
// with the artist's own name dropped.
catalog::TrackRecord TrackRecordFrom(const json::TrackJob& job, const TrackAnswers& answers,
                                     const normalize::Vocabulary& vocabulary);
catalog::AlbumRecord AlbumRecordFrom(const json::AlbumJob& job, const AlbumAnswers& answers,
                                     const normalize::Vocabulary& vocabulary);
catalog::TrackRecord NotFoundTrack(const json::TrackJob& job);
catalog::AlbumRecord NotFoundAlbum(const json::AlbumJob& job);

// `tunefleet-lastfm normalize FILE`: what a saved answer is (recognized by its shape) and the
// record it yields. An error object is reported as `error` (with its mapped kind).
struct Normalized {
  std::string shape;  // "toptags", "track", "album", "artist" or "error"
  std::optional<catalog::TrackRecord> track;  // toptags of a track, track.getInfo
  std::optional<catalog::AlbumRecord> album;  // toptags of an album, album.getInfo
  std::optional<std::string> artist;          // artist toptags, artist.getInfo: the artist's
  normalize::Classified artist_classified;    // genres and moods
  std::optional<int> error_code;
  std::optional<core::Error> error;
};
core::Result<Normalized> Normalize(std::string_view body, const normalize::Vocabulary& vocabulary);
// Normalize with the default vocabulary, for runtime::NormalizeCommand: the record (an artist's
// answer: {"name", "genres", "moods"}), or the error with its Last.fm code and ErrorFor's kind.
core::Result<runtime::NormalizedAnswer> NormalizeAnswer(std::string_view body);

// The cache key part of a name: ASCII lower case, whitespace trimmed and collapsed,
// percent-encoded ("The  Killers" -> "the%20killers").
std::string KeyPart(std::string_view name);
// The request URL of a method: <base>/2.0/?method=...&<params>&api_key=...&format=json.
std::string MethodUrl(std::string_view base_url, std::string_view method,
                      const std::vector<std::pair<std::string, std::string>>& params, std::string_view api_key);

}  // namespace lastfm
