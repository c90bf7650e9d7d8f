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

// Pure parsing and normalizing of Discogs API bodies (recorded ones are enough to test it):
// no sockets, no clock, no globals besides the read-only vocabulary. Every malformed body
// that is no JSON object (empty, an HTML page, truncated) is a kTransient error (the network's
// or Discogs' fault: retried), a field of the wrong type a kInvalidInput one; both name the
// document kind ("release", "search", "master") and the problem.
namespace discogs {

// One row of GET /database/search. `title` is Discogs' "Artist - Title".
struct SearchHit {
  std::int64_t id = 0;
  std::string type;                  // "release", "master", "artist", "label"
  std::string title;
  std::optional<int> year;           // "1995" in the body; absent on some results
  std::vector<std::string> genres;   // "genre"
  std::vector<std::string> styles;   // "style"
  std::optional<std::int64_t> master_id;
};

// A page of search results with Discogs' `pagination` object: {page, pages, per_page, items,
// urls: {first, prev, next, last}} (a link absent where there is none).
struct SearchPage {
  std::vector<SearchHit> results;
  int page = 1;
  int pages = 1;
  int per_page = 0;                   // 0: the body does not say
  std::int64_t items = 0;
  std::optional<std::string> next_url;  // pagination.urls.next: set while more pages follow
  bool HasNext() const { return next_url.has_value() && page < pages; }
};

// GET /artists/{id}, reduced to the names it answers to and its profile.
struct Artist {
  std::int64_t id = 0;
  std::string name;                           // cleaned ("Persuader, The" -> "The Persuader")
  std::string realname;
  std::string profile;
  std::vector<std::string> name_variations;   // "namevariations", as spelled
  std::vector<std::string> aliases;           // "aliases[].name", cleaned
};

struct Track {
  std::string position;               // "A1", "1-3", "12", "" for index tracks
  std::string title;
  std::optional<std::int32_t> duration_ms;
  std::vector<std::string> artists;   // track-level credits (compilations), cleaned names
  int ordinal = 0;                    // 1-based among the release's playable tracks
};

// GET /releases/{id} or GET /masters/{id}, reduced to what we store.
struct Release {
  std::int64_t id = 0;
  bool is_master = false;
  std::string title;
  std::string artist;                 // the credit: cleaned names with their joins ("Various" kept)
  std::optional<std::int64_t> artist_id;    // the first credited artist's Discogs id (artists[0].id)
  std::optional<std::string> release_date;  // YYYY-MM-DD, YYYY-MM or YYYY
  std::optional<std::int64_t> master_id;    // a master: its main_release is in main_release
  std::optional<std::int64_t> main_release;
  std::vector<std::string> genres;
  std::vector<std::string> styles;
  std::vector<Track> tracklist;       // playable tracks only (headings dropped, index sub-tracks flattened)
  std::optional<std::string> label;
};

// The gateway's classify hook: a 2xx body that is no JSON object is kTransient, so it is
// retried and never cached. `what` names the document ("release", "search").
std::optional<core::Error> CheckBody(std::string_view body, std::string_view what);

core::Result<SearchPage> ParseSearch(std::string_view body);
core::Result<Release> ParseRelease(std::string_view body);
core::Result<Release> ParseMaster(std::string_view body);
core::Result<Artist> ParseArtist(std::string_view body);
// Whether `artist` answers to `name` (its name, real name, a name variation or an alias,
// each cleaned and folded). An empty name answers to nothing.
bool AnswersTo(const Artist& artist, std::string_view name);
// The "message" of an error body ({"message": "Release not found."}); nullopt otherwise.
std::optional<std::string> ParseErrorMessage(std::string_view body);

// --- normalizing helpers (exposed for tests) ---

// "3:45" -> 225000, "1:02:03" -> 3723000; empty or unparsable -> nullopt.
std::optional<std::int32_t> ParseDuration(std::string_view text);
// "2016-06-03" -> itself, "1999-03-00" -> "1999-03", "1999-00-00" and "1999" -> "1999";
// missing or malformed `released` falls back to `year` when it is > 0; else nullopt.
std::optional<std::string> ReleaseDate(std::string_view released, std::int64_t year);
// Discogs disambiguates names with " (2)" and sorts articles last ("Persuader, The"):
// "Uruk-Hai (2)" -> "Uruk-Hai", "Persuader, The" -> "The Persuader".
std::string CleanName(std::string_view name);
// Case, punctuation and spacing folded, for comparing titles and names.
std::string FoldTitle(std::string_view text);
// Canonical genres and moods from Discogs genres and styles: styles (the finer genres) weigh
// more than genres; composite genres are split ("Funk / Soul"); Non-Music and its styles
// (Audiobook, Interview, Spoken Word, ...) are dropped; `artist` is never a genre.
normalize::Classified ClassifyGenres(const std::vector<std::string>& genres,
                                     const std::vector<std::string>& styles, std::string_view artist);

// The result that best answers a search for `artist` and `title` (an album title, or empty):
// release rows only, preferring a matching artist, then title, then `year`. Null when none.
const SearchHit* BestHit(const SearchPage& page, std::string_view artist, std::string_view title,
                         std::optional<std::int64_t> year = std::nullopt);
// The release rows of `page` as BestHit ranks them, best first (ties keep Discogs' order), at
// most `limit`: the candidates an artist lookup disambiguates.
std::vector<SearchHit> RankedHits(const SearchPage& page, std::string_view artist, std::string_view title,
                                  std::optional<std::int64_t> year, std::size_t limit);
// A release row whose "Artist - Title" names `artist` and (when `title` is not empty) the
// title, folded, a version suffix aside: paging stops at the page that has one.
bool IsMatch(const SearchHit& hit, std::string_view artist, std::string_view title);
// The track called `title` on `release` (folded; a version suffix in parentheses may
// differ), preferring one credited to `artist` on compilations. Null when none.
const Track* FindTrack(const Release& release, std::string_view title, std::string_view artist = {});

// --- records ---

catalog::TrackRecord TrackFromRelease(const json::TrackJob& job, const Release& release);
// The same for a given track of `release` (null: the track is not on it).
catalog::TrackRecord TrackRecordFrom(const json::TrackJob& job, const Release& release, const Track* track);
catalog::TrackRecord TrackNotFound(const json::TrackJob& job);
// The release's tracklist as album_tracks entries (docs/RUNTIME.md, "Albums bring their
// tracks"): playable tracks in order; the disc from a "2-5" / "CD2-5" / "2.5" position, else 1
// (vinyl sides A, B, C... are one running list); the position counts the disc's tracks. Each
// entry is credited to its track artist (compilations), else to `artist` (the job's), and
// carries no id: Discogs has no per-track ids, so a track job finds the rest by name.
std::vector<catalog::AlbumTrack> AlbumTracklist(const Release& release, std::string_view artist);
// Its record carries AlbumTracklist(release, job.artist).
catalog::AlbumRecord AlbumFromRelease(const json::AlbumJob& job, const Release& release);
catalog::AlbumRecord AlbumNotFound(const json::AlbumJob& job);

// `tunefleet-discogs normalize FILE` (through runtime::NormalizeCommand): recognizes a saved
// body by its shape ("search", "release", "master", "error") and returns what it yields: a
// search's release rows ({"page", "pages", "items", "best", "records"}; nothing when no row is
// a release), a release's or master's {"album", "tracks"} (a master also "main_release"), or an
// error message classified as the gateway classifies the status Discogs sends it with
// (ErrorStatus). A malformed or unrecognized body is an error.
core::Result<runtime::NormalizedAnswer> NormalizeSaved(std::string_view body);
// The HTTP status Discogs answers an error message with ("Release not found." 404, "You are
// making requests too quickly." 429, "You must authenticate ..." 401, server errors 500);
// 400 for any other message.
long ErrorStatus(std::string_view message);

}  // namespace discogs
