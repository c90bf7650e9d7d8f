#include "tools/provider_sim/catalog.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "common/normalize/genre_tree.hpp"
#include "common/normalize/vocabulary.hpp"
#include "tools/provider_sim/ids.hpp"
#include "tools/provider_sim/query.hpp"

namespace provider_sim {

namespace {

// Salts that separate the streams derived from one key.
constexpr std::uint64_t kTrackSalt = 0x7472616b;
constexpr std::uint64_t kArtistSalt = 0x61727473;
constexpr std::uint64_t kAlbumSalt = 0x616c626d;
constexpr std::uint64_t kIsrcSalt = 0x69737263;
constexpr std::uint64_t kNotFoundSalt = 0x6e6f7466;
constexpr std::uint64_t kNameSalt = 0x6e616d65;
constexpr std::uint64_t kFeatureSalt = 0x66656174;
constexpr std::uint64_t kTagSalt = 0x74616773;
constexpr std::uint64_t kVariantSalt = 0x76617269;
constexpr std::uint64_t kDiscogsSalt = 0x64697363;
constexpr std::uint64_t kDiscogsArtistSalt = 0x64617274;

constexpr std::array<std::string_view, 8> kJunk = {"seen live", "favourites",  "albums I own", "favorite songs",
                                                   "awesome",   "my playlist", "love",         "under 2000 listeners"};
constexpr std::array<std::string_view, 24> kAdjectives = {
    "Amber", "Distant", "Hollow", "Silent", "Golden", "Electric", "Velvet", "Neon",
    "Crimson", "Paper", "Broken", "Wild", "Lunar", "Glass", "Midnight", "Silver",
    "Northern", "Burning", "Quiet", "Faded", "Restless", "Hidden", "Secret", "Painted"};
constexpr std::array<std::string_view, 24> kNouns = {
    "Tides", "Tigers", "Rivers", "Ravens", "Echoes", "Lights", "Hearts", "Shadows",
    "Engines", "Gardens", "Waves", "Wolves", "Satellites", "Machines", "Ghosts", "Horses",
    "Mirrors", "Cities", "Stars", "Oceans", "Flowers", "Signals", "Summers", "Bridges"};
constexpr std::array<std::string_view, 10> kCountries = {"US", "GB", "DE", "FR", "SE", "NL", "CA", "AU", "JP", "NO"};
constexpr std::array<std::string_view, 8> kLabels = {"Sub Pop", "Warp Records", "Rough Trade", "Domino",
                                                     "4AD",     "Matador",      "XL Recordings", "Merge Records"};

double Rounded(double value, double scale) { return std::round(value * scale) / scale; }

}  // namespace

std::string TitleCase(std::string_view text) {
  std::string out(text);
  bool start = true;
  for (char& c : out) {
    if (start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    start = c == ' ' || c == '-' || c == '/';
  }
  return out;
}

Vocabulary ParseVocabulary(std::string_view text) { return ParseVocabulary(text, normalize::GenreTreeText()); }

Vocabulary ParseVocabulary(std::string_view text, std::string_view genre_tree) {
  Vocabulary vocabulary;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string line = Normalize(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    vocabulary.genres.push_back(std::move(line));
  }
  vocabulary.styles = BuildStyleBook(genre_tree, vocabulary.genres);
  return vocabulary;
}

const Vocabulary& BuiltinVocabulary() {
  static const Vocabulary vocabulary = ParseVocabulary(normalize::GenreListText());
  return vocabulary;
}

Catalog::Catalog(std::uint64_t seed, double not_found_share, const Vocabulary& vocabulary,
                 std::size_t registry_capacity)
    : seed_(seed),
      not_found_share_(not_found_share),
      vocabulary_(vocabulary),
      registry_capacity_(std::max<std::size_t>(registry_capacity, 1)) {}

std::uint64_t Catalog::Salted(std::uint64_t key, std::uint64_t salt) const {
  return Mix(key ^ Mix(salt ^ seed_));
}

const Catalog::Names* Catalog::Find(std::uint64_t key) const {
  if (auto it = current_.find(key); it != current_.end()) return &it->second;
  if (auto it = previous_.find(key); it != previous_.end()) return &it->second;
  return nullptr;
}

void Catalog::Remember(std::uint64_t key, Names names) {
  if (current_.size() >= registry_capacity_) {
    previous_ = std::move(current_);
    current_.clear();
    previous_isrc_to_key_ = std::move(isrc_to_key_);
    isrc_to_key_.clear();
  }
  if (!names.isrc.empty()) isrc_to_key_[names.isrc] = key;
  current_[key] = std::move(names);
}

std::uint64_t Catalog::TrackKey(std::string_view artist, std::string_view title) {
  std::string text = "track\x1f" + Normalize(artist) + "\x1f" + Normalize(title) + "\x1f";
  std::uint64_t key = Fnv1a(std::string_view(reinterpret_cast<const char*>(&seed_), sizeof seed_), Fnv1a(text));
  if (Find(key) == nullptr) Remember(key, {std::string(title), std::string(artist), GeneratedIsrc(key)});
  return key;
}

std::uint64_t Catalog::ArtistKey(std::string_view artist) {
  std::string text = "artist\x1f" + Normalize(artist) + "\x1f";
  std::uint64_t key = Fnv1a(std::string_view(reinterpret_cast<const char*>(&seed_), sizeof seed_), Fnv1a(text));
  if (Find(key) == nullptr) Remember(key, {"", std::string(artist), ""});
  return key;
}

std::uint64_t Catalog::AlbumKey(std::string_view artist, std::string_view album) {
  std::string text = "album\x1f" + Normalize(artist) + "\x1f" + Normalize(album) + "\x1f";
  std::uint64_t key = Fnv1a(std::string_view(reinterpret_cast<const char*>(&seed_), sizeof seed_), Fnv1a(text));
  if (Find(key) == nullptr) Remember(key, {std::string(album), std::string(artist), ""});
  return key;
}

std::uint64_t Catalog::IsrcKey(std::string_view isrc) {
  std::string upper;
  for (char c : isrc) {
    if (c != '-') upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (auto it = isrc_to_key_.find(upper); it != isrc_to_key_.end()) return it->second;
  if (auto it = previous_isrc_to_key_.find(upper); it != previous_isrc_to_key_.end()) return it->second;
  std::uint64_t key = Salted(Fnv1a(upper), kIsrcSalt);
  if (const Names* names = Find(key); names == nullptr || names->isrc != upper) {
    Remember(key, {GeneratedTitle(key, false), GeneratedArtist(key), upper});
  }
  return key;
}

bool Catalog::NotFound(std::uint64_t key) const {
  // Millionths, so a share of 0.05 is exact enough for any test.
  return static_cast<double>(Salted(key, kNotFoundSalt) % 1'000'000) < not_found_share_ * 1'000'000.0;
}

std::string Catalog::GeneratedArtist(std::uint64_t key) const {
  SplitMix r(Salted(key, kNameSalt ^ 1));
  std::string adjective(kAdjectives[r.Index(kAdjectives.size())]);
  std::string noun(kNouns[r.Index(kNouns.size())]);
  return r.Unit() < 0.6 ? "The " + adjective + " " + noun : adjective + " " + noun;
}

std::string Catalog::GeneratedTitle(std::uint64_t key, bool album) const {
  SplitMix r(Salted(key, kNameSalt ^ (album ? 2u : 3u)));
  std::string adjective(kAdjectives[r.Index(kAdjectives.size())]);
  std::string noun(kNouns[r.Index(kNouns.size())]);
  switch (r.Int(0, 2)) {
    case 0: return adjective + " " + noun;
    case 1: return noun + " of " + std::string(kNouns[r.Index(kNouns.size())]);
    default: return "The " + adjective + " " + noun;
  }
}

std::string Catalog::GeneratedIsrc(std::uint64_t key) const {
  SplitMix r(Salted(key, kIsrcSalt));
  static constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string isrc(kCountries[r.Index(kCountries.size())]);
  for (int i = 0; i < 3; ++i) isrc += kAlnum[r.Index(kAlnum.size())];
  int year = r.Int(60, 124) % 100;
  isrc += static_cast<char>('0' + year / 10);
  isrc += static_cast<char>('0' + year % 10);
  int serial = r.Int(0, 99'999);
  for (int div = 10'000; div > 0; div /= 10) isrc += static_cast<char>('0' + (serial / div) % 10);
  return isrc;
}

Catalog::ArtistStyle Catalog::Style(std::uint64_t artist_key) const {
  const StyleBook& book = vocabulary_.styles;
  SplitMix r(Salted(artist_key, kArtistSalt ^ 7));
  ArtistStyle style;
  style.family = book.Pick(r.Unit());
  const StyleFamily& family = book.families[style.family];
  auto add = [&style](const std::string& genre) {
    if (std::find(style.genres.begin(), style.genres.end(), genre) != style.genres.end()) return false;
    style.genres.push_back(genre);
    return true;
  };
  auto common = [&r](const StyleFamily& f) -> const std::string& {
    return f.genres[PickCumulative(f.top_cumulative, r.Unit())];
  };
  // One genre a quarter of the time, two most often, four rarely.
  double size = r.Unit();
  std::size_t count = size < 0.25 ? 1 : (size < 0.6 ? 2 : (size < 0.85 ? 3 : 4));
  add(r.Unit() < 0.85 ? common(family) : family.genres[r.Index(family.genres.size())]);
  const Substyle* substyle = nullptr;
  for (const auto& sub : family.substyles) {
    if (std::find(sub.genres.begin(), sub.genres.end(), style.genres.front()) != sub.genres.end()) substyle = &sub;
  }
  for (std::size_t i = 0; i < count * 4 && style.genres.size() < count; ++i) {
    double u = r.Unit();
    if (substyle != nullptr) {
      add(u < 0.6 ? substyle->genres[r.Index(substyle->genres.size())] : common(family));
    } else {
      add(u < 0.7 ? common(family) : family.genres[r.Index(family.genres.size())]);
    }
  }
  // A one-off from a neighbouring branch (a rock band with a "blues" tag) for about 7 %.
  if (!family.neighbours.empty() && r.Unit() < 0.07) {
    std::size_t neighbour = family.neighbours[r.Index(family.neighbours.size())];
    if (add(common(book.families[neighbour]))) {
      style.extra = true;
      style.extra_family = neighbour;
    }
  }
  // Two or three moods: the first among the family's three most typical.
  const auto& moods = substyle != nullptr ? substyle->moods : family.moods;
  std::size_t mood_count = r.Unit() < 0.6 ? 2 : 3;
  std::size_t first = r.Index(std::min<std::size_t>(moods.size(), 3));
  style.moods.push_back(moods[first]);
  std::size_t offset = r.Index(moods.size());
  for (std::size_t i = 0; i < moods.size() && style.moods.size() < mood_count; ++i) {
    std::size_t next = (offset + i) % moods.size();
    if (next != first) style.moods.push_back(moods[next]);
  }
  style.sound = substyle != nullptr ? &substyle->sound : &family.sound;
  return style;
}

ArtistRecord Catalog::Artist(std::uint64_t key) {
  ArtistRecord artist;
  artist.key = key;
  const Names* names = Find(key);
  artist.name = names != nullptr ? names->artist : GeneratedArtist(key);
  ArtistStyle style = Style(key);
  artist.family = vocabulary_.styles.families[style.family].name;
  artist.genres = std::move(style.genres);
  artist.moods = std::move(style.moods);
  SplitMix r(Salted(key, kArtistSalt));
  artist.popularity = static_cast<int>(std::pow(r.Unit(), 0.7) * 100);
  artist.followers = static_cast<int>(std::pow(10.0, r.Between(2, 7)));
  return artist;
}

AlbumRecord Catalog::Album(std::uint64_t key) {
  AlbumRecord album;
  album.key = key;
  const Names* names = Find(key);
  album.title = names != nullptr ? names->title : GeneratedTitle(key, true);
  album.artist = names != nullptr ? names->artist : GeneratedArtist(key);
  album.artist_key = ArtistKey(album.artist);
  SplitMix r(Salted(key, kAlbumSalt));
  album.year = r.Int(1962, 2024);
  album.month = r.Int(1, 12);
  album.day = r.Int(1, 28);
  double kind = r.Unit();
  album.album_type = kind < 0.7 ? "album" : (kind < 0.92 ? "single" : "compilation");
  album.total_tracks = album.album_type == "single" ? r.Int(1, 3) : r.Int(8, 16);
  album.popularity = r.Int(0, 100);
  album.label = std::string(kLabels[r.Index(kLabels.size())]);
  album.upc = std::to_string(r.Int(100'000, 999'999)) + std::to_string(r.Int(100'000, 999'999));
  return album;
}

TrackRecord Catalog::Track(std::uint64_t key) {
  TrackRecord track;
  track.key = key;
  const Names* names = Find(key);
  if (names == nullptr) {
    Remember(key, {GeneratedTitle(key, false), GeneratedArtist(key), GeneratedIsrc(key)});
    names = Find(key);
  }
  track.title = names->title;
  track.artist = names->artist;
  track.isrc = names->isrc;
  SplitMix r(Salted(key, kTrackSalt));
  // Most tracks are 2.5 to 5 minutes; the sum of two uniforms leans to the middle.
  double shape = (r.Unit() + r.Unit()) / 2;
  track.duration_ms = 90'000 + static_cast<int>(shape * 390'000);
  track.popularity = static_cast<int>(std::pow(r.Unit(), 0.8) * 100);
  track.explicit_content = r.Unit() < 0.15;
  track.artist_key = ArtistKey(track.artist);
  // The track's album: one of three per artist, named once and remembered.
  std::uint64_t album_key = Salted(track.artist_key ^ static_cast<std::uint64_t>(r.Int(0, 2)), kAlbumSalt);
  if (Find(album_key) == nullptr) Remember(album_key, {GeneratedTitle(album_key, true), track.artist, ""});
  track.album_key = album_key;
  track.track_number = r.Int(1, 12);
  return track;
}

AudioFeatures Catalog::Features(std::uint64_t track_key) {
  TrackRecord track = Track(track_key);
  const SoundProfile& sound = *Style(track.artist_key).sound;
  SplitMix r(Salted(track_key, kFeatureSalt));
  // Around the artist's sound: the mean of two uniforms keeps most tracks near the centre.
  auto around = [&r](double centre, double spread, double lo, double hi) {
    return std::clamp(centre + (r.Unit() + r.Unit() - 1) * spread, lo, hi);
  };
  AudioFeatures f{};
  f.danceability = Rounded(around(sound.danceability, 0.2, 0.2, 0.95), 1000);
  f.energy = Rounded(around(sound.energy, 0.22, 0.02, 0.99), 1000);
  f.key = r.Int(0, 11);
  f.loudness = Rounded(std::clamp(-3 - (1 - f.energy) * 18 - r.Unit() * 6, -28.0, -2.5), 1000);
  f.mode = r.Unit() < 0.6 ? 1 : 0;
  f.speechiness = Rounded(std::clamp(sound.speechiness * (0.5 + r.Unit()) + std::pow(r.Unit(), 4) * 0.1, 0.02, 0.6),
                          10000);
  f.acousticness = Rounded(around(sound.acousticness, 0.2, 0, 0.99), 100000);
  f.instrumentalness = r.Unit() < sound.instrumental_share ? Rounded(r.Between(0.5, 0.95), 1000)
                                                           : Rounded(r.Between(0, 0.01), 100000);
  f.liveness = Rounded(0.03 + std::pow(r.Unit(), 2.5) * 0.7, 1000);
  f.valence = Rounded(around(sound.valence, 0.28, 0.02, 0.98), 1000);
  f.tempo = Rounded(around(sound.tempo, 28, 60, 200), 1000);
  int meter = r.Int(0, 9);
  f.time_signature = meter == 0 ? 3 : (meter == 9 ? 5 : 4);
  f.duration_ms = track.duration_ms;
  return f;
}

std::vector<std::uint64_t> Catalog::AlbumTrackKeys(const AlbumRecord& album) {
  std::vector<std::uint64_t> keys;
  for (int i = 0; i < album.total_tracks; ++i) {
    std::uint64_t key = Salted(album.key ^ static_cast<std::uint64_t>(i + 1), kTrackSalt);
    if (Find(key) == nullptr) Remember(key, {GeneratedTitle(key, false), album.artist, GeneratedIsrc(key)});
    keys.push_back(key);
  }
  return keys;
}

std::vector<std::uint64_t> Catalog::SearchResults(std::uint64_t track_key) {
  std::vector<std::uint64_t> keys{track_key};
  TrackRecord track = Track(track_key);
  SplitMix r(Salted(track_key, kVariantSalt));
  int variants = r.Int(0, 2);
  static constexpr std::array<std::string_view, 4> kSuffixes = {" - Remastered", " (Live)", " - Radio Edit",
                                                                " (Acoustic)"};
  for (int i = 0; i < variants; ++i) {
    std::uint64_t key = Salted(track_key ^ static_cast<std::uint64_t>(i + 1), kVariantSalt);
    if (NotFound(key)) continue;
    if (Find(key) == nullptr) {
      Remember(key, {track.title + std::string(kSuffixes[r.Index(kSuffixes.size())]), track.artist,
                     GeneratedIsrc(key)});
    }
    keys.push_back(key);
  }
  return keys;
}

std::vector<Tag> Catalog::LastfmTags(std::uint64_t key, std::uint64_t artist_key) {
  SplitMix r(Salted(key, kTagSalt));
  std::vector<Tag> tags;
  auto add = [&tags](std::string name, int count) {
    for (const auto& tag : tags) {
      if (tag.name == name) return;
    }
    tags.push_back({std::move(name), count});
  };
  ArtistStyle style = Style(artist_key);
  const StyleFamily& family = vocabulary_.styles.families[style.family];
  for (const auto& genre : style.genres) add(genre, r.Int(40, 100));
  if (r.Unit() < 0.5) add(family.genres[PickCumulative(family.top_cumulative, r.Unit())], r.Int(5, 30));
  int moods = r.Int(1, 2);
  for (int i = 0; i < moods; ++i) add(style.moods[r.Index(style.moods.size())], r.Int(5, 45));
  int junk = r.Int(1, 3);
  for (int i = 0; i < junk; ++i) add(std::string(kJunk[r.Index(kJunk.size())]), r.Int(1, 25));
  if (r.Unit() < 0.5) add(std::to_string(r.Int(1965, 2024)), r.Int(1, 20));
  if (r.Unit() < 0.4) add(Normalize(Artist(artist_key).name), r.Int(1, 15));
  std::stable_sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.count > b.count; });
  tags.front().count = 100;  // Last.fm scales the top tag to 100
  return tags;
}

std::vector<Tag> Catalog::MusicBrainzTags(std::uint64_t key, std::uint64_t artist_key) {
  SplitMix r(Salted(key, kTagSalt ^ 0x6d62));
  std::vector<Tag> tags;
  for (const auto& genre : Style(artist_key).genres) tags.push_back({genre, r.Int(1, 12)});
  if (r.Unit() < 0.3) tags.push_back({std::string(kJunk[r.Index(kJunk.size())]), r.Int(0, 2)});
  return tags;
}

std::vector<Tag> Catalog::MusicBrainzGenres(std::uint64_t key, std::uint64_t artist_key) {
  std::vector<Tag> genres;
  for (auto& tag : MusicBrainzTags(key, artist_key)) {
    if (std::find(vocabulary_.genres.begin(), vocabulary_.genres.end(), tag.name) != vocabulary_.genres.end()) {
      genres.push_back(std::move(tag));
    }
  }
  return genres;
}

std::int64_t Catalog::DiscogsReleaseId(std::uint64_t album_key) {
  auto id = static_cast<std::int64_t>(1'000'000 + Salted(album_key, kDiscogsSalt) % 2'000'000'000);
  std::uint64_t content_key = Salted(static_cast<std::uint64_t>(id), kDiscogsSalt);
  if (Find(content_key) == nullptr) {
    AlbumRecord album = Album(album_key);
    Remember(content_key, {album.title, album.artist, ""});
  }
  return id;
}

bool Catalog::ReleaseNotFound(std::int64_t id) const {
  return NotFound(Salted(static_cast<std::uint64_t>(id), kDiscogsSalt));
}

DiscogsRelease Catalog::Release(std::int64_t id) {
  std::uint64_t content_key = Salted(static_cast<std::uint64_t>(id), kDiscogsSalt);
  DiscogsRelease release;
  release.id = id;
  const Names* names = Find(content_key);
  release.title = names != nullptr ? names->title : GeneratedTitle(content_key, true);
  release.artist = names != nullptr ? names->artist : GeneratedArtist(content_key);
  std::uint64_t artist_key = ArtistKey(release.artist);
  release.artist_id = static_cast<std::int64_t>(10'000 + Salted(artist_key, kDiscogsSalt) % 9'000'000);
  std::uint64_t artist_id_key = Salted(static_cast<std::uint64_t>(release.artist_id), kDiscogsArtistSalt);
  if (Find(artist_id_key) == nullptr) Remember(artist_id_key, {"", release.artist, ""});
  SplitMix r(content_key);
  release.master_id = static_cast<std::int64_t>(r.Int(10'000, 3'000'000));
  release.year = r.Int(1962, 2024);
  release.month = r.Unit() < 0.3 ? 0 : r.Int(1, 12);  // Discogs often knows only the year
  release.day = release.month == 0 ? 0 : r.Int(1, 28);
  release.country = r.Unit() < 0.5 ? "US" : (r.Unit() < 0.5 ? "UK" : "Europe");
  // Discogs' top-level genre is the family's (and the neighbour's, for a one-off genre); the
  // styles are the artist's genres.
  ArtistStyle style = Style(artist_key);
  const auto& families = vocabulary_.styles.families;
  release.genres.push_back(families[style.family].discogs_genre);
  if (style.extra && families[style.extra_family].discogs_genre != release.genres.front()) {
    release.genres.push_back(families[style.extra_family].discogs_genre);
  }
  for (const auto& genre : style.genres) release.styles.push_back(TitleCase(genre));
  release.label = std::string(kLabels[r.Index(kLabels.size())]);
  release.catno = "SIM" + std::to_string(r.Int(100, 9999));
  static constexpr std::array<std::string_view, 3> kFormats = {"Vinyl", "CD", "File"};
  release.format = std::string(kFormats[r.Index(kFormats.size())]);
  int tracks = r.Int(6, 14);
  for (int i = 0; i < tracks; ++i) {
    release.tracklist.emplace_back(GeneratedTitle(content_key ^ static_cast<std::uint64_t>(i + 1), false),
                                   r.Int(90, 480));
  }
  release.have = r.Int(0, 5000);
  release.want = r.Int(0, 3000);
  return release;
}

bool Catalog::ArtistNotFound(std::int64_t discogs_artist_id) const {
  std::uint64_t key = Salted(static_cast<std::uint64_t>(discogs_artist_id), kDiscogsArtistSalt);
  return Find(key) == nullptr && NotFound(key);
}

DiscogsArtist Catalog::Artist(std::int64_t discogs_artist_id) {
  std::uint64_t key = Salted(static_cast<std::uint64_t>(discogs_artist_id), kDiscogsArtistSalt);
  DiscogsArtist artist;
  artist.id = discogs_artist_id;
  const Names* names = Find(key);
  artist.name = names != nullptr ? names->artist : GeneratedArtist(key);
  SplitMix r(key);
  // Discogs' name variations: how credits spelled the artist (case, a leading "The", "&").
  std::string upper;
  for (char c : artist.name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != artist.name) artist.name_variations.push_back(upper);
  if (artist.name.starts_with("The ")) artist.name_variations.push_back(artist.name.substr(4));
  else artist.name_variations.push_back("The " + artist.name);
  if (auto amp = artist.name.find(" & "); amp != std::string::npos) {
    artist.name_variations.push_back(artist.name.substr(0, amp) + " and " + artist.name.substr(amp + 3));
  }
  if (r.Unit() < 0.5) artist.realname = GeneratedArtist(Salted(key, 1));
  artist.profile = artist.name + " recorded for " + std::string(kLabels[r.Index(kLabels.size())]) + " from " +
                   std::to_string(r.Int(1962, 2015)) + ".";
  if (r.Unit() < 0.3) {
    std::uint64_t alias_key = Salted(key, 2);
    artist.aliases.emplace_back(static_cast<std::int64_t>(10'000 + alias_key % 9'000'000), GeneratedArtist(alias_key));
  }
  return artist;
}

}  // namespace provider_sim
