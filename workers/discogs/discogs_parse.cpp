#include "workers/discogs/discogs_parse.hpp"

#include "common/gateway/gateway.hpp"
#include "common/http/http_client.hpp"
#include "common/json/body_reader.hpp"
#include "common/json/record_writer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

namespace discogs {
namespace {

using json::Node;

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return out;
}

// An integer, or (allow_text) a string holding one, as search results spell years.
std::optional<std::int64_t> Integer(Node node, bool allow_text = false) {
  if (auto text = node.AsString(); text && allow_text) {
    if (text->empty()) return std::nullopt;
    if (auto n = ParseInteger(*text)) return n;
    node.Problem("is \"" + std::string(text->substr(0, 20)) + "\", expected an integer");
    return std::nullopt;
  }
  return node.OptInt64();
}

std::vector<std::string> StringArray(Node node) {
  std::vector<std::string> out;
  for (Node item : node.OptArray("an array of strings").Items()) {
    if (auto text = item.AsString()) out.emplace_back(*text);
    else item.WrongType("a string");  // null included: a list has no optional entries
  }
  return out;
}

// "Synkopy & Oldřich Veselý", "Enid Blyton Read By Kate Winslet".
std::string ArtistCredit(Node object) {
  Node artists = object["artists"].OptArray();
  std::string credit;
  for (std::size_t i = 0; i < artists.Size(); ++i) {
    Node a = artists.At(i);
    if (!a.IsObject()) {
      a.WrongType("an object");
      continue;
    }
    std::string name = CleanName(a["name"].OptString().value_or(""));
    if (name.empty()) continue;
    credit += name;
    std::string join = a["join"].OptString().value_or("");
    if (i + 1 == artists.Size()) break;
    if (join.empty() || join == ",") credit += ", ";
    else credit += " " + join + " ";
  }
  while (!credit.empty() && (credit.back() == ' ' || credit.back() == ',')) credit.pop_back();
  return credit;
}

std::vector<std::string> TrackArtists(Node track) {
  std::vector<std::string> out;
  for (Node a : track["artists"].OptArray().Items()) {
    if (!a.IsObject()) {
      a.WrongType("an object");
      continue;
    }
    auto name = a["name"].OptString();
    if (name && !name->empty()) out.push_back(CleanName(*name));
  }
  return out;
}

void ReadTracks(Node list, std::vector<Track>& out) {
  for (Node t : list.Items()) {
    if (!t.IsObject()) {
      t.WrongType("an object");
      continue;
    }
    std::string type = t["type_"].OptString().value_or("track");
    if (type == "heading") continue;
    if (type == "index") {
      // An index track groups sub-tracks (movements); the playable ones are inside.
      // Their titles ("Part 1") only make sense under the index's: "Sysyphus - Part 1".
      std::string index_title = t["title"].OptString().value_or("");
      std::size_t first_sub = out.size();
      ReadTracks(t["sub_tracks"].OptArray(), out);
      for (std::size_t k = first_sub; k < out.size() && !index_title.empty(); ++k) {
        out[k].title = out[k].title.empty() ? index_title : index_title + " - " + out[k].title;
      }
      continue;
    }
    Track track;
    track.position = t["position"].OptString().value_or("");
    track.title = t["title"].OptString().value_or("");
    track.duration_ms = ParseDuration(t["duration"].OptString().value_or(""));
    track.artists = TrackArtists(t);
    track.ordinal = static_cast<int>(out.size()) + 1;
    out.push_back(std::move(track));
  }
}

std::optional<std::string> FirstLabel(Node object) {
  Node first = object["labels"].OptArray().At(0);
  if (!first.Present()) return std::nullopt;
  if (!first.IsObject()) {
    first.WrongType("an object");
    return std::nullopt;
  }
  auto name = first["name"].OptString();
  if (!name || name->empty()) return std::nullopt;
  return CleanName(*name);
}

core::Result<Release> ReadRelease(std::string_view body, bool master) {
  const char* what = master ? "master" : "release";
  auto parsed = json::Body::Parse(body, what);
  if (!parsed) return parsed.error();
  Node doc = parsed->Root();
  Release r;
  r.is_master = master;
  Node id = doc["id"];
  if (!id.Given()) {
    if (auto message = doc["message"].AsString()) {
      return json::InvalidResponse(what, "an error body: " + std::string(*message));
    }
    id.Problem("is missing");
    return *parsed->Problem();
  }
  if (!id.IsInt64() || *id.AsInt64() < 1) {
    if (id.IsNumber()) id.Problem("is not a positive integer, expected a positive integer");
    else id.WrongType("a positive integer");
    return *parsed->Problem();
  }
  r.id = *id.AsInt64();
  r.title = doc["title"].OptString().value_or("");
  r.artist = ArtistCredit(doc);
  if (Node first = doc["artists"].OptArray().At(0); first.IsObject()) {
    if (auto artist_id = Integer(first["id"]); artist_id && *artist_id > 0) r.artist_id = artist_id;
  }
  std::int64_t year = Integer(doc["year"], true).value_or(0);
  r.release_date = ReleaseDate(doc["released"].OptString().value_or(""), year);
  r.master_id = Integer(doc["master_id"]);
  if (r.master_id && *r.master_id < 1) r.master_id.reset();
  r.main_release = Integer(doc["main_release"]);
  r.genres = StringArray(doc["genres"]);
  r.styles = StringArray(doc["styles"]);
  ReadTracks(doc["tracklist"].OptArray(), r.tracklist);
  r.label = FirstLabel(doc);
  return parsed->Finish(std::move(r));
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parenthesised and bracketed parts and a " - Remastered ..." tail removed.
std::string StripVersion(std::string_view title) {
  std::string out;
  int depth = 0;
  for (char c : title) {
    if (c == '(' || c == '[') ++depth;
    else if ((c == ')' || c == ']') && depth > 0) --depth;
    else if (depth == 0) out += c;
  }
  if (auto dash = out.find(" - "); dash != std::string::npos && dash > 0) out.resize(dash);
  return FoldTitle(out);
}

// Track number on its medium: "7" -> 7, "2-5" / "2.5" -> 5; vinyl sides ("A1") and others
// take the running order on the release.
std::optional<std::int32_t> TrackNumber(const Track& track) {
  std::string_view pos = track.position;
  std::optional<std::int64_t> n;
  if (IsDigits(pos)) {
    n = ParseInteger(pos);
  } else if (auto sep = pos.find_first_of("-."); sep != std::string_view::npos && IsDigits(pos.substr(0, sep)) &&
                                                  IsDigits(pos.substr(sep + 1))) {
    n = ParseInteger(pos.substr(sep + 1));
  } else {
    n = track.ordinal;
  }
  if (!n || *n < 1 || *n > 10000) return std::nullopt;
  return static_cast<std::int32_t>(*n);
}

// Discogs' Non-Music styles: never a music genre.
bool IsNonMusicStyle(std::string_view style) {
  static const std::array<std::string_view, 16> kStyles = {
      "audiobook", "comedy", "dialogue", "education", "field recording", "interview", "monolog", "poetry",
      "political", "promotional", "radioplay", "religious", "speech", "spoken word", "technical", "therapy"};
  std::string folded = FoldTitle(style);
  return std::find(kStyles.begin(), kStyles.end(), folded) != kStyles.end();
}

// Discogs' names as the vocabulary spells them: composite top-level genres split, and the
// few styles whose plain name means something else ("Romantic" is the classical era, not a
// mood). Anything else is passed through, with " music" tried when the bare name is unknown
// ("Folk" -> "folk music").
std::vector<std::string> VocabularyNames(std::string_view name) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string>>> kNames = {
      {"Folk, World, & Country", {"folk music", "world music", "country"}},
      {"Funk / Soul", {"funk", "soul"}},
      {"Stage & Screen", {"film score"}},
      {"Soundtrack", {"film score"}},
      {"Score", {"film score"}},
      {"Brass & Military", {"brass band"}},
      {"Children's", {"children's music"}},
      {"Latin", {"latin american"}},
      {"Romantic", {"classical"}},
  };
  for (const auto& [discogs_name, names] : kNames) {
    if (name == discogs_name) return names;
  }
  const auto& vocabulary = normalize::Vocabulary::Default();
  std::string plain(name);
  if (!vocabulary.Genre(plain) && !vocabulary.Mood(plain) && vocabulary.Genre(plain + " music")) return {plain + " music"};
  return {plain};
}

// --- JSON output (provenance and the normalize subcommand) ---

template <typename W>
void StringList(W& w, const char* key, const std::vector<std::string>& items) {
  w.Key(key);
  w.StartArray();
  for (const auto& s : items) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
}

template <typename W>
void Str(W& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

template <typename W>
void OptStr(W& w, const char* key, const std::optional<std::string>& value) {
  if (value) Str(w, key, *value);
}

template <typename W>
void OptI64(W& w, const char* key, const std::optional<std::int64_t>& value) {
  if (!value) return;
  w.Key(key);
  w.Int64(*value);
}

template <typename W>
void TrackJson(W& w, const Track& t) {
  w.StartObject();
  Str(w, "position", t.position);
  Str(w, "title", t.title);
  if (t.duration_ms) OptI64(w, "duration_ms", std::optional<std::int64_t>(*t.duration_ms));
  if (auto n = TrackNumber(t)) OptI64(w, "track_number", std::optional<std::int64_t>(*n));
  if (!t.artists.empty()) StringList(w, "artists", t.artists);
  w.EndObject();
}

// What a source row keeps of the release ("raw"): enough to re-normalize without the
// 10-30 kB body.
std::string Provenance(const Release& r, const Track* track) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key(r.is_master ? "master_id" : "release_id");
  w.Int64(r.id);
  if (!r.is_master) OptI64(w, "master_id", r.master_id);
  Str(w, "title", r.title);
  Str(w, "artist", r.artist);
  OptStr(w, "released", r.release_date);
  StringList(w, "genres", r.genres);
  StringList(w, "styles", r.styles);
  if (track != nullptr) {
    w.Key("track");
    TrackJson(w, *track);
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

// Embeds the pretty JSON of a record (json::RecordJson) as a value.
template <typename W>
void Embed(W& w, const std::string& json_text) {
  rapidjson::Document doc;
  doc.Parse(json_text.data(), json_text.size());
  doc.Accept(w);
}

catalog::AlbumRecord AlbumRecordFor(const Release& release) {
  json::AlbumJob job;
  job.artist = release.artist;
  job.album = release.title;
  return AlbumFromRelease(job, release);
}

// The record a track job for this track of `release` gets.
catalog::TrackRecord TrackRecordFor(const Release& release, const Track& track) {
  json::TrackJob job;
  job.artist = track.artists.empty() ? release.artist : track.artists.front();
  job.title = track.title;
  if (!release.title.empty()) job.album = release.title;
  return TrackRecordFrom(job, release, &track);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string SplitHitArtist(const std::string& title, std::string* rest) {
  auto dash = title.find(" - ");
  if (dash == std::string::npos) {
    if (rest != nullptr) *rest = title;
    return "";
  }
  if (rest != nullptr) *rest = title.substr(dash + 3);
  return CleanName(title.substr(0, dash));
}

}  // namespace

core::Result<SearchPage> ParseSearch(std::string_view body) {
  auto parsed = json::Body::Parse(body, "search");
  if (!parsed) return parsed.error();
  Node doc = parsed->Root();
  SearchPage page;
  if (Node pagination = doc["pagination"].OptObject(); pagination.Present()) {
    page.page = static_cast<int>(std::clamp<std::int64_t>(Integer(pagination["page"]).value_or(1), 0, 1'000'000));
    page.pages = static_cast<int>(std::clamp<std::int64_t>(Integer(pagination["pages"]).value_or(1), 0, 1'000'000));
    page.per_page = static_cast<int>(std::clamp<std::int64_t>(Integer(pagination["per_page"]).value_or(0), 0, 1'000'000));
    page.items = Integer(pagination["items"]).value_or(0);
    if (Node urls = pagination["urls"].OptObject(); urls.Present()) {
      if (auto next = urls["next"].OptString(); next && !next->empty()) page.next_url = std::string(*next);
    }
  }
  Node results = doc["results"];
  if (!results.Given()) {
    if (auto message = doc["message"].AsString()) {
      return json::InvalidResponse("search", "an error body: " + std::string(*message));
    }
    results.Problem("is missing");
    return *parsed->Problem();
  }
  if (!results.IsArray()) {
    results.WrongType("an array");
    return *parsed->Problem();
  }
  for (Node r : results.Items()) {
    if (!r.IsObject()) {
      r.WrongType("an object");
      continue;
    }
    SearchHit hit;
    auto id = Integer(r["id"]);
    if (!id) {
      r["id"].Problem("is missing");
      continue;
    }
    hit.id = *id;
    hit.type = r["type"].OptString().value_or("release");
    hit.title = r["title"].OptString().value_or("");
    if (auto year = Integer(r["year"], true); year && *year > 0) hit.year = static_cast<int>(std::min<std::int64_t>(*year, 9999));
    hit.genres = StringArray(r["genre"]);
    hit.styles = StringArray(r["style"]);
    hit.master_id = Integer(r["master_id"]);
    if (hit.master_id && *hit.master_id < 1) hit.master_id.reset();
    page.results.push_back(std::move(hit));
  }
  page.items = std::max<std::int64_t>(page.items, static_cast<std::int64_t>(page.results.size()));
  return parsed->Finish(std::move(page));
}

std::optional<core::Error> CheckBody(std::string_view body, std::string_view what) {
  auto parsed = json::Body::Parse(body, what);
  if (!parsed) return parsed.error();
  return std::nullopt;
}

core::Result<Release> ParseRelease(std::string_view body) { return ReadRelease(body, false); }
core::Result<Release> ParseMaster(std::string_view body) { return ReadRelease(body, true); }

std::optional<std::string> ParseErrorMessage(std::string_view body) {
  auto parsed = json::Body::Parse(body, "error");
  if (!parsed) return std::nullopt;
  Node doc = parsed->Root();
  if (doc["id"].Present() || doc["results"].Present()) return std::nullopt;
  auto message = doc["message"].AsString();
  if (!message) return std::nullopt;
  return std::string(*message);
}

std::optional<std::int32_t> ParseDuration(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::int64_t total = 0;
  int parts = 0;
  while (true) {
    auto colon = text.find(':');
    std::string_view part = text.substr(0, colon);
    if (!IsDigits(part) || part.size() > 4) return std::nullopt;
    std::int64_t value = *ParseInteger(part);
    if (parts > 0 && value >= 60) return std::nullopt;  // minutes and seconds after the first part
    total = total * 60 + value;
    ++parts;
    if (colon == std::string_view::npos) break;
    text.remove_prefix(colon + 1);
  }
  if (parts > 3 || total <= 0) return std::nullopt;
  std::int64_t ms = total * 1000;
  if (ms > std::numeric_limits<std::int32_t>::max()) return std::nullopt;
  return static_cast<std::int32_t>(ms);
}

std::optional<std::string> ReleaseDate(std::string_view released, std::int64_t year) {
  auto valid_year = [](std::int64_t y) { return y >= 1000 && y <= 9999; };
  std::string_view y = released.substr(0, 4);
  if (released.size() >= 4 && IsDigits(y) && valid_year(*ParseInteger(y))) {
    std::string out(y);
    if (released.size() == 4) return out;
    if (released.size() >= 7 && released[4] == '-' && IsDigits(released.substr(5, 2))) {
      auto month = *ParseInteger(released.substr(5, 2));
      if (month < 1 || month > 12) return out;  // "1999-00-00": the year only
      out += "-" + std::string(released.substr(5, 2));
      if (released.size() == 7) return out;
      if (released.size() == 10 && released[7] == '-' && IsDigits(released.substr(8, 2))) {
        auto day = *ParseInteger(released.substr(8, 2));
        if (day >= 1 && day <= 31) out += "-" + std::string(released.substr(8, 2));
        return out;  // "1999-03-00": year and month
      }
      return out;
    }
  }
  if (valid_year(year)) return std::to_string(year);
  return std::nullopt;
}

std::string CleanName(std::string_view name) {
  std::string out(name);
  while (!out.empty() && (out.back() == ' ' || out.back() == '*')) out.pop_back();
  // " (12)": Discogs' number for artists sharing a name.
  if (out.size() > 4 && out.back() == ')') {
    auto open = out.rfind(" (");
    if (open != std::string::npos && IsDigits(std::string_view(out).substr(open + 2, out.size() - open - 3))) {
      out.resize(open);
    }
  }
  for (std::string_view article : {", The", ", A", ", An"}) {
    if (out.size() > article.size() && std::string_view(out).ends_with(article)) {
      out = std::string(article.substr(2)) + " " + out.substr(0, out.size() - article.size());
      break;
    }
  }
  return out;
}

std::string FoldTitle(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\'') continue;  // "Singin'" and "Singin" match
    if (u >= 0x80 || std::isalnum(u) != 0) {
      if (space && !out.empty()) out += ' ';
      space = false;
      out += static_cast<char>(u < 0x80 ? std::tolower(u) : u);
    } else {
      space = true;
    }
  }
  return out;
}

normalize::Classified ClassifyGenres(const std::vector<std::string>& genres, const std::vector<std::string>& styles,
                                     std::string_view artist) {
  bool music = std::any_of(genres.begin(), genres.end(), [](const std::string& g) { return g != "Non-Music"; });
  std::vector<normalize::WeightedTag> tags;
  if (music || genres.empty()) {
    // Styles are the finer genres ("Synth-pop" under "Electronic", "Pop"): they rank first.
    for (const auto& style : styles) {
      if (IsNonMusicStyle(style)) continue;
      for (auto& name : VocabularyNames(style)) tags.push_back({std::move(name), 2.0});
    }
    for (const auto& genre : genres) {
      if (genre == "Non-Music") continue;
      for (auto& name : VocabularyNames(genre)) tags.push_back({std::move(name), 1.0});
    }
  }
  return normalize::Vocabulary::Default().Classify(tags, artist);
}

namespace {

// BestHit's score of a release row: a matching artist 4, the exact title 2 (1 a version
// suffix aside), the year 1. -1: not a release row.
struct HitWant {
  std::string artist;
  std::string title;
  std::string stripped;
  HitWant(std::string_view a, std::string_view t)
      : artist(FoldTitle(CleanName(a))), title(FoldTitle(t)), stripped(StripVersion(t)) {}
};

int ArtistScore(const SearchHit& hit, const HitWant& want, std::string* rest) {
  std::string hit_artist = FoldTitle(SplitHitArtist(hit.title, rest));
  return !want.artist.empty() && hit_artist == want.artist ? 4 : 0;
}

int TitleScore(const std::string& rest, const HitWant& want) {
  if (want.title.empty()) return 0;
  if (FoldTitle(rest) == want.title) return 2;
  if (StripVersion(rest) == want.stripped) return 1;
  return 0;
}

int HitScore(const SearchHit& hit, const HitWant& want, std::optional<std::int64_t> year) {
  if (hit.type != "release") return -1;
  std::string rest;
  int score = ArtistScore(hit, want, &rest) + TitleScore(rest, want);
  if (year && hit.year && *hit.year == *year) score += 1;
  return score;
}

}  // namespace

const SearchHit* BestHit(const SearchPage& page, std::string_view artist, std::string_view title,
                         std::optional<std::int64_t> year) {
  const SearchHit* best = nullptr;
  int best_score = -1;
  HitWant want(artist, title);
  for (const auto& hit : page.results) {
    int score = HitScore(hit, want, year);
    if (score < 0) continue;
    if (score > best_score) {
      best = &hit;
      best_score = score;
    }
  }
  return best;
}

std::vector<SearchHit> RankedHits(const SearchPage& page, std::string_view artist, std::string_view title,
                                  std::optional<std::int64_t> year, std::size_t limit) {
  HitWant want(artist, title);
  std::vector<std::pair<int, const SearchHit*>> scored;
  for (const auto& hit : page.results) {
    if (int score = HitScore(hit, want, year); score >= 0) scored.emplace_back(score, &hit);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<SearchHit> out;
  for (std::size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(*scored[i].second);
  return out;
}

bool IsMatch(const SearchHit& hit, std::string_view artist, std::string_view title) {
  if (hit.type != "release") return false;
  HitWant want(artist, title);
  std::string rest;
  if (ArtistScore(hit, want, &rest) == 0) return false;
  return want.title.empty() || TitleScore(rest, want) > 0;
}

core::Result<Artist> ParseArtist(std::string_view body) {
  auto parsed = json::Body::Parse(body, "artist");
  if (!parsed) return parsed.error();
  Node doc = parsed->Root();
  Node id = doc["id"];
  if (!id.Given()) {
    if (auto message = doc["message"].AsString()) {
      return json::InvalidResponse("artist", "an error body: " + std::string(*message));
    }
    id.Problem("is missing");
    return *parsed->Problem();
  }
  if (!id.IsInt64() || *id.AsInt64() < 1) {
    id.WrongType("a positive integer");
    return *parsed->Problem();
  }
  Artist a;
  a.id = *id.AsInt64();
  a.name = CleanName(doc["name"].OptString().value_or(""));
  a.realname = doc["realname"].OptString().value_or("");
  a.profile = doc["profile"].OptString().value_or("");
  a.name_variations = StringArray(doc["namevariations"]);
  for (Node alias : doc["aliases"].OptArray().Items()) {
    if (!alias.IsObject()) {
      alias.WrongType("an object");
      continue;
    }
    if (auto name = alias["name"].OptString(); name && !name->empty()) a.aliases.push_back(CleanName(*name));
  }
  return parsed->Finish(std::move(a));
}

bool AnswersTo(const Artist& artist, std::string_view name) {
  std::string want = FoldTitle(CleanName(name));
  if (want.empty()) return false;
  auto same = [&want](std::string_view candidate) { return FoldTitle(CleanName(candidate)) == want; };
  if (same(artist.name) || same(artist.realname)) return true;
  return std::any_of(artist.name_variations.begin(), artist.name_variations.end(), same) ||
         std::any_of(artist.aliases.begin(), artist.aliases.end(), same);
}

const Track* FindTrack(const Release& release, std::string_view title, std::string_view artist) {
  std::string want = FoldTitle(title);
  std::string want_stripped = StripVersion(title);
  std::string want_artist = FoldTitle(CleanName(artist));
  if (want.empty()) return nullptr;
  auto by_artist = [&](const Track& t) {
    return std::any_of(t.artists.begin(), t.artists.end(), [&](const std::string& a) { return FoldTitle(a) == want_artist; });
  };
  // Exact (folded) titles first, then titles that differ only by a version suffix; within
  // each, a track credited to the artist wins (compilations repeat titles).
  for (int pass = 0; pass < 2; ++pass) {
    const Track* first = nullptr;
    for (const auto& t : release.tracklist) {
      bool match = pass == 0 ? FoldTitle(t.title) == want : (!want_stripped.empty() && StripVersion(t.title) == want_stripped);
      if (!match) continue;
      if (!want_artist.empty() && by_artist(t)) return &t;
      if (first == nullptr) first = &t;
    }
    if (first != nullptr) return first;
  }
  return nullptr;
}

catalog::TrackRecord TrackNotFound(const json::TrackJob& job) {
  catalog::TrackRecord r;
  r.ref = {job.artist, job.title, job.album, job.isrc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = "discogs";
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

catalog::TrackRecord TrackFromRelease(const json::TrackJob& job, const Release& release) {
  return TrackRecordFrom(job, release, FindTrack(release, job.title, job.artist));
}

catalog::TrackRecord TrackRecordFrom(const json::TrackJob& job, const Release& release, const Track* track) {
  catalog::TrackRecord r = TrackNotFound(job);
  r.status = catalog::SourceStatus::kOk;
  r.external_id = std::to_string(release.id);
  auto classified = ClassifyGenres(release.genres, release.styles, job.artist);
  r.genres = std::move(classified.genres);
  r.moods = std::move(classified.moods);
  r.fields.discogs_id = release.id;
  r.fields.release_date = release.release_date;
  if (!release.artist.empty()) r.fields.artist_credit = release.artist;
  r.fields.title = track != nullptr ? track->title : job.title;
  if (track != nullptr) {
    // Compilations ("Various") credit each track's own artists.
    if (!track->artists.empty()) r.fields.artist_credit = JoinNames(track->artists);
    r.fields.duration_ms = track->duration_ms;
    r.fields.track_number = TrackNumber(*track);
  }
  r.raw_json = Provenance(release, track);
  return r;
}

catalog::AlbumRecord AlbumNotFound(const json::AlbumJob& job) {
  catalog::AlbumRecord r;
  r.ref = {job.artist, job.album, job.upc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = "discogs";
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

std::vector<catalog::AlbumTrack> AlbumTracklist(const Release& release, std::string_view artist) {
  std::vector<catalog::AlbumTrack> out;
  std::map<std::int32_t, std::int32_t> counts;  // disc -> tracks so far
  for (const auto& track : release.tracklist) {
    if (track.title.empty()) continue;
    std::int32_t disc = 1;
    // "2-5", "CD2-5", "2.5": the digits before the separator name the disc. A one-letter
    // prefix is a vinyl side ("C1.1" is side C's first track's first part), not a disc.
    std::string_view position = track.position;
    auto separator = position.find_first_of("-.");
    if (separator != std::string_view::npos && separator + 1 < position.size()) {
      std::string_view head = position.substr(0, separator);
      std::size_t letters = 0;
      while (letters < head.size() && std::isalpha(static_cast<unsigned char>(head[letters])) != 0) ++letters;
      head.remove_prefix(letters == 1 ? head.size() : letters);
      std::int32_t parsed = 0;
      auto [end, ec] = std::from_chars(head.data(), head.data() + head.size(), parsed);
      if (ec == std::errc{} && end == head.data() + head.size() && parsed >= 1 && parsed <= 99) disc = parsed;
    }
    catalog::AlbumTrack entry;
    entry.disc = disc;
    entry.position = ++counts[disc];
    entry.ref.artist = !track.artists.empty() && !track.artists.front().empty() ? track.artists.front()
                                                                                 : std::string(artist);
    entry.ref.title = track.title;
    if (!release.title.empty()) entry.ref.album = release.title;
    entry.duration_ms = track.duration_ms;
    out.push_back(std::move(entry));
  }
  return out;
}

catalog::AlbumRecord AlbumFromRelease(const json::AlbumJob& job, const Release& release) {
  catalog::AlbumRecord r = AlbumNotFound(job);
  r.status = catalog::SourceStatus::kOk;
  r.external_id = release.is_master ? "master:" + std::to_string(release.id) : std::to_string(release.id);
  auto classified = ClassifyGenres(release.genres, release.styles, job.artist);
  r.genres = std::move(classified.genres);
  r.moods = std::move(classified.moods);
  r.fields.discogs_id = release.id;
  r.fields.title = release.title.empty() ? job.album : release.title;
  if (!release.artist.empty()) r.fields.artist_credit = release.artist;
  r.fields.release_date = release.release_date;
  if (!release.tracklist.empty()) r.fields.total_tracks = static_cast<std::int32_t>(release.tracklist.size());
  r.fields.label = release.label;
  r.raw_json = Provenance(release, nullptr);
  r.tracklist = AlbumTracklist(release, job.artist);
  return r;
}

long ErrorStatus(std::string_view message) {
  std::string lower = FoldTitle(message);
  auto has = [&lower](std::string_view part) { return lower.find(part) != std::string::npos; };
  if (has("not found")) return 404;
  if (has("too quickly") || has("rate limit")) return 429;
  if (has("authenticate") || has("unauthorized") || has("invalid consumer") || has("token")) return 401;
  if (has("internal server error") || has("unavailable") || has("try again")) return 500;
  return 400;
}

core::Result<runtime::NormalizedAnswer> NormalizeSaved(std::string_view body) {
  auto parsed = json::Body::Parse(body, "saved response");
  if (!parsed) return parsed.error();
  Node doc = parsed->Root();
  runtime::NormalizedAnswer out;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  if (doc["results"].Present() || doc["pagination"].Present()) {
    auto page = ParseSearch(body);
    if (!page) return page.error();
    out.shape = "search";
    out.candidates = static_cast<long>(page->results.size());
    const SearchHit* best = BestHit(*page, "", "");
    if (best == nullptr) return out;  // no release among the hits: not found
    w.StartObject();
    OptI64(w, "page", std::optional<std::int64_t>(page->page));
    OptI64(w, "pages", std::optional<std::int64_t>(page->pages));
    OptI64(w, "items", std::optional<std::int64_t>(page->items));
    w.Key("best");
    w.Int64(best->id);
    w.Key("records");
    w.StartArray();
    for (const auto& hit : page->results) {
      if (hit.type != "release") continue;
      Release release;
      release.id = hit.id;
      release.artist = SplitHitArtist(hit.title, &release.title);
      release.genres = hit.genres;
      release.styles = hit.styles;
      release.master_id = hit.master_id;
      if (hit.year) release.release_date = ReleaseDate("", *hit.year);
      Embed(w, json::RecordJson(AlbumRecordFor(release)));
    }
    w.EndArray();
    w.EndObject();
  } else if (!doc["id"].Present() && doc["message"].Present()) {
    auto message = ParseErrorMessage(body);
    if (!message) return core::Error::InvalidInput("error: /message is not a string");
    out.shape = "error";
    http::Response response;
    response.status = ErrorStatus(*message);
    response.body = std::string(body);
    out.error = gateway::ClassifyStatus(response, "discogs answer");
    out.error->message = "discogs answer: " + *message;
    return out;
  } else if (doc["main_release"].Present() || doc["versions_url"].Present()) {
    auto master = ParseMaster(body);
    if (!master) return master.error();
    out.shape = "master";
    w.StartObject();
    w.Key("album");
    Embed(w, json::RecordJson(AlbumRecordFor(*master)));
    OptI64(w, "main_release", master->main_release);
    w.Key("tracks");
    w.StartArray();
    for (const auto& t : master->tracklist) Embed(w, json::RecordJson(TrackRecordFor(*master, t)));
    w.EndArray();
    w.EndObject();
  } else if (doc["id"].Present()) {
    auto release = ParseRelease(body);
    if (!release) return release.error();
    out.shape = "release";
    w.StartObject();
    w.Key("album");
    Embed(w, json::RecordJson(AlbumRecordFor(*release)));
    w.Key("tracks");
    w.StartArray();
    for (const auto& t : release->tracklist) Embed(w, json::RecordJson(TrackRecordFor(*release, t)));
    w.EndArray();
    w.EndObject();
  } else {
    return core::Error::InvalidInput(
        "saved response: not a Discogs body we know; expected search results (\"results\"), a release or master "
        "(\"id\") or an error (\"message\")");
  }
  out.record_json.assign(buffer.GetString(), buffer.GetSize());
  return out;
}

}  // namespace discogs
