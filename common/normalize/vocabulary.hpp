#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Turning provider tags into canonical genres and moods. Pure and thread safe once built.
namespace normalize {

// A provider's tag with its weight (Last.fm count, MusicBrainz votes, or 1 for plain lists;
// list order breaks ties).
struct WeightedTag {
  std::string name;
  double weight = 1.0;
};

struct Classified {
  std::vector<std::string> genres;  // canonical names, best first, at most kMaxGenres
  std::vector<std::string> moods;   // canonical names, best first, at most kMaxMoods
};

inline constexpr std::size_t kMaxGenres = 10;
inline constexpr std::size_t kMaxMoods = 15;

// The genre list as shipped (one lower-case genre per line; data/genres.txt, embedded at build
// time): the one copy of it in the tree, read by Vocabulary::Default() and by provider-sim.
std::string_view GenreListText();

// The canonical genre vocabulary (beets' lastgenre whitelist, MIT, see
// common/normalize/data/SOURCE.md) with aliases folded ("Hip Hop", "hip-hop", "hiphop" ->
// "hip hop"), and the mood vocabulary (calm, energetic, melancholic, happy, dark, romantic,
// aggressive, dreamy, ...) with the tags that map to each mood. Versioned: the feature
// matrix one-hot encodes from a given version.
class Vocabulary {
 public:
  static const Vocabulary& Default();

  // Case, punctuation and spacing folded: "Hip-Hop " -> "hip hop", "R&B" -> "r&b"... 
  static std::string Fold(std::string_view tag);

  std::optional<std::string> Genre(std::string_view tag) const;
  std::optional<std::string> Mood(std::string_view tag) const;
  // Ranks by weight (ties by first appearance), drops non-genre tags ("seen live",
  // "favourites", years and decades used as labels, the artist's own name), dedups, caps.
  Classified Classify(const std::vector<WeightedTag>& tags, std::string_view artist = {}) const;

  const std::vector<std::string>& genres() const;
  const std::vector<std::string>& moods() const;
  int version() const;

  struct Data;
  explicit Vocabulary(std::shared_ptr<const Data> data);

 private:
  std::shared_ptr<const Data> data_;
};

}  // namespace normalize
