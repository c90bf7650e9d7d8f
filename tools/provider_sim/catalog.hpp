#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tools/provider_sim/style.hpp"

namespace provider_sim {

// Genre names every synthetic genre and tag is drawn from (the beets lastgenre whitelist,
// compiled in from common/normalize/data/), and the style families built once from beets'
// genre tree over them (style.hpp): each artist belongs to one family.
struct Vocabulary {
  std::vector<std::string> genres;
  StyleBook styles;
};
const Vocabulary& BuiltinVocabulary();
// `text`: one genre per line, # comments; `genre_tree`: the tree's YAML (the built-in one
// when not given).
Vocabulary ParseVocabulary(std::string_view text);
Vocabulary ParseVocabulary(std::string_view text, std::string_view genre_tree);

struct Tag {
  std::string name;
  int count = 0;
};

struct ArtistRecord {
  std::uint64_t key = 0;
  std::string name;
  std::string family;                // its style family: "rock", "metal", "electronic"
  std::vector<std::string> genres;   // 1..4 (5 with a neighbour's), lower case, its main genre first
  std::vector<std::string> moods;    // 2..3 mood tags of its family ("aggressive", "dark")
  int popularity = 0;                // 0..100
  int followers = 0;
};

struct AlbumRecord {
  std::uint64_t key = 0;
  std::string title;
  std::string artist;
  std::uint64_t artist_key = 0;
  int year = 0, month = 0, day = 0;
  int total_tracks = 0;
  int popularity = 0;
  std::string album_type;  // album, single, compilation
  std::string label;
  std::string upc;
};

struct TrackRecord {
  std::uint64_t key = 0;
  std::string title;
  std::string artist;
  std::uint64_t artist_key = 0;
  std::uint64_t album_key = 0;
  std::string isrc;
  int duration_ms = 0;  // 90 s .. 8 min
  int popularity = 0;   // 0..100
  int track_number = 1;
  int disc_number = 1;
  bool explicit_content = false;
};

struct AudioFeatures {
  double danceability, energy, loudness, speechiness, acousticness, instrumentalness, liveness,
      valence, tempo;
  int key, mode, time_signature, duration_ms;
};

// A Discogs release: its content comes from the release id alone; its names from the
// registry (or generated).
struct DiscogsRelease {
  std::int64_t id = 0;
  std::string title;
  std::string artist;
  std::int64_t artist_id = 0;
  std::int64_t master_id = 0;
  int year = 0, month = 0, day = 0;
  std::string country;
  std::vector<std::string> genres;  // Discogs top-level genres ("Rock", "Electronic")
  std::vector<std::string> styles;  // title-cased beets genres ("Indie Rock")
  std::string label, catno, format;
  std::vector<std::pair<std::string, int>> tracklist;  // title, seconds
  int have = 0, want = 0;
};

// A Discogs artist (GET /artists/{id}): its name from the registry (the releases that credited
// it), else generated; the rest drawn from the id.
struct DiscogsArtist {
  std::int64_t id = 0;
  std::string name;
  std::string realname;
  std::string profile;
  std::vector<std::string> name_variations;  // other spellings of `name`
  std::vector<std::pair<std::int64_t, std::string>> aliases;  // id, name
};

// The deterministic synthetic catalog. Every record is a pure function of a 64-bit key and
// the seed; keys come from names (FNV-1a of the normalized artist, "\x1f", the title and
// the seed), from ISRCs, or from ids (which carry their key, see ids.hpp). Names cannot be
// recovered from a key, so a registry remembers key -> names for everything the simulator
// has answered (two generations of at most `registry_capacity` entries each, the older
// dropped when the newer fills: a cheap LRU). A key the registry does not know gets
// generated, equally stable names. Not thread safe.
class Catalog {
 public:
  Catalog(std::uint64_t seed, double not_found_share, const Vocabulary& vocabulary,
          std::size_t registry_capacity = 200'000);

  std::uint64_t seed() const { return seed_; }
  void set_not_found_share(double share) { not_found_share_ = share; }

  // Keys. These register the names they were given.
  std::uint64_t TrackKey(std::string_view artist, std::string_view title);
  std::uint64_t ArtistKey(std::string_view artist);
  std::uint64_t AlbumKey(std::string_view artist, std::string_view album);
  // The track registered for this ISRC (one an earlier answer carried), else a fresh key
  // from the ISRC whose record then carries that ISRC.
  std::uint64_t IsrcKey(std::string_view isrc);

  // Decided by the hash, so stable: about `not_found_share` of all keys are not found.
  bool NotFound(std::uint64_t key) const;

  TrackRecord Track(std::uint64_t key);
  ArtistRecord Artist(std::uint64_t key);
  AlbumRecord Album(std::uint64_t key);
  AudioFeatures Features(std::uint64_t track_key);
  // Keys of an album's tracks, in order.
  std::vector<std::uint64_t> AlbumTrackKeys(const AlbumRecord& album);
  // Keys a search for `key` answers, best first: the match itself, then 0..2 plausible
  // near-misses ("... - Remastered", "... (Live)"), all registered and all found.
  std::vector<std::uint64_t> SearchResults(std::uint64_t track_key);

  // Last.fm top tags: the artist's genres with high counts, sometimes another genre of its
  // family, one or two of the artist's moods, and junk ("seen live", a year, the artist's
  // name), sorted by count, the first 100.
  std::vector<Tag> LastfmTags(std::uint64_t key, std::uint64_t artist_key);
  // MusicBrainz folksonomy tags ({name,count}) and the genre subset of them.
  std::vector<Tag> MusicBrainzTags(std::uint64_t key, std::uint64_t artist_key);
  std::vector<Tag> MusicBrainzGenres(std::uint64_t key, std::uint64_t artist_key);

  std::int64_t DiscogsReleaseId(std::uint64_t album_key);  // registers the album's names
  DiscogsRelease Release(std::int64_t id);
  // Decided on the release id, so a search never finds a release its lookup then denies.
  bool ReleaseNotFound(std::int64_t id) const;
  // The artist a release credits (Release() registers its name under its id); an id no
  // release handed out gets a generated name.
  DiscogsArtist Artist(std::int64_t discogs_artist_id);
  // Not found: decided on the id, and never for an id a release handed out.
  bool ArtistNotFound(std::int64_t discogs_artist_id) const;

  std::size_t registry_size() const { return current_.size() + previous_.size(); }

 private:
  struct Names {
    std::string title;   // track or album title; empty for an artist
    std::string artist;
    std::string isrc;    // tracks: the ISRC an ISRC lookup gave
  };
  const Names* Find(std::uint64_t key) const;
  void Remember(std::uint64_t key, Names names);
  std::string GeneratedArtist(std::uint64_t key) const;
  std::string GeneratedTitle(std::uint64_t key, bool album) const;
  std::string GeneratedIsrc(std::uint64_t key) const;
  // An artist's style: one family (drawn by the families' weights), 1..4 of its genres (the
  // common ones most often), sometimes one more from a neighbouring family, and its moods and
  // sound. A pure function of the key and the seed.
  struct ArtistStyle {
    std::size_t family = 0;
    std::size_t extra_family = 0;  // the neighbour whose genre is last in `genres`, if `extra`
    bool extra = false;
    std::vector<std::string> genres;
    std::vector<std::string> moods;
    const SoundProfile* sound = nullptr;
  };
  ArtistStyle Style(std::uint64_t artist_key) const;
  std::uint64_t Salted(std::uint64_t key, std::uint64_t salt) const;

  std::uint64_t seed_;
  double not_found_share_;
  const Vocabulary& vocabulary_;
  std::size_t registry_capacity_;
  std::unordered_map<std::uint64_t, Names> current_;
  std::unordered_map<std::uint64_t, Names> previous_;
  std::unordered_map<std::string, std::uint64_t> isrc_to_key_;
  std::unordered_map<std::string, std::uint64_t> previous_isrc_to_key_;
};

// "indie rock" -> "Indie Rock".
std::string TitleCase(std::string_view text);

}  // namespace provider_sim
