#include "tools/provider_sim/style.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

namespace provider_sim {

namespace {

struct SubstyleSpec {
  std::vector<std::string_view> branches;  // tree nodes whose subtrees it is
  std::vector<std::string_view> moods;
  SoundProfile sound;
};

// A family as tunefleet chooses it; its genres come from the tree.
struct FamilySpec {
  std::string_view name;
  std::string_view branch;                 // the tree node whose subtree it is
  std::vector<std::string_view> excluded;  // subtrees of `branch` that are families of their own
  double weight;                           // relative; normalized over the families kept
  std::string_view main;                   // the family's main genre; may be outside the tree ("metal")
  std::vector<std::string_view> top;       // the common genres after `main`, most common first
  std::vector<std::string_view> moods;     // tags the normalizer maps to canonical moods, not genre names
  std::vector<std::string_view> neighbours;
  SoundProfile sound;
  std::string_view discogs;
  std::vector<SubstyleSpec> substyles = {};
};

// The skew: four big families (rock, pop, electronic, hip hop) hold two thirds of the
// artists, a middle (r&b, metal, country, jazz, punk) most of the rest, and a long tail of
// about 1 % each or less. Left out: comedy (not music; Discogs files it as Non-Music),
// soundtrack and kids music (no genre of theirs is in the vocabulary).
const std::vector<FamilySpec>& Specs() {
  static const std::vector<FamilySpec> kSpecs = {
      {"rock", "rock", {"heavy metal", "punk rock"}, 20, "rock",
       {"alternative rock", "indie rock", "classic rock", "hard rock", "post-punk", "psychedelic rock",
        "progressive rock", "grunge", "shoegaze", "new wave", "garage rock", "pop rock", "art rock", "post-rock",
        "dream pop", "britpop", "folk rock"},
       {"energetic", "melancholic", "nostalgic", "upbeat", "dark"},
       {"metal", "punk", "pop", "blues"},
       {.energy = 0.68, .valence = 0.48, .danceability = 0.5, .acousticness = 0.15, .tempo = 124,
        .instrumental_share = 0.12, .speechiness = 0.05},
       "Rock"},
      {"pop", "pop", {}, 18, "pop",
       {"soft rock", "europop", "teen pop", "baroque pop", "psychedelic pop", "sunshine pop", "sophisti-pop",
        "bubblegum pop", "jangle pop", "pop rap", "schlager", "latin pop", "french pop"},
       {"happy", "upbeat", "romantic", "feel good", "party"},
       {"electronic", "r&b", "rock"},
       {.energy = 0.64, .valence = 0.62, .danceability = 0.68, .acousticness = 0.2, .tempo = 118,
        .instrumental_share = 0.03, .speechiness = 0.06},
       "Pop"},
      {"electronic", "electronic", {}, 16, "electronic",
       {"house", "techno", "ambient", "drum and bass", "trance", "downtempo", "electronica", "trip hop", "dubstep",
        "synthpop", "idm", "disco", "deep house", "electro", "electropop", "breakbeat", "industrial", "chillout"},
       {"energetic", "dreamy", "groovy", "hypnotic", "party", "dark"},
       {"pop", "hip hop"},
       {.energy = 0.74, .valence = 0.45, .danceability = 0.72, .acousticness = 0.06, .tempo = 126,
        .instrumental_share = 0.55, .speechiness = 0.06},
       "Electronic",
       {{{"ambient", "downtempo"},
         {"calm", "relaxing", "dreamy", "atmospheric", "mellow"},
         {.energy = 0.24, .valence = 0.38, .danceability = 0.4, .acousticness = 0.45, .tempo = 92,
          .instrumental_share = 0.8, .speechiness = 0.04}}}},
      {"hip hop", "hip hop", {}, 13, "hip hop",
       {"gangsta rap", "alternative hip hop", "east coast hip hop", "west coast hip hop", "southern hip hop",
        "hardcore hip hop", "old school hip hop", "jazz rap", "g-funk", "political hip hop", "new school hip hop",
        "underground rap"},
       {"energetic", "aggressive", "groovy", "dark", "party"},
       {"r&b", "electronic"},
       {.energy = 0.66, .valence = 0.5, .danceability = 0.78, .acousticness = 0.12, .tempo = 96,
        .instrumental_share = 0.03, .speechiness = 0.28},
       "Hip Hop"},
      {"r&b", "r&b", {}, 6, "r&b",
       {"soul", "funk", "neo soul", "northern soul", "p-funk", "blue-eyed soul", "go-go", "deep funk"},
       {"romantic", "groovy", "sensual", "funky", "happy", "melancholic"},
       {"hip hop", "pop", "jazz"},
       {.energy = 0.58, .valence = 0.6, .danceability = 0.7, .acousticness = 0.25, .tempo = 102,
        .instrumental_share = 0.04, .speechiness = 0.09},
       "Funk / Soul"},
      {"metal", "heavy metal", {}, 6, "metal",
       {"heavy metal", "thrash metal", "death metal", "black metal", "doom metal", "power metal",
        "progressive metal", "metalcore", "alternative metal", "sludge metal", "symphonic metal", "gothic metal",
        "stoner metal", "groove metal"},
       {"aggressive", "energetic", "dark", "epic", "intense"},
       {"rock", "punk"},
       {.energy = 0.9, .valence = 0.3, .danceability = 0.42, .acousticness = 0.03, .tempo = 138,
        .instrumental_share = 0.12, .speechiness = 0.07},
       "Rock"},
      {"country", "country", {}, 3.5, "country",
       {"americana", "alternative country", "bluegrass", "country rock", "outlaw country", "honky tonk",
        "country pop", "rockabilly", "classic country", "western swing"},
       {"nostalgic", "happy", "melancholic", "romantic", "feel good"},
       {"folk", "rock", "blues"},
       {.energy = 0.58, .valence = 0.6, .danceability = 0.58, .acousticness = 0.38, .tempo = 114,
        .instrumental_share = 0.03, .speechiness = 0.04},
       "Folk, World, & Country"},
      {"jazz", "jazz", {}, 3, "jazz",
       {"bebop", "hard bop", "cool jazz", "swing", "jazz fusion", "free jazz", "smooth jazz", "vocal jazz",
        "modal jazz", "soul jazz", "latin jazz"},
       {"calm", "mellow", "groovy", "romantic", "melancholic"},
       {"blues", "r&b"},
       {.energy = 0.4, .valence = 0.52, .danceability = 0.55, .acousticness = 0.65, .tempo = 116,
        .instrumental_share = 0.55, .speechiness = 0.05},
       "Jazz"},
      {"punk", "punk rock", {}, 3, "punk rock",
       {"hardcore punk", "pop punk", "post-hardcore", "emo", "ska punk", "skate punk", "anarcho punk",
        "crust punk", "oi!", "grindcore"},
       {"energetic", "aggressive", "angry", "upbeat"},
       {"rock", "metal"},
       {.energy = 0.9, .valence = 0.5, .danceability = 0.45, .acousticness = 0.03, .tempo = 162,
        .instrumental_share = 0.03, .speechiness = 0.07},
       "Rock"},
      {"folk", "folk", {}, 2, "folk music",
       {"indie folk", "psychedelic folk", "neofolk", "anti-folk", "progressive folk"},
       {"calm", "melancholic", "nostalgic", "dreamy", "mellow"},
       {"country", "singer-songwriter", "rock"},
       {.energy = 0.34, .valence = 0.42, .danceability = 0.48, .acousticness = 0.72, .tempo = 106,
        .instrumental_share = 0.1, .speechiness = 0.04},
       "Folk, World, & Country"},
      {"blues", "blues", {}, 2, "blues",
       {"blues rock", "electric blues", "delta blues", "chicago blues", "country blues", "soul blues",
        "texas blues"},
       {"melancholic", "sad", "groovy", "nostalgic"},
       {"rock", "jazz", "r&b"},
       {.energy = 0.5, .valence = 0.45, .danceability = 0.52, .acousticness = 0.45, .tempo = 104,
        .instrumental_share = 0.1, .speechiness = 0.05},
       "Blues"},
      {"latin", "caribbean and latin american", {}, 2, "reggaeton",
       {"salsa", "bossa nova", "bachata", "samba", "cumbia", "merengue", "tango", "mambo", "son", "calypso",
        "soca"},
       {"happy", "romantic", "groovy", "energetic", "party"},
       {"pop", "reggae"},
       {.energy = 0.72, .valence = 0.74, .danceability = 0.76, .acousticness = 0.25, .tempo = 108,
        .instrumental_share = 0.04, .speechiness = 0.07},
       "Latin"},
      {"reggae", "reggae", {}, 1.5, "reggae",
       {"roots reggae", "dub", "ska", "dancehall", "rocksteady", "lovers rock", "ragga", "2 tone"},
       {"happy", "mellow", "groovy", "laid back", "feel good"},
       {"latin", "hip hop"},
       {.energy = 0.56, .valence = 0.7, .danceability = 0.78, .acousticness = 0.2, .tempo = 90,
        .instrumental_share = 0.08, .speechiness = 0.1},
       "Reggae"},
      {"classical", "classical", {}, 1.5, "classical",
       {"baroque", "opera", "chamber music", "contemporary classical", "modern classical", "orchestra",
        "concerto", "sonata"},
       {"calm", "relaxing", "epic", "melancholic", "dreamy"},
       {"jazz"},
       {.energy = 0.18, .valence = 0.3, .danceability = 0.28, .acousticness = 0.9, .tempo = 96,
        .instrumental_share = 0.9, .speechiness = 0.04},
       "Classical"},
      {"singer-songwriter", "singer-songwriter", {}, 1.5, "singer-songwriter",
       {"chanson", "cantautor", "nueva canción"},
       {"melancholic", "calm", "romantic", "nostalgic", "intimate"},
       {"folk", "pop"},
       {.energy = 0.34, .valence = 0.4, .danceability = 0.5, .acousticness = 0.7, .tempo = 102,
        .instrumental_share = 0.02, .speechiness = 0.04},
       "Pop"},
      {"asian", "asian", {}, 1, "j-pop",
       {"k-pop", "cantopop", "enka", "bhangra", "filmi", "indian pop", "dangdut"},
       {"happy", "upbeat", "romantic", "melancholic"},
       {"pop", "electronic"},
       {.energy = 0.64, .valence = 0.6, .danceability = 0.64, .acousticness = 0.22, .tempo = 120,
        .instrumental_share = 0.03, .speechiness = 0.05},
       "Pop"},
      {"african", "african", {}, 0.5, "afrobeat",
       {"highlife", "soukous", "mbalax", "kwaito", "kuduro", "raï", "makossa"},
       {"happy", "groovy", "energetic", "upbeat"},
       {"r&b", "world music"},
       {.energy = 0.68, .valence = 0.72, .danceability = 0.74, .acousticness = 0.3, .tempo = 116,
        .instrumental_share = 0.08, .speechiness = 0.06},
       "Folk, World, & Country"},
      {"world music", "world music", {}, 0.5, "world music",
       {"worldbeat", "world fusion"},
       {"calm", "dreamy", "happy", "nostalgic"},
       {"folk", "african"},
       {.energy = 0.48, .valence = 0.55, .danceability = 0.58, .acousticness = 0.55, .tempo = 106,
        .instrumental_share = 0.3, .speechiness = 0.05},
       "Folk, World, & Country"},
      {"easy listening", "easy listening", {}, 0.5, "easy listening",
       {"lounge music", "beautiful music", "middle of the road"},
       {"calm", "relaxing", "romantic", "mellow"},
       {"jazz", "pop"},
       {.energy = 0.28, .valence = 0.56, .danceability = 0.48, .acousticness = 0.62, .tempo = 100,
        .instrumental_share = 0.4, .speechiness = 0.04},
       "Pop"},
      {"avant-garde", "avant-garde", {}, 0.3, "experimental music",
       {"avant-garde", "lo-fi", "musique concrète"},
       {"dark", "dreamy", "calm", "haunting"},
       {"electronic", "rock"},
       {.energy = 0.38, .valence = 0.28, .danceability = 0.32, .acousticness = 0.45, .tempo = 110,
        .instrumental_share = 0.7, .speechiness = 0.06},
       "Electronic"},
  };
  return kSpecs;
}

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The draw weights of a family's first `count` genres: 1 / (rank + 1.5), so the main genre
// is about three times as likely as the fifth.
std::vector<double> RankCumulative(std::size_t count) {
  std::vector<double> cumulative;
  double sum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    sum += 1.0 / (static_cast<double>(i) + 1.5);
    cumulative.push_back(sum);
  }
  for (double& c : cumulative) c /= sum;
  if (!cumulative.empty()) cumulative.back() = 1.0;
  return cumulative;
}

}  // namespace

