#include "workers/recommend/similar_reader.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/db/array_text.hpp"
#include "common/db/session.hpp"
#include "common/db/identity.hpp"

namespace recommend {
namespace {

constexpr const char* kSummaryColumns =
    "t.id, t.artist_name, t.title, t.duration_ms, t.spotify_id, t.mbid::text, "
    "array_to_string(t.genres, chr(31)), array_to_string(t.moods, chr(31))";
constexpr int kSummaryColumnCount = 8;

// An id a merge absorbed finds its survivor (track_aliases, migrations/0009_identity_merge.sql).
const std::string kSelectById =
    std::string("SELECT ") + kSummaryColumns +
    " FROM tracks t WHERE t.id = COALESCE("
    "(SELECT a.survivor_id FROM track_aliases a WHERE a.absorbed_id = $1::bigint), $1::bigint)";

// Served by tracks_name_key_idx; has_neighbours lets the caller prefer a row that has some.
const std::string kSelectByNameKeys =
    std::string("SELECT ") + kSummaryColumns +
    ", t.name_key, EXISTS (SELECT 1 FROM track_similar s WHERE s.track_id = t.id) AS has_neighbours"
    " FROM tracks t WHERE t.name_key = ANY($1::text[])";

// Ordered by rank; the primary key (track_id, similar_track_id) serves the lookup.
const std::string kSelectNeighbours =
    std::string("SELECT s.rank, s.score, array_to_string(s.shared_genres, chr(31)), ") +
    "array_to_string(s.shared_moods, chr(31)), to_char(s.computed_at, 'YYYY-MM-DD HH24:MI:SS TZ'), " +
    kSummaryColumns +
    " FROM track_similar s JOIN tracks t ON t.id = s.similar_track_id"
    " WHERE s.track_id = $1 ORDER BY s.rank, s.similar_track_id LIMIT $2";

TrackSummary ReadSummary(const pqxx::row& row, int first) {
  TrackSummary t = ReadTrackColumns(row, first);
  t.genres = db::SplitTags(row[first + 6].c_str());
  t.moods = db::SplitTags(row[first + 7].c_str());
  return t;
}

}  // namespace

TrackSummary ReadTrackColumns(const pqxx::row& row, int first) {
  TrackSummary t;
  t.id = row[first].as<std::int64_t>();
  t.artist = row[first + 1].c_str();
  t.title = row[first + 2].c_str();
  if (!row[first + 3].is_null()) t.duration_ms = row[first + 3].as<std::int64_t>();
  t.spotify_id = row[first + 4].c_str();
  t.mbid = row[first + 5].c_str();
  return t;
}

struct SimilarReader::Impl {
  // Key lookups: this reader has always left the server's JIT setting alone.
  explicit Impl(std::string dsn) : session(std::move(dsn), {.disable_jit = false}) {}

  db::Session session;

  // Runs `f` in a read-only transaction.
  template <typename F>
  auto Run(F&& f) {
    return session.Run([&] {
      pqxx::read_transaction tx(session.Connection());
      return f(tx);
    });
  }
};

SimilarReader::SimilarReader(std::string postgres_dsn) : impl_(std::make_unique<Impl>(std::move(postgres_dsn))) {}
SimilarReader::~SimilarReader() = default;

core::Result<std::optional<TrackSummary>> SimilarReader::FindById(std::int64_t id) {
  return impl_->Run([&](pqxx::read_transaction& tx) -> std::optional<TrackSummary> {
    pqxx::result rows = tx.exec_params(kSelectById, id);
    if (rows.empty()) return std::nullopt;
    return ReadSummary(rows[0], 0);
  });
}

core::Result<NameMatch> SimilarReader::FindByName(std::string_view artist_dash_title) {
  struct Split {
    std::string artist, title, key;
  };
  std::vector<Split> splits;
  constexpr std::string_view kDash = " - ";
  for (std::size_t at = artist_dash_title.find(kDash); at != std::string_view::npos;
       at = artist_dash_title.find(kDash, at + 1)) {
    std::string artist(artist_dash_title.substr(0, at));
    std::string title(artist_dash_title.substr(at + kDash.size()));
    if (db::NameKey(artist).empty() || db::NameKey(title).empty()) continue;
    splits.push_back({artist, title, db::TrackNameKey(artist, title)});
  }
  NameMatch match;
  for (const auto& s : splits) match.tried_keys.push_back(s.key);
  if (splits.empty()) return match;
  match.artist = splits[0].artist;
  match.title = splits[0].title;
  return impl_->Run([&](pqxx::read_transaction& tx) -> NameMatch {
    pqxx::result rows = tx.exec_params(kSelectByNameKeys, db::TextArray(match.tried_keys));
    for (const auto& split : splits) {
      std::vector<std::pair<bool, TrackSummary>> found;
      for (const auto& row : rows) {
        if (split.key == row[kSummaryColumnCount].c_str()) {
          found.emplace_back(row[kSummaryColumnCount + 1].as<bool>(), ReadSummary(row, 0));
        }
      }
      if (found.empty()) continue;
      std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first;  // with neighbours first
        return a.second.id < b.second.id;
      });
      match.artist = split.artist;
      match.title = split.title;
      for (auto& f : found) match.tracks.push_back(std::move(f.second));
      break;
    }
    return match;
  });
}

core::Result<std::vector<SimilarTrack>> SimilarReader::Neighbours(std::int64_t id, std::size_t limit) {
  return impl_->Run([&](pqxx::read_transaction& tx) {
    std::vector<SimilarTrack> out;
    for (const auto& row : tx.exec_params(kSelectNeighbours, id, static_cast<std::int64_t>(limit))) {
      SimilarTrack s;
      s.rank = row[0].as<int>();
      s.score = row[1].as<double>();
      s.shared_genres = db::SplitTags(row[2].c_str());
      s.shared_moods = db::SplitTags(row[3].c_str());
      s.computed_at = row[4].c_str();
      s.track = ReadSummary(row, 5);
      out.push_back(std::move(s));
    }
    return out;
  });
}

std::string M3uLocation(const TrackSummary& track) {
  if (!track.spotify_id.empty()) return "spotify:track:" + track.spotify_id;
  if (!track.mbid.empty()) return "https://musicbrainz.org/recording/" + track.mbid;
  return "tunefleet:track:" + std::to_string(track.id);
}

std::string FormatM3u(const std::vector<TrackSummary>& tracks) {
  std::string out = "#EXTM3U\n";
  for (const auto& t : tracks) {
    const long long seconds =
        t.duration_ms ? static_cast<long long>(std::llround(static_cast<double>(*t.duration_ms) / 1000.0)) : -1;
    // A line break inside a name would start a bogus entry.
    std::string name = t.artist + " - " + t.title;
    std::replace(name.begin(), name.end(), '\n', ' ');
    std::replace(name.begin(), name.end(), '\r', ' ');
    out += "#EXTINF:" + std::to_string(seconds) + "," + name + "\n" + M3uLocation(t) + "\n";
  }
  return out;
}

}  // namespace recommend
