#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// Style families: what makes a synthetic artist's genres, moods and sound belong together.
// Built once at startup from beets' genre tree (common/normalize/data/genres-tree.yaml); the
// catalog only indexes into them per request.
namespace provider_sim {

// One line of the genre tree: `depth` 0 for a top-level branch, `parent` the index of the
// enclosing node (-1 at the top).
struct GenreNode {
  std::string name;
  int depth = 0;
  int parent = -1;
};
// The tree's YAML subset: "- name" or "- name:" items, four spaces per level; anything else
// (blank lines, comments) is skipped. Throws std::invalid_argument on a line that skips a level.
std::vector<GenreNode> ParseGenreTree(std::string_view yaml);

// What a family's tracks sound like: the centres Catalog::Features draws the audio features
// around (Spotify's scales: 0..1, tempo in BPM).
struct SoundProfile {
  double energy = 0.6;
  double valence = 0.5;
  double danceability = 0.55;
  double acousticness = 0.25;
  double tempo = 118;
  double instrumental_share = 0.1;  // share of tracks that are mostly instrumental
  double speechiness = 0.05;
};

// A calmer corner of a family (electronic's ambient and downtempo branches): an artist whose
// first genre is here draws its other genres mostly from here, and its moods and sound.
struct Substyle {
  std::vector<std::string> genres;
  std::vector<std::string> moods;
  SoundProfile sound;
};

struct StyleFamily {
  std::string name;     // "rock", "metal", "caribbean and latin american"
  double weight = 0;    // share of artists; the weights of a StyleBook sum to 1
  // Every genre of the branch the vocabulary has, the common ones first (most common first);
  // genres[0] is the family's main genre.
  std::vector<std::string> genres;
  std::vector<double> top_cumulative;  // draw weights of genres[0..top_cumulative.size()), cumulative, last 1
  std::vector<std::string> moods;      // Last.fm mood tags, the most typical first; all map to canonical moods
  std::vector<std::size_t> neighbours;  // families an occasional extra genre comes from
  SoundProfile sound;
  std::string discogs_genre;  // Discogs' top-level genre: "Rock", "Funk / Soul"
  std::vector<Substyle> substyles;
};

struct StyleBook {
  std::vector<StyleFamily> families;  // largest weight first
  std::vector<double> cumulative;     // of the weights, last 1

  // The family a uniform draw `u` in [0, 1) lands on.
  std::size_t Pick(double u) const;
  // The first family (largest first) that has `genre`, or families.size().
  std::size_t FamilyOf(std::string_view genre) const;
};

// The families tunefleet's simulator uses (see style.cpp and docs/PROVIDER_SIM.md), cut to
// the genres in `vocabulary`. A family left with no genre is dropped; if none is left, one
// family "all" holds the whole vocabulary.
StyleBook BuildStyleBook(std::string_view tree_yaml, const std::vector<std::string>& vocabulary);

// An index into cumulative weights (last 1) for a uniform draw `u` in [0, 1).
std::size_t PickCumulative(const std::vector<double>& cumulative, double u);

}  // namespace provider_sim