std::vector<GenreNode> ParseGenreTree(std::string_view yaml) {
  std::vector<GenreNode> nodes;
  std::vector<int> open;  // open[d]: the last node at depth d
  int line_number = 0;
  while (!yaml.empty()) {
    ++line_number;
    std::size_t nl = yaml.find('\n');
    std::string_view line = Trimmed(yaml.substr(0, nl));
    yaml = nl == std::string_view::npos ? std::string_view{} : yaml.substr(nl + 1);
    std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos || line[indent] == '#') continue;
    if (indent % 4 != 0 || line.substr(indent, 2) != "- ") {
      throw std::invalid_argument("genre tree line " + std::to_string(line_number) + ": expected \"- name\"");
    }
    auto depth = static_cast<int>(indent / 4);
    if (depth > static_cast<int>(open.size())) {
      throw std::invalid_argument("genre tree line " + std::to_string(line_number) + ": skips a level");
    }
    std::string_view name = Trimmed(line.substr(indent + 2));
    if (!name.empty() && name.back() == ':') name = Trimmed(name.substr(0, name.size() - 1));
    if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') && name.back() == name.front()) {
      name = name.substr(1, name.size() - 2);
    }
    open.resize(static_cast<std::size_t>(depth));
    int parent = depth == 0 ? -1 : open.back();
    open.push_back(static_cast<int>(nodes.size()));
    nodes.push_back({std::string(name), depth, parent});
  }
  return nodes;
}

