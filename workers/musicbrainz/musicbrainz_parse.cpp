#include "workers/musicbrainz/musicbrainz_parse.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/db/identity.hpp"
#include "common/http/url.hpp"
#include "common/json/body_reader.hpp"
#include "common/json/record_writer.hpp"

namespace musicbrainz {
namespace {

using json::Node;

std::string Where(std::string_view endpoint) { return "musicbrainz " + std::string(endpoint); }

std::string String(Node node) { return std::string(node.AsString().value_or("")); }

std::optional<std::string> NonEmpty(std::string text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// A number that may arrive as "100" (older answers) or 100.
std::optional<double> Number(Node node) {
  if (auto n = node.AsDouble()) return n;
  if (auto text = node.AsString()) {
    std::string copy(*text);
    char* end = nullptr;
    double n = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() && *end == '\0') return n;
  }
  return std::nullopt;
}

std::vector<normalize::WeightedTag> Tags(Node list) {
  std::vector<normalize::WeightedTag> out;
  for (Node tag : list.OptArray().Items()) {
    if (!tag.IsObject()) {
      tag.WrongType("an object");
      continue;
    }
    std::string name = String(tag["name"]);
    if (name.empty()) continue;
    auto count = Number(tag["count"]);
    out.push_back({std::move(name), count ? *count : 1.0});
  }
  return out;
}

std::optional<std::string> ArtistCredit(Node object) {
  std::string out;
  for (Node credit : object["artist-credit"].OptArray().Items()) {
    if (!credit.IsObject()) {
      credit.WrongType("an object");
      continue;
    }
    std::string name = String(credit["name"]);
    if (name.empty()) name = String(credit["artist"]["name"]);
    out += name + String(credit["joinphrase"]);
  }
  return NonEmpty(std::move(out));
}

CreditedArtist FirstArtist(Node object) {
  for (Node credit : object["artist-credit"].OptArray().Items()) {
    if (!credit.IsObject()) return {};  // ArtistCredit reports it
    return {String(credit["artist"]["id"]), String(credit["name"]), String(credit["artist"]["name"])};
  }
  return {};
}

std::optional<int> Score(Node object) {
  auto n = Number(object["score"]);
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

// The id every recording and release group has: a non-empty string.
std::string Id(Node object) {
  std::string id = object["id"].RequireString();
  if (id.empty() && object["id"].IsString()) object["id"].Problem("is empty");
  return id;
}

Recording RecordingFrom(Node r) {
  Recording out;
  if (!r.IsObject()) {
    r.WrongType("a recording object");
    return out;
  }
  out.id = Id(r);
  out.title = String(r["title"]);
  out.score = Score(r);
  if (auto length = Number(r["length"]); length && *length >= 0 && *length < 2e9) {
    out.length_ms = static_cast<std::int32_t>(*length);
  }
  out.first_release_date = NonEmpty(String(r["first-release-date"]));
  if (!out.first_release_date) {
    // Lookups with inc=releases but no first-release-date: the earliest dated release.
    for (Node release : r["releases"].Items()) {
      std::string date = String(release["date"]);
      if (!date.empty() && (!out.first_release_date || date < *out.first_release_date)) out.first_release_date = date;
    }
  }
  out.artist_credit = ArtistCredit(r);
  out.first_artist = FirstArtist(r);
  for (Node isrc : r["isrcs"].Items()) {
    if (auto text = isrc.AsString()) out.isrcs.emplace_back(*text);
  }
  out.tags = Tags(r["tags"]);
  out.genres = Tags(r["genres"]);
  return out;
}

ReleaseGroup ReleaseGroupFrom(Node g) {
  ReleaseGroup out;
  if (!g.IsObject()) {
    g.WrongType("a release group object");
    return out;
  }
  out.id = Id(g);
  out.title = String(g["title"]);
  out.score = Score(g);
  out.first_release_date = NonEmpty(String(g["first-release-date"]));
  out.primary_type = NonEmpty(String(g["primary-type"]));
  out.artist_credit = ArtistCredit(g);
  out.first_artist = FirstArtist(g);
  out.tags = Tags(g["tags"]);
  out.genres = Tags(g["genres"]);
  for (Node release : g["releases"].OptArray().Items()) {
    if (!release.IsObject()) {
      release.WrongType("a release object");
      continue;
    }
    ReleaseSummary summary;
    summary.id = Id(release);
    summary.title = String(release["title"]);
    summary.status = NonEmpty(String(release["status"]));
    summary.date = NonEmpty(String(release["date"]));
    summary.barcode = NonEmpty(String(release["barcode"]));
    out.releases.push_back(std::move(summary));
  }
  return out;
}

template <typename T, typename From>
std::vector<T> List(Node list, From from) {
  std::vector<T> out;
  for (Node item : list.RequireArray().Items()) out.push_back(from(item));
  return out;
}

std::string Fold(std::string_view text) { return normalize::Vocabulary::Fold(text); }

template <typename T>
const T* Best(const std::vector<T>& candidates, std::string_view title) {
  const T* best = nullptr;
  std::string folded = Fold(title);
  for (const auto& c : candidates) {
    int score = c.score.value_or(0);
    if (best == nullptr || score > best->score.value_or(0) ||
        (score == best->score.value_or(0) && Fold(best->title) != folded && Fold(c.title) == folded)) {
      best = &c;
    }
  }
  return best;
}

std::vector<normalize::WeightedTag> GenresThenTags(const std::vector<normalize::WeightedTag>& genres,
                                                   const std::vector<normalize::WeightedTag>& tags) {
  std::vector<normalize::WeightedTag> all = genres;
  all.insert(all.end(), tags.begin(), tags.end());
  return all;
}

std::string Base(std::string_view base_url) {
  std::string base(base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/ws/2/";
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  return true;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The catalog's CHECK: ^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$. One bad ISRC would reject the whole
// tracklist statement, so an entry only carries a well-formed one.
bool IsIsrc(std::string_view text) {
  if (text.size() != 12) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool upper = c >= 'A' && c <= 'Z';
    bool digit = c >= '0' && c <= '9';
    if (i < 2 ? !upper : (i < 5 ? !(upper || digit) : !digit)) return false;
  }
  return true;
}

std::optional<std::int32_t> Length(Node node) {
  if (auto length = Number(node); length && *length > 0 && *length < 2e9) return static_cast<std::int32_t>(*length);
  return std::nullopt;
}

std::optional<std::int32_t> Position(Node node) {
  if (auto n = Number(node); n && *n >= 1 && *n < 1e6) return static_cast<std::int32_t>(*n);
  return std::nullopt;
}

// The first credited name of an artist-credit list ("DJ Okapi" of "DJ Okapi feat. Ire").
std::string FirstCredit(Node object) {
  for (Node credit : object["artist-credit"].OptArray().Items()) {
    if (!credit.IsObject()) return "";  // ArtistCredit reports it
    std::string name = String(credit["name"]);
    if (name.empty()) name = String(credit["artist"]["name"]);
    return name;
  }
  return "";
}

std::optional<catalog::AlbumTrack> TrackEntry(Node track, std::int32_t disc, const std::string& album,
                                              const std::string& artist) {
  if (!track.IsObject()) {
    track.WrongType("a track object");
    return std::nullopt;
  }
  Node recording = track["recording"].OptObject("a recording object");
  if (recording.IsObject() && recording["video"].OptBool().value_or(false)) return std::nullopt;
  auto position = Position(track["position"]);
  std::string title = String(track["title"]);
  if (title.empty()) title = String(recording["title"]);
  if (!position || title.empty()) return std::nullopt;
  catalog::AlbumTrack entry;
  entry.disc = disc;
  entry.position = *position;
  entry.ref.title = std::move(title);
  std::string credited = FirstCredit(track);
  if (credited.empty()) credited = FirstCredit(recording);
  (void)ArtistCredit(track);  // reports a malformed credit list
  entry.ref.artist = credited.empty() ? artist : credited;
  if (!album.empty()) entry.ref.album = album;
  entry.duration_ms = Length(track["length"]);
  if (!entry.duration_ms) entry.duration_ms = Length(recording["length"]);
  if (recording.IsObject()) {
    std::string id = Lower(Id(recording));
    if (IsUuid(id)) entry.ref.mbid = id;
    for (Node isrc : recording["isrcs"].OptArray("an array of strings").Items()) {
      if (auto text = isrc.AsString(); text && IsIsrc(*text)) {
        entry.ref.isrc = std::string(*text);
        break;
      }
    }
  }
  return entry;
}

}  // namespace

std::string EscapeLucene(std::string_view text) {
  static constexpr std::string_view kSpecial = "+-&|!(){}[]^\"~*?:\\/";
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (kSpecial.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string RecordingQuery(std::string_view artist, std::string_view title) {
  return "recording:\"" + EscapeLucene(title) + "\" AND artist:\"" + EscapeLucene(artist) + "\"";
}

std::string ReleaseGroupQuery(std::string_view artist, std::string_view album) {
  return "releasegroup:\"" + EscapeLucene(album) + "\" AND artist:\"" + EscapeLucene(artist) + "\"";
}

std::string IsrcUrl(std::string_view base_url, std::string_view isrc) {
  return Base(base_url) + "isrc/" + http::PercentEncode(isrc) + "?inc=" + std::string(kIsrcInc) + "&fmt=json";
}

std::string RecordingUrl(std::string_view base_url, std::string_view mbid) {
  return Base(base_url) + "recording/" + http::PercentEncode(mbid) + "?inc=" + std::string(kRecordingInc) + "&fmt=json";
}

std::string RecordingSearchUrl(std::string_view base_url, std::string_view artist, std::string_view title) {
  return Base(base_url) + "recording?query=" + http::PercentEncode(RecordingQuery(artist, title)) +
         "&limit=" + std::to_string(kSearchLimit) + "&fmt=json";
}

std::string ReleaseGroupUrl(std::string_view base_url, std::string_view mbid) {
  return Base(base_url) + "release-group/" + http::PercentEncode(mbid) + "?inc=" + std::string(kReleaseGroupInc) +
         "&fmt=json";
}

std::string ReleaseGroupSearchUrl(std::string_view base_url, std::string_view artist, std::string_view album) {
  return Base(base_url) + "release-group?query=" + http::PercentEncode(ReleaseGroupQuery(artist, album)) +
         "&limit=" + std::to_string(kSearchLimit) + "&fmt=json";
}

std::string ReleaseUrl(std::string_view base_url, std::string_view mbid) {
  return Base(base_url) + "release/" + http::PercentEncode(mbid) + "?inc=" + std::string(kReleaseInc) + "&fmt=json";
}

std::optional<core::Error> ClassifyBody(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  return std::nullopt;
}

core::Result<Recording> ParseRecording(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  return parsed->Finish(RecordingFrom(parsed->Root()));
}

core::Result<std::vector<Recording>> ParseIsrc(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  return parsed->Finish(List<Recording>(parsed->Root()["recordings"], RecordingFrom));
}

core::Result<std::vector<Recording>> ParseRecordingSearch(std::string_view body, std::string_view endpoint) {
  return ParseIsrc(body, endpoint);  // the same list under the same key
}

core::Result<ReleaseGroup> ParseReleaseGroup(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  return parsed->Finish(ReleaseGroupFrom(parsed->Root()));
}

core::Result<std::vector<ReleaseGroup>> ParseReleaseGroupSearch(std::string_view body, std::string_view endpoint) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  return parsed->Finish(List<ReleaseGroup>(parsed->Root()["release-groups"], ReleaseGroupFrom));
}

core::Result<Release> ParseRelease(std::string_view body, std::string_view endpoint, std::string_view artist) {
  auto parsed = json::Body::Parse(body, Where(endpoint));
  if (!parsed) return parsed.error();
  const Node r = parsed->Root();
  Release out;
  out.id = Lower(Id(r));
  out.title = String(r["title"]);
  std::string release_artist = FirstCredit(r);
  if (release_artist.empty()) release_artist = std::string(artist);
  std::int32_t index = 0;
  for (Node medium : r["media"].RequireArray().Items()) {
    ++index;
    if (!medium.IsObject()) {
      medium.WrongType("a medium object");
      continue;
    }
    std::int32_t disc = Position(medium["position"]).value_or(index);
    for (Node track : medium["tracks"].OptArray().Items()) {
      if (auto entry = TrackEntry(track, disc, out.title, release_artist)) out.tracklist.push_back(std::move(*entry));
    }
  }
  return parsed->Finish(std::move(out));
}

const ReleaseSummary* PickRelease(const std::vector<ReleaseSummary>& releases, std::string_view album,
                                  const std::optional<std::string>& upc) {
  if (upc) {
    // A 12-digit UPC-A and its 13-digit EAN spelling differ by a leading zero.
    auto digits = [](std::string_view code) { return code.substr(std::min(code.find_first_not_of('0'), code.size())); };
    for (const auto& r : releases) {
      if (r.barcode && !digits(*upc).empty() && digits(*r.barcode) == digits(*upc)) return &r;
    }
  }
  bool any_official = false;
  bool any_titled = false;
  std::string folded = Fold(album);
  for (const auto& r : releases) any_official = any_official || r.status == "Official";
  auto eligible = [&](const ReleaseSummary& r) { return !any_official || r.status == "Official"; };
  for (const auto& r : releases) any_titled = any_titled || (eligible(r) && Fold(r.title) == folded);
  const ReleaseSummary* best = nullptr;
  for (const auto& r : releases) {
    if (!eligible(r) || (any_titled && Fold(r.title) != folded)) continue;
    if (best == nullptr || (r.date && (!best->date || *r.date < *best->date))) best = &r;
  }
  return best;
}

const Recording* BestRecording(const std::vector<Recording>& candidates, std::string_view title) {
  return Best(candidates, title);
}

const ReleaseGroup* BestReleaseGroup(const std::vector<ReleaseGroup>& candidates, std::string_view title) {
  return Best(candidates, title);
}

bool NeedsLookup(const Recording& recording) { return recording.tags.empty() && recording.genres.empty(); }
bool NeedsLookup(const ReleaseGroup& group) { return group.tags.empty() && group.genres.empty(); }

catalog::TrackRecord NotFoundTrack(const json::TrackJob& job) {
  catalog::TrackRecord r;
  r.ref = {job.artist, job.title, job.album, job.isrc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = "musicbrainz";
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

catalog::AlbumRecord NotFoundAlbum(const json::AlbumJob& job) {
  catalog::AlbumRecord r;
  r.ref = {job.artist, job.album, job.upc, job.mbid, job.spotify_id, job.discogs_id};
  r.provider = "musicbrainz";
  r.job_id = job.job_id;
  r.status = catalog::SourceStatus::kNotFound;
  return r;
}

namespace {

// The first credited artist's MBID when that artist is the job's (db::NameKey of its credited
// or its own name), as the Discogs worker decides artist_discogs_id: a featured artist's id
// must not land on the row of the job's artist.
std::optional<std::string> JobArtistMbid(const CreditedArtist& first, std::string_view job_artist) {
  std::string id = first.id;
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!IsUuid(id)) return std::nullopt;
  std::string want = db::NameKey(job_artist);
  if (want.empty() || (db::NameKey(first.credited_name) != want && db::NameKey(first.name) != want)) {
    return std::nullopt;
  }
  return id;
}

}  // namespace

catalog::TrackRecord TrackRecordFrom(const json::TrackJob& job, const Recording& recording, std::string raw_json,
                                     const normalize::Vocabulary& vocabulary) {
  catalog::TrackRecord r = NotFoundTrack(job);
  r.status = catalog::SourceStatus::kOk;
  std::string mbid = recording.id;
  for (char& c : mbid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (IsUuid(mbid)) {
    r.external_id = mbid;
    r.fields.mbid = mbid;
  } else {
    r.external_id = recording.id;
  }
  if (!recording.title.empty()) r.fields.title = recording.title;
  r.fields.duration_ms = recording.length_ms;
  r.fields.release_date = recording.first_release_date;
  r.fields.artist_credit = recording.artist_credit;
  r.fields.artist_mbid = JobArtistMbid(recording.first_artist, job.artist);
  if (job.isrc) {
    r.fields.isrc = job.isrc;
  } else if (!recording.isrcs.empty()) {
    r.fields.isrc = recording.isrcs.front();
  }
  auto classified = vocabulary.Classify(GenresThenTags(recording.genres, recording.tags), job.artist);
  r.genres = std::move(classified.genres);
  r.moods = std::move(classified.moods);
  if (!raw_json.empty()) r.raw_json = std::move(raw_json);
  return r;
}

catalog::AlbumRecord AlbumRecordFrom(const json::AlbumJob& job, const ReleaseGroup& group, std::string raw_json,
                                     const normalize::Vocabulary& vocabulary) {
  catalog::AlbumRecord r = NotFoundAlbum(job);
  r.status = catalog::SourceStatus::kOk;
  std::string mbid = group.id;
  for (char& c : mbid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  r.external_id = mbid;
  if (IsUuid(mbid)) r.fields.mbid = mbid;
  if (!group.title.empty()) r.fields.title = group.title;
  r.fields.release_date = group.first_release_date;
  r.fields.artist_credit = group.artist_credit;
  r.fields.artist_mbid = JobArtistMbid(group.first_artist, job.artist);
  auto classified = vocabulary.Classify(GenresThenTags(group.genres, group.tags), job.artist);
  r.genres = std::move(classified.genres);
  r.moods = std::move(classified.moods);
  if (!raw_json.empty()) r.raw_json = std::move(raw_json);
  return r;
}

core::Result<Normalized> Normalize(std::string_view body, const normalize::Vocabulary& vocabulary) {
  auto parsed = json::Body::Parse(body, Where("normalize"));
  if (!parsed) return parsed.error();
  const Node d = parsed->Root();
  Normalized out;
  auto track_job = [](const Recording& rec) {
    std::string artist = rec.artist_credit.value_or("");
    return json::TrackJob{.job_id = "normalize", .artist = artist, .title = rec.title};
  };
  if (Node error = d["error"]; error.IsString()) {
    out.shape = "error";
    std::string message = "musicbrainz answer: " + String(error);
    if (String(error) == "Not Found") out.error = core::Error::NotFound(message);
    else if (String(error).find("rate limit") != std::string::npos) out.error = core::Error::Transient(message);
    else out.error = core::Error::InvalidInput(message);
    return out;
  }
  if (d["recordings"].Present()) {
    bool isrc = d["isrc"].Present();
    out.shape = isrc ? "isrc" : "recording-search";
    auto list = isrc ? ParseIsrc(body, "isrc") : ParseRecordingSearch(body, "recording-search");
    if (!list) return list.error();
    out.candidates = static_cast<int>(list->size());
    const Recording* best = BestRecording(*list, "");
    if (best != nullptr) {
      json::TrackJob job = track_job(*best);
      if (isrc) job.isrc = String(d["isrc"]);
      out.track = TrackRecordFrom(job, *best, "", vocabulary);
    }
    return out;
  }
  if (d["release-groups"].Present()) {
    out.shape = "release-group-search";
    auto list = ParseReleaseGroupSearch(body, "release-group-search");
    if (!list) return list.error();
    out.candidates = static_cast<int>(list->size());
    if (const ReleaseGroup* best = BestReleaseGroup(*list, ""); best != nullptr) {
      json::AlbumJob job{.job_id = "normalize", .artist = best->artist_credit.value_or(""), .album = best->title};
      out.album = AlbumRecordFrom(job, *best, "", vocabulary);
    }
    return out;
  }
  // A lookup: release groups have a primary type, recordings a length or video flag.
  if (d["id"].Present() && (d["primary-type"].Present() || d["primary-type-id"].Present())) {
    out.shape = "release-group";
    auto group = ParseReleaseGroup(body, "release-group");
    if (!group) return group.error();
    json::AlbumJob job{.job_id = "normalize", .artist = group->artist_credit.value_or(""), .album = group->title};
    out.album = AlbumRecordFrom(job, *group, "", vocabulary);
    return out;
  }
  if (d["id"].Present() && (d["length"].Present() || d["video"].Present())) {
    out.shape = "recording";
    auto rec = ParseRecording(body, "recording");
    if (!rec) return rec.error();
    out.track = TrackRecordFrom(track_job(*rec), *rec, "", vocabulary);
    return out;
  }
  return json::InvalidResponse(Where("normalize"),
                               "not a MusicBrainz answer this worker knows (expected a recording, an ISRC lookup, a release group, "
                 "search results or an error)");
}

core::Result<runtime::NormalizedAnswer> NormalizeAnswer(std::string_view body) {
  auto n = Normalize(body, normalize::Vocabulary::Default());
  if (!n) return n.error();
  runtime::NormalizedAnswer out{.shape = n->shape, .error = n->error};
  if (n->shape == "isrc" || n->shape.ends_with("-search")) out.candidates = n->candidates;
  if (n->track) out.record_json = json::RecordJson(*n->track);
  if (n->album) out.record_json = json::RecordJson(*n->album);
  return out;
}

std::string KeyPart(std::string_view name) {
  std::string folded;
  bool space = false;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = !folded.empty();
      continue;
    }
    if (space) folded += ' ';
    space = false;
    folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return http::PercentEncode(folded);
}

}  // namespace musicbrainz
