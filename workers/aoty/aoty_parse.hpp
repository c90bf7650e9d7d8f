#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/catalog/records.hpp"
#include "common/core/result.hpp"
#include "common/json/job.hpp"
#include "common/runtime/normalize_command.hpp"

// albumoftheyear.org pages -> our records. AOTY has no API: the provider reads two public
// HTML pages, the album search (/search/albums/?q=) and the album page (/album/<id>-<slug>.php),
// with libxml2's HTML parser and XPath (never a regex over HTML). Pure: no I/O, no globals;
// the shapes are modelled on public scrapers (docs/providers/AOTY.md, "Where the shapes come
// from") and tested in tests/unit/aoty/.
//
// A page that lacks what identifies its shape (a result without its title, an album page
// without h1.albumTitle or a score box, a score that is not a number) is a kInvalidInput
// error naming what was missing: the site changed, and retrying cannot help.
namespace aoty {

// Whether a page's text reaches `</html>` (in its last 4 KiB, any case). libxml2's recovery
// closes every element of a page cut off in transit, so a cut page would otherwise read as one
// that changed shape. The provider's gateway classifier refuses cut pages (transient, never
// cached); the parse functions report a shape error of a cut page as transient too.
bool PageComplete(std::string_view html);

// Which page a request asked for.
enum class PageKind { kSearch, kAlbum };
// What a complete 2xx page lacks to be AOTY's page of `kind`; nullopt when it is one. The
// search page is recognised by its results (div.albumBlock) or its "no albums found" box
// (div.noResults), the album page by h1.albumTitle or a score box (div.albumCriticScoreBox,
// div.albumUserScoreBox). Anything else (a proxy's "502 Bad Gateway" served with status 200, a
// bot challenge, an empty body) is not an answer about the album at all: the provider's
// classifier makes it transient (retried, never cached), never "no results" or "no score".
std::optional<std::string> MissingMarker(PageKind kind, std::string_view html);

// One result of the album search: a div.albumBlock.
struct SearchCandidate {
  std::string artist;  // div.artistTitle
  std::string title;   // div.albumTitle
  std::string path;    // the album page, "/album/1234-artist-title.php"
};
// The candidates of a search page in page order; none (an empty list) when the page says
// nothing matched (div.noResults). A page with neither is transient ("unexpected page").
core::Result<std::vector<SearchCandidate>> ParseSearch(std::string_view html);

// The comparison key of an artist or a title: ASCII lower case, "&" read as "and", every
// other run of punctuation and spaces one space, trimmed; a leading "the " dropped (artists
// only: "The National" = "National"). Bytes of UTF-8 letters are kept as they are.
std::string MatchKey(std::string_view name, bool is_artist = false);
// The candidate for `artist` and `title`: the first whose artist and title keys equal the
// job's; failing that, the first whose artist key equals and whose title key equals with
// bracketed suffixes removed on both sides ("Blonde (Deluxe)" for "Blonde"); nullopt when
// none does. Never simply the first result: a search lists other artists' albums too.
std::optional<SearchCandidate> PickCandidate(const std::vector<SearchCandidate>& candidates, std::string_view artist,
                                             std::string_view title);

// What an album page says. A score is absent when AOTY shows none (no critic reviews yet;
// "NR", too few user ratings).
struct AlbumPage {
  std::string title;   // h1.albumTitle
  std::string artist;  // div.artist
  std::optional<double> critic_score;  // div.albumCriticScore a (@title when it is the exact value)
  std::optional<std::int32_t> critic_count;  // div.albumCriticScoreBox div.numReviews: "Based on 42 reviews"
  std::optional<double> user_score;          // div.albumUserScore a
  std::optional<std::int32_t> user_count;    // div.albumUserScoreBox div.numReviews: "Based on 1,234 ratings"
  std::string raw_json;  // {"critic_box": "<div...>", "user_box": "<div...>"}: the boxes as served
};
core::Result<AlbumPage> ParseAlbumPage(std::string_view html);

// The records we write: the page's scores on the album's aoty row (external_id: the page path).
catalog::AlbumRecord AlbumRecordFrom(const json::AlbumJob& job, std::string_view path, const AlbumPage& page);
catalog::AlbumRecord NotFoundAlbum(const json::AlbumJob& job);

// The search URL of a job: <base>/search/albums/?q=<artist> - <title>, percent-encoded.
std::string SearchUrl(std::string_view base_url, std::string_view artist, std::string_view title);

// `tunefleet-aoty normalize FILE`: a saved search page ("search": its candidates) or album
// page ("album": the record it yields); a page of neither shape is the error the worker
// would dead-letter.
core::Result<runtime::NormalizedAnswer> NormalizeAnswer(std::string_view body);

}  // namespace aoty
