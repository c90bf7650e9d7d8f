#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provider_sim {

// FNV-1a, 64 bit: the hash every synthetic record starts from.
constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t Fnv1a(std::string_view bytes, std::uint64_t hash = kFnvOffset) {
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// splitmix64's finalizer: spreads FNV's weak low bits and derives sub-keys (Mix(key ^ salt)).
constexpr std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A deterministic stream of numbers from one key (splitmix64). Every field of a synthetic
// record is drawn from a SplitMix seeded with the record's key, so the same key always
// yields the same record.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ull;
    return Mix(state_ - 0x9e3779b97f4a7c15ull);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Between(double lo, double hi) { return lo + (hi - lo) * Unit(); }
  // Uniform in [lo, hi].
  int Int(int lo, int hi) {
    return lo + static_cast<int>(Next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  std::size_t Index(std::size_t size) { return static_cast<std::size_t>(Next() % size); }

 private:
  std::uint64_t state_;
};

// What an id names. Part of the id's check bits, so a track id is not accepted as an album id.
enum class IdKind : std::uint64_t {
  kTrack = 0x7472,
  kAlbum = 0x616c,
  kArtist = 0x6172,
  kReleaseGroup = 0x7267,
  kRelease = 0x726c,
  kReleaseTrack = 0x7274,  // a track of a MusicBrainz release (not its recording)
  kGenre = 0x676e,
  kToken = 0x746b,
};

// Spotify-style id: 22 base62 characters. The first 11 carry the 64-bit key, the last 11 a
// check derived from key, kind and seed, so any id the simulator hands out decodes back to
// its key (across restarts too) and a made-up id is rejected.
std::string SpotifyId(std::uint64_t key, IdKind kind, std::uint64_t seed);
std::optional<std::uint64_t> ParseSpotifyId(std::string_view id, IdKind kind, std::uint64_t seed);

// MusicBrainz-style id: a lower-case version-4 UUID whose 64 free bits carry the key and
// whose remaining bits are a check (as for Spotify ids).
std::string Mbid(std::uint64_t key, IdKind kind, std::uint64_t seed);
std::optional<std::uint64_t> ParseMbid(std::string_view id, IdKind kind, std::uint64_t seed);

// Base62 of `value`, left-padded with '0' to `width` digits (0-9A-Za-z, Spotify's alphabet).
std::string Base62(std::uint64_t value, std::size_t width);
std::optional<std::uint64_t> ParseBase62(std::string_view text);

}  // namespace provider_sim
