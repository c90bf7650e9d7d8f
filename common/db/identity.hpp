#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

// How a job finds its catalog row (docs/DATABASE.md, "Identity rules"). Pure functions: the
// workers and `tunefleet publish` must compute the same keys, so they live here, once.
namespace db {

// Separates the artist and title parts of a name key (U+001F, ASCII unit separator).
inline constexpr char kNameKeySeparator = '\x1f';

// ASCII lower-case, every run of whitespace (space, tab, CR, LF, VT, FF) collapsed to one
// space, leading and trailing whitespace trimmed. Bytes >= 0x80 pass through unchanged:
// Unicode case folding and suffix stripping ("- Remastered 2011") are deliberately not done.
std::string NameKey(std::string_view name);

// NameKey(artist) + U+001F + NameKey(title): tracks.name_key and the name: identity.
std::string TrackNameKey(std::string_view artist, std::string_view title);

// The identifying fields of a track job. Empty means absent.
struct TrackIdentity {
  std::string_view artist = {};
  std::string_view title = {};
  std::string_view isrc = {};        // hyphens and spaces allowed; compared upper case
  std::string_view mbid = {};        // MusicBrainz recording id; compared lower case
  std::string_view spotify_id = {};  // case-sensitive
};

// The first of isrc:<ISRC>, mbid:<mbid>, spotify:<id>, name:<TrackNameKey> the job has.
// kInvalidInput when it has no id and an empty artist or title.
core::Result<std::string> TrackIdentityKey(const TrackIdentity& track);

// The identifying fields of an album job. Empty (or nullopt) means absent.
struct AlbumIdentity {
  std::string_view artist = {};
  std::string_view title = {};
  std::string_view upc = {};  // UPC-A or EAN-13; non-digits dropped, leading zeros stripped
  std::string_view mbid = {};  // MusicBrainz release id; compared lower case
  std::string_view spotify_id = {};
  std::optional<std::int64_t> discogs_id = {};  // Discogs release id
};

// The first of upc:, mbid:, spotify:, discogs:, name:<artist key>U+001F<title key>.
core::Result<std::string> AlbumIdentityKey(const AlbumIdentity& album);

// Normalized ids as stored in the id columns (tracks.isrc, albums.upc, *.mbid). Empty when
// nothing is left after normalizing.
std::string NormalizeIsrc(std::string_view isrc);
std::string NormalizeUpc(std::string_view upc);
std::string NormalizeMbid(std::string_view mbid);

}  // namespace db