std::size_t PickCumulative(const std::vector<double>& cumulative, double u) {
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
  return it == cumulative.end() ? cumulative.size() - 1 : static_cast<std::size_t>(it - cumulative.begin());
}

std::size_t StyleBook::Pick(double u) const { return PickCumulative(cumulative, u); }

std::size_t StyleBook::FamilyOf(std::string_view genre) const {
  for (std::size_t i = 0; i < families.size(); ++i) {
    const auto& genres = families[i].genres;
    if (std::find(genres.begin(), genres.end(), genre) != genres.end()) return i;
  }
  return families.size();
}

StyleBook BuildStyleBook(std::string_view tree_yaml, const std::vector<std::string>& vocabulary) {
  std::vector<GenreNode> nodes = ParseGenreTree(tree_yaml);
  std::unordered_set<std::string_view> known(vocabulary.begin(), vocabulary.end());
  // The shallowest node of that name (a few genres sit in two branches).
  auto find = [&nodes](std::string_view name) {
    int best = -1;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].name == name && (best < 0 || nodes[i].depth < nodes[static_cast<std::size_t>(best)].depth)) {
        best = static_cast<int>(i);
      }
    }
    return best;
  };
  auto within = [&nodes](std::size_t node, int root) {
    for (int n = static_cast<int>(node); n >= 0; n = nodes[static_cast<std::size_t>(n)].parent) {
      if (n == root) return true;
    }
    return false;
  };
  // The vocabulary's genres in the subtrees of `roots` but not of `excluded`, in tree order.
  auto subtree_genres = [&](const std::vector<int>& roots, const std::vector<int>& excluded) {
    std::vector<std::string> genres;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (!known.contains(nodes[i].name)) continue;
      bool in = std::any_of(roots.begin(), roots.end(), [&](int r) { return r >= 0 && within(i, r); });
      bool out = std::any_of(excluded.begin(), excluded.end(), [&](int r) { return r >= 0 && within(i, r); });
      if (in && !out && std::find(genres.begin(), genres.end(), nodes[i].name) == genres.end()) {
        genres.push_back(nodes[i].name);
      }
    }
    return genres;
  };

  StyleBook book;
  std::vector<std::vector<std::string_view>> neighbour_names;
  for (const FamilySpec& spec : Specs()) {
    int root = find(spec.branch);
    std::vector<int> excluded;
    for (auto name : spec.excluded) excluded.push_back(find(name));
    std::vector<std::string> branch = subtree_genres({root}, excluded);
    StyleFamily family;
    family.name = std::string(spec.name);
    family.weight = spec.weight;
    // The main genre, then the common ones the branch has, then the rest of the branch.
    auto add = [&family](std::string_view genre) {
      if (std::find(family.genres.begin(), family.genres.end(), genre) == family.genres.end()) {
        family.genres.emplace_back(genre);
      }
    };
    if (known.contains(spec.main)) add(spec.main);
    for (auto genre : spec.top) {
      if (std::find(branch.begin(), branch.end(), genre) != branch.end()) add(genre);
    }
    std::size_t top = family.genres.size();
    for (const auto& genre : branch) add(genre);
    if (family.genres.empty()) continue;
    family.top_cumulative = RankCumulative(std::max<std::size_t>(top, 1));
    for (auto mood : spec.moods) family.moods.emplace_back(mood);
    family.sound = spec.sound;
    family.discogs_genre = std::string(spec.discogs);
    for (const SubstyleSpec& sub_spec : spec.substyles) {
      std::vector<int> roots;
      for (auto name : sub_spec.branches) roots.push_back(find(name));
      Substyle sub;
      sub.genres = subtree_genres(roots, excluded);
      if (sub.genres.empty()) continue;
      for (auto mood : sub_spec.moods) sub.moods.emplace_back(mood);
      sub.sound = sub_spec.sound;
      family.substyles.push_back(std::move(sub));
    }
    book.families.push_back(std::move(family));
    neighbour_names.push_back(spec.neighbours);
  }
  if (book.families.empty()) {
    StyleFamily all;
    all.name = "all";
    all.weight = 1;
    all.genres = vocabulary;
    all.top_cumulative = RankCumulative(std::max<std::size_t>(std::min<std::size_t>(vocabulary.size(), 20), 1));
    all.moods = {"energetic", "calm", "happy", "melancholic"};
    all.discogs_genre = "Rock";
    book.families.push_back(std::move(all));
    neighbour_names.emplace_back();
  }
  // Neighbours by name, among the families kept; then weights to shares, largest first.
  for (std::size_t i = 0; i < book.families.size(); ++i) {
    for (auto name : neighbour_names[i]) {
      for (std::size_t j = 0; j < book.families.size(); ++j) {
        if (j != i && book.families[j].name == name) book.families[i].neighbours.push_back(j);
      }
    }
  }
  double total = 0;
  for (const auto& family : book.families) total += family.weight;
  double sum = 0;
  for (auto& family : book.families) {
    family.weight /= total;
    sum += family.weight;
    book.cumulative.push_back(sum);
  }
  book.cumulative.back() = 1.0;
  return book;
}

}  // namespace provider_sim
