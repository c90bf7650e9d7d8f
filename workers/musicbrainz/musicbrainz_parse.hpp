#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/catalog/records.hpp"
#include "common/core/result.hpp"
#include "common/json/job.hpp"
#include "common/normalize/vocabulary.hpp"
#include "common/runtime/normalize_command.hpp"

// MusicBrainz WS/2 JSON answers -> our records, and the requests that ask for them. Pure: no
// I/O, no globals (tests/unit/musicbrainz/). `endpoint` names the call in error messages.
namespace musicbrainz {

// Lucene query syntax: a backslash before each of + - & | ! ( ) { } [ ] ^ " ~ * ? : \ /
// ("AC/DC" -> "AC\/DC", "a && b" -> "a \&\& b").
std::string EscapeLucene(std::string_view text);
// recording:"<title>" AND artist:"<artist>" (escaped).
std::string RecordingQuery(std::string_view artist, std::string_view title);
// releasegroup:"<album>" AND artist:"<artist>" (escaped).
std::string ReleaseGroupQuery(std::string_view artist, std::string_view album);

// Request URLs under `base_url` (https://musicbrainz.org, or provider-sim's /musicbrainz).
inline constexpr std::string_view kRecordingInc = "tags+genres+isrcs+artist-credits+releases";
inline constexpr std::string_view kIsrcInc = "artist-credits+tags+genres";
// `releases`: the group's releases (id, title, status, date, country, barcode), so one of them
// can be picked for the tracklist without another request.
inline constexpr std::string_view kReleaseGroupInc = "tags+genres+artist-credits+releases";
// The picked release's media with their tracks, each track's recording with its ISRCs, and the
// artist credits (a compilation's tracks credit other artists than the release).
inline constexpr std::string_view kReleaseInc = "recordings+isrcs+artist-credits";
inline constexpr int kSearchLimit = 5;
std::string IsrcUrl(std::string_view base_url, std::string_view isrc);
std::string RecordingUrl(std::string_view base_url, std::string_view mbid);
std::string RecordingSearchUrl(std::string_view base_url, std::string_view artist, std::string_view title);
std::string ReleaseGroupUrl(std::string_view base_url, std::string_view mbid);
std::string ReleaseGroupSearchUrl(std::string_view base_url, std::string_view artist, std::string_view album);
std::string ReleaseUrl(std::string_view base_url, std::string_view mbid);

// For gateway::CallOptions::classify: a 2xx body that is not a JSON object (empty, HTML, cut
// off) is kTransient, so it is retried and neither cached nor parsed further.
std::optional<core::Error> ClassifyBody(std::string_view body, std::string_view endpoint);

// The first entry of an artist-credit list: the artist's MBID (as sent) and the names it
// answers to there (as credited: "Ire"; its own: "Ire Adebayo").
struct CreditedArtist {
  std::string id;
  std::string credited_name;
  std::string name;
};

struct Recording {
  std::string id;
  std::string title;
  std::optional<int> score;                     // searches only
  std::optional<std::int32_t> length_ms;        // null when unknown
  std::optional<std::string> first_release_date;
  std::optional<std::string> artist_credit;     // names joined with their join phrases
  CreditedArtist first_artist;
  std::vector<std::string> isrcs;
  std::vector<normalize::WeightedTag> tags;     // weight = votes
  std::vector<normalize::WeightedTag> genres;   // weight = votes
};

// One release of a release group, as the group's lookup with inc=releases lists it.
struct ReleaseSummary {
  std::string id;
  std::string title;
  std::optional<std::string> status;   // "Official", "Promotion", "Bootleg", ...; null when unset
  std::optional<std::string> date;     // YYYY-MM-DD, YYYY-MM or YYYY
  std::optional<std::string> barcode;  // the UPC/EAN printed on it
};

struct ReleaseGroup {
  std::string id;
  std::string title;
  std::optional<int> score;
  std::optional<std::string> first_release_date;
  std::optional<std::string> artist_credit;
  CreditedArtist first_artist;
  std::optional<std::string> primary_type;
  std::vector<normalize::WeightedTag> tags;
  std::vector<normalize::WeightedTag> genres;
  std::vector<ReleaseSummary> releases;  // lookups with inc=releases only
};

// A release lookup (inc=recordings+isrcs+artist-credits): its tracklist, media in order.
struct Release {
  std::string id;
  std::string title;
  std::vector<catalog::AlbumTrack> tracklist;
};

core::Result<Recording> ParseRecording(std::string_view body, std::string_view endpoint);
// /isrc/<isrc>: {"isrc", "recordings": [...]}.
core::Result<std::vector<Recording>> ParseIsrc(std::string_view body, std::string_view endpoint);
// /recording?query=: {"created","count","offset","recordings": [...]}.
core::Result<std::vector<Recording>> ParseRecordingSearch(std::string_view body, std::string_view endpoint);
core::Result<ReleaseGroup> ParseReleaseGroup(std::string_view body, std::string_view endpoint);
core::Result<std::vector<ReleaseGroup>> ParseReleaseGroupSearch(std::string_view body, std::string_view endpoint);
// /release/<mbid>: `media[]` (position = disc) and their `tracks[]` (position, title, length,
// recording {id, isrcs, video}, artist-credit) as tracklist entries: disc, position, title (the
// track's, else the recording's), duration (the track's length, else the recording's), the
// recording's MBID and its first well-formed ISRC as ids, the first credited artist (else
// `artist`, the job's) and the release title as album. Skipped: video recordings (a DVD's
// clips), tracks without a position or a title; MusicBrainz lists a disc's data tracks apart
// (`data-tracks`), so they are never read. A track without a recording becomes a name-only entry.
core::Result<Release> ParseRelease(std::string_view body, std::string_view endpoint, std::string_view artist);

// The release whose tracklist an album gets, or null when the group lists none: the job's UPC
// when a release carries it as barcode (leading zeros aside: UPC-A vs EAN-13); else among the official releases (all of them when
// none is official) those titled like the job's album (folded), when any; of those the earliest
// date (a dated one before an undated one, "1976" before "1976-04-08"); ties: the first listed.
const ReleaseSummary* PickRelease(const std::vector<ReleaseSummary>& releases, std::string_view album,
                                  const std::optional<std::string>& upc);

// The best candidate: highest score; among equals, one whose title matches `title` (folded),
// else the first. Null for an empty list.
const Recording* BestRecording(const std::vector<Recording>& candidates, std::string_view title);
const ReleaseGroup* BestReleaseGroup(const std::vector<ReleaseGroup>& candidates, std::string_view title);
// A recording search hit without tags and genres is looked up (inc=tags+genres...) before it
// is written. A release-group hit is always looked up (its releases and their dates); the
// group's NeedsLookup only says whether the hit alone would have been enough.
bool NeedsLookup(const Recording& recording);
bool NeedsLookup(const ReleaseGroup& group);

// The records we write: mbid as external_id and fields.mbid, isrc (the job's, else the
// first the recording lists), title, duration, first release date, artist credit, and genres
// and moods from MusicBrainz genres and tags through the vocabulary (weight = votes).
catalog::TrackRecord TrackRecordFrom(const json::TrackJob& job, const Recording& recording, std::string raw_json,
                                     const normalize::Vocabulary& vocabulary);
catalog::AlbumRecord AlbumRecordFrom(const json::AlbumJob& job, const ReleaseGroup& group, std::string raw_json,
                                     const normalize::Vocabulary& vocabulary);
catalog::TrackRecord NotFoundTrack(const json::TrackJob& job);
catalog::AlbumRecord NotFoundAlbum(const json::AlbumJob& job);

// `tunefleet-musicbrainz normalize FILE`: the shape of a saved answer ("recording", "isrc",
// "release-group", "recording-search", "release-group-search" or "error") and the record it
// yields (the best hit for searches).
struct Normalized {
  std::string shape;
  std::optional<catalog::TrackRecord> track;
  std::optional<catalog::AlbumRecord> album;
  std::optional<core::Error> error;
  int candidates = 0;  // search and ISRC answers: how many there were
};
core::Result<Normalized> Normalize(std::string_view body, const normalize::Vocabulary& vocabulary);
// Normalize with the default vocabulary, for runtime::NormalizeCommand.
core::Result<runtime::NormalizedAnswer> NormalizeAnswer(std::string_view body);

// Cache key part: ASCII lower case, whitespace trimmed and collapsed, percent-encoded.
std::string KeyPart(std::string_view name);

}  // namespace musicbrainz
