#include "common/normalize/vocabulary.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace normalize {

extern const std::string_view kGenreList;  // data/genres.txt, embedded at build time

namespace {

constexpr int kVersion = 1;

// Spellings the folding rules cannot reach on their own: alias -> canonical genre.
const std::pair<const char*, const char*> kGenreAliases[] = {
    {"hip-hop", "hip hop"}, {"hiphop", "hip hop"}, {"rap", "hip hop"}, {"hip hop rap", "hip hop"},
    {"rnb", "r&b"}, {"r and b", "r&b"}, {"rhythm and blues", "r&b"}, {"randb", "r&b"},
    {"dnb", "drum and bass"}, {"d and b", "drum and bass"}, {"drum n bass", "drum and bass"},
    {"drumnbass", "drum and bass"}, {"edm", "electronic dance"}, {"electronica dance", "electronic dance"},
    {"synthpop", "synthpop"}, {"synth pop", "synthpop"}, {"electro pop", "electropop"},
    {"alt rock", "alternative rock"}, {"alt-rock", "alternative rock"}, {"alt country", "alternative country"},
    {"prog rock", "progressive rock"}, {"prog", "progressive rock"}, {"trip-hop", "trip hop"},
    {"lofi", "lo-fi"}, {"lo fi", "lo-fi"}, {"kpop", "k-pop"}, {"jpop", "j-pop"},
    {"rock n roll", "rock and roll"}, {"rock & roll", "rock and roll"}, {"rocknroll", "rock and roll"},
    {"classic rock", "classic rock"}, {"singer songwriter", "singer-songwriter"},
    {"electronic music", "electronic"}, {"dance", "dance music"}, {"house music", "house"},
    {"techno music", "techno"}, {"jazz music", "jazz"}, {"soul music", "soul"},
};

// Tags that say nothing about genre or mood.
const char* const kJunkTags[] = {
    "seen live", "favourites", "favorites", "favourite", "favorite", "my favorites", "my favourites",
    "favorite songs", "favourite songs", "albums i own", "albums i love", "love it", "loved", "awesome",
    "amazing", "beautiful", "best", "cool", "great", "good", "check out", "spotify", "under 2000 listeners",
    "all", "music", "albums", "album", "songs", "male vocalists", "female vocalists", "male vocalist",
    "female vocalist", "vocal", "vocalists", "singer", "cover", "covers", "live", "radio", "playlist",
    "owned", "wishlist", "to listen", "heard on pandora", "soundtrack of my life",
};

// Mood vocabulary: canonical mood -> tags that express it.
const std::pair<const char*, std::vector<const char*>> kMoods[] = {
    {"calm", {"calm", "chill", "chilled", "relaxing", "relax", "relaxed", "peaceful", "mellow", "soothing",
              "tranquil", "serene", "quiet", "soft", "laid back", "laidback", "easy"}},
    {"energetic", {"energetic", "energy", "high energy", "upbeat", "party", "pumping", "driving", "workout",
                   "powerful", "fast", "dance floor"}},
    {"melancholic", {"melancholic", "melancholy", "melancholia", "sad", "depressing", "depressive", "bittersweet",
                     "sorrow", "heartbreak", "lonely", "loneliness", "longing", "sadness", "tearjerker"}},
    {"happy", {"happy", "cheerful", "joyful", "joy", "feel good", "feelgood", "fun", "sunny", "positive",
               "playful"}},
    {"dark", {"dark", "gloomy", "haunting", "ominous", "sinister", "brooding", "eerie", "creepy", "spooky",
              "menacing"}},
    {"romantic", {"romantic", "love", "love songs", "love song", "sensual", "sexy", "passionate", "tender",
                  "intimate"}},
    {"aggressive", {"aggressive", "angry", "anger", "rage", "intense", "brutal", "furious", "violent", "harsh"}},
    {"dreamy", {"dreamy", "dream", "ethereal", "atmospheric", "hypnotic", "spacey", "spacy", "floaty",
                "hazy", "psychedelic trip"}},
    {"epic", {"epic", "cinematic", "majestic", "grandiose", "anthemic", "anthem"}},
    {"nostalgic", {"nostalgic", "nostalgia", "wistful", "reminiscent"}},
    {"groovy", {"groovy", "groove", "funky", "danceable", "bouncy"}},
    {"hopeful", {"hopeful", "uplifting", "inspiring", "inspirational", "optimistic", "motivational"}},
};

std::string Compact(const std::string& folded) {
  std::string out;
  for (char c : folded) {
    if (c != ' ') out += c;
  }
  return out;
}

// "1975", "80s", "1980s", "'90s", "00s": years and decades used as tags.
bool IsYearOrDecade(const std::string& folded) {
  std::string s = folded;
  if (!s.empty() && s.front() == '\'') s.erase(0, 1);
  if (!s.empty() && s.back() == 's') s.pop_back();
  if (s.size() != 2 && s.size() != 4) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

struct Vocabulary::Data {
  std::vector<std::string> genres;
  std::vector<std::string> moods;
  std::unordered_map<std::string, std::string> genre_by_key;  // folded and compact keys
  std::unordered_map<std::string, std::string> mood_by_key;
  std::unordered_set<std::string> junk;
};

std::string Vocabulary::Fold(std::string_view tag) {
  std::string out;
  out.reserve(tag.size());
  bool space = false;
  auto emit_space = [&] { space = !out.empty(); };
  for (std::size_t i = 0; i < tag.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(tag[i]);
    if (c == '&') {
      // "drum & bass" and "drum and bass" meet; "r&b" stays itself.
      bool spaced = (i > 0 && tag[i - 1] == ' ') || (i + 1 < tag.size() && tag[i + 1] == ' ');
      if (spaced) {
        emit_space();
        if (space) out += ' ';
        out += "and";
        space = false;
        emit_space();
        continue;
      }
      out += '&';
      continue;
    }
    if (std::isspace(c) != 0 || c == '-' || c == '_' || c == '/' || c == '.' || c == ',' || c == ';' || c == ':' ||
        c == '!' || c == '?' || c == '"' || c == '(' || c == ')' || c == '[' || c == ']' || c == '*' || c == '#') {
      emit_space();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
  }
  return out;
}

Vocabulary::Vocabulary(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

std::string_view GenreListText() { return kGenreList; }

const Vocabulary& Vocabulary::Default() {
  static const Vocabulary kDefault = [] {
    auto data = std::make_shared<Data>();
    std::size_t start = 0;
    while (start < kGenreList.size()) {
      std::size_t end = kGenreList.find('\n', start);
      if (end == std::string_view::npos) end = kGenreList.size();
      std::string genre(kGenreList.substr(start, end - start));
      start = end + 1;
      while (!genre.empty() && (genre.back() == '\r' || genre.back() == ' ')) genre.pop_back();
      if (genre.empty()) continue;
      data->genres.push_back(genre);
      std::string folded = Fold(genre);
      data->genre_by_key.emplace(folded, genre);
      data->genre_by_key.emplace(Compact(folded), genre);
    }
    std::unordered_set<std::string> known(data->genres.begin(), data->genres.end());
    // "folk" -> "folk music" when the list has only the long form.
    for (const auto& genre : data->genres) {
      constexpr std::string_view kSuffix = " music";
      if (genre.size() > kSuffix.size() && genre.ends_with(kSuffix)) {
        std::string shorter = genre.substr(0, genre.size() - kSuffix.size());
        if (known.count(shorter) == 0) data->genre_by_key.emplace(Fold(shorter), genre);
      }
    }
    for (const auto& [alias, canonical] : kGenreAliases) {
      if (known.count(canonical) == 0) continue;  // only aliases of genres the list has
      std::string folded = Fold(alias);
      data->genre_by_key[folded] = canonical;
      data->genre_by_key.emplace(Compact(folded), canonical);
    }
    for (const char* junk : kJunkTags) data->junk.insert(Fold(junk));
    for (const auto& [mood, tags] : kMoods) {
      data->moods.push_back(mood);
      for (const char* tag : tags) {
        std::string folded = Fold(tag);
        data->mood_by_key.emplace(folded, mood);
        data->mood_by_key.emplace(Compact(folded), mood);
      }
    }
    return Vocabulary(std::move(data));
  }();
  return kDefault;
}

std::optional<std::string> Vocabulary::Genre(std::string_view tag) const {
  std::string folded = Fold(tag);
  if (folded.empty() || data_->junk.count(folded) != 0 || IsYearOrDecade(folded)) return std::nullopt;
  auto it = data_->genre_by_key.find(folded);
  if (it == data_->genre_by_key.end()) it = data_->genre_by_key.find(Compact(folded));
  if (it == data_->genre_by_key.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Vocabulary::Mood(std::string_view tag) const {
  std::string folded = Fold(tag);
  if (folded.empty()) return std::nullopt;
  auto it = data_->mood_by_key.find(folded);
  if (it == data_->mood_by_key.end()) it = data_->mood_by_key.find(Compact(folded));
  if (it == data_->mood_by_key.end()) return std::nullopt;
  return it->second;
}

Classified Vocabulary::Classify(const std::vector<WeightedTag>& tags, std::string_view artist) const {
  struct Score {
    double weight = 0;
    std::size_t first = 0;
  };
  std::map<std::string, Score> genres;
  std::map<std::string, Score> moods;
  std::string artist_key = Fold(artist);
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const WeightedTag& tag = tags[i];
    if (!artist_key.empty() && Fold(tag.name) == artist_key) continue;
    double weight = tag.weight > 0 ? tag.weight : 0.0;
    if (auto genre = Genre(tag.name)) {
      auto [it, inserted] = genres.try_emplace(*genre, Score{0, i});
      it->second.weight += weight;
    }
    if (auto mood = Mood(tag.name)) {
      auto [it, inserted] = moods.try_emplace(*mood, Score{0, i});
      it->second.weight += weight;
    }
  }
  auto rank = [](const std::map<std::string, Score>& scores, std::size_t cap) {
    std::vector<std::pair<std::string, Score>> sorted(scores.begin(), scores.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      if (a.second.weight != b.second.weight) return a.second.weight > b.second.weight;
      return a.second.first < b.second.first;
    });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < sorted.size() && i < cap; ++i) out.push_back(sorted[i].first);
    return out;
  };
  return {rank(genres, kMaxGenres), rank(moods, kMaxMoods)};
}

const std::vector<std::string>& Vocabulary::genres() const { return data_->genres; }
const std::vector<std::string>& Vocabulary::moods() const { return data_->moods; }
int Vocabulary::version() const { return kVersion; }

}  // namespace normalize
