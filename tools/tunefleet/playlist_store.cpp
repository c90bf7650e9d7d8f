// `tunefleet playlist`: the three kinds as SQL over listens, track_similar and tracks, and the
// playlists / playlist_tracks rows they are stored in (docs/PLAYLISTS.md has the formulas).
#include "tools/tunefleet/playlist_store.hpp"

#include <cstdio>
#include <pqxx/pqxx>
#include <string_view>

#include "common/db/array_text.hpp"
#include "common/db/session.hpp"

namespace playlist {
namespace {

// What an entry needs of its track: the text, the JSON and the M3U location.
constexpr const char* kTrackColumns = "t.id, t.artist_name, t.title, t.duration_ms, t.spotify_id, t.mbid::text";

// The listener's window: plays in (now() - $2 days, now()]. $1: listeners.id.
constexpr const char* kWindow = "l.played_at > now() - make_interval(days => $2::int) AND l.played_at <= now()";

// similar-recent. $3: size, $4: half-life in days. Each seed (a track the listener played in
// the window) weighs sum over its plays of exp(-ln 2 * age_days / half-life); a candidate
// (a track_similar neighbour of a seed the listener never played) scores sum over its seeds
// of weight * similarity, and names its strongest seed (largest product, then lowest id).
const std::string kSimilarRecent = std::string(R"SQL(
WITH seeds AS (
  SELECT l.track_id, count(*) AS plays, max(l.played_at) AS last_played,
         sum(exp(-ln(2.0::float8) * extract(epoch FROM now() - l.played_at)::float8 / 86400.0 / $4::float8)) AS weight
  FROM listens l
  WHERE l.listener_id = $1 AND )SQL") +
                                   kWindow + R"SQL(
  GROUP BY l.track_id),
contributions AS (
  SELECT s.similar_track_id AS track_id, seeds.track_id AS seed_id, seeds.plays, seeds.last_played,
         seeds.weight * s.score::float8 AS contribution
  FROM seeds JOIN track_similar s ON s.track_id = seeds.track_id
  WHERE NOT EXISTS (SELECT 1 FROM listens p WHERE p.listener_id = $1 AND p.track_id = s.similar_track_id)),
ranked AS (
  SELECT c.*, sum(c.contribution) OVER (PARTITION BY c.track_id) AS score,
         row_number() OVER (PARTITION BY c.track_id ORDER BY c.contribution DESC, c.seed_id) AS strongest
  FROM contributions c)
SELECT r.score, r.seed_id, st.artist_name, st.title, r.plays,
       floor(extract(epoch FROM now() - r.last_played) / 86400)::bigint, )SQL" +
                                   kTrackColumns + R"SQL(
FROM ranked r JOIN tracks t ON t.id = r.track_id JOIN tracks st ON st.id = r.seed_id
WHERE r.strongest = 1
ORDER BY round(r.score::numeric, 9) DESC, r.track_id
LIMIT $3
)SQL";

// Why similar-recent found nothing: the seeds, and their track_similar rows.
const std::string kSimilarRecentEmpty = std::string(R"SQL(
WITH seeds AS (SELECT DISTINCT l.track_id FROM listens l WHERE l.listener_id = $1 AND )SQL") +
                                        kWindow + R"SQL()
SELECT (SELECT count(*) FROM seeds),
       (SELECT count(*) FROM track_similar s JOIN seeds ON seeds.track_id = s.track_id)
)SQL";

// The listener's top genres and moods in the window: each tag weighs the share of the
// window's plays whose track carries it; the $3 heaviest of each (then by name). Genres first,
// each kind heaviest first.
const std::string kSelectTopTags = std::string(R"SQL(
WITH recent AS (
  SELECT t.genres, t.moods FROM listens l JOIN tracks t ON t.id = l.track_id
  WHERE l.listener_id = $1 AND )SQL") +
                                   kWindow + R"SQL(),
total AS (SELECT count(*)::float8 AS plays FROM recent),
top_genres AS (
  SELECT g AS tag, count(*) / (SELECT plays FROM total) AS weight
  FROM recent, unnest(recent.genres) AS g GROUP BY g ORDER BY count(*) DESC, g LIMIT $3::int),
top_moods AS (
  SELECT m AS tag, count(*) / (SELECT plays FROM total) AS weight
  FROM recent, unnest(recent.moods) AS m GROUP BY m ORDER BY count(*) DESC, m LIMIT $3::int)
SELECT 'genre' AS kind, tag, weight FROM top_genres
UNION ALL
SELECT 'mood', tag, weight FROM top_moods
ORDER BY 1, 3 DESC, 2
)SQL";

// discovery, given the top tags: $1 listener, $2 size, $3/$4 the top genres and their weights,
// $5/$6 the top moods and theirs, $7 the mood factor. The tags come as values, not as a
// subquery, so the planner sees them and probes the GIN indexes (`genres && $3`,
// `moods && $5`). Candidates were never played by the listener and are by an artist the
// listener never played: the same artist is the same artist_id when both tracks have one,
// else the same artist name key (the part of tracks.name_key before U+001F, db::NameKey of
// artist_name). Score: the weights of the shared top genres plus $7 times those of the shared
// top moods; then popularity, then id.
const std::string kDiscovery = std::string(R"SQL(
WITH top_genres AS (SELECT * FROM unnest($3::text[], $4::float8[]) AS g(tag, weight)),
top_moods AS (SELECT * FROM unnest($5::text[], $6::float8[]) AS m(tag, weight)),
played_artists AS (
  SELECT DISTINCT t.artist_id, split_part(t.name_key, chr(31), 1) AS artist_key
  FROM listens l JOIN tracks t ON t.id = l.track_id WHERE l.listener_id = $1),
candidates AS (
  SELECT t.id,
         ARRAY(SELECT g.tag FROM top_genres g WHERE g.tag = ANY (t.genres) ORDER BY g.weight DESC, g.tag) AS genres,
         ARRAY(SELECT m.tag FROM top_moods m WHERE m.tag = ANY (t.moods) ORDER BY m.weight DESC, m.tag) AS moods,
         COALESCE((SELECT sum(g.weight) FROM top_genres g WHERE g.tag = ANY (t.genres)), 0)
           + $7::float8 * COALESCE((SELECT sum(m.weight) FROM top_moods m WHERE m.tag = ANY (t.moods)), 0) AS score
  FROM tracks t
  WHERE (t.genres && $3::text[] OR t.moods && $5::text[])
    AND NOT EXISTS (SELECT 1 FROM listens p WHERE p.listener_id = $1 AND p.track_id = t.id)
    AND NOT EXISTS (
      SELECT 1 FROM played_artists a
      WHERE CASE WHEN t.artist_id IS NOT NULL AND a.artist_id IS NOT NULL THEN t.artist_id = a.artist_id
                 ELSE split_part(t.name_key, chr(31), 1) = a.artist_key END))
SELECT c.score, array_to_string(c.genres, chr(31)), cardinality(c.genres),
       array_to_string(c.moods, chr(31)), cardinality(c.moods), )SQL") +
                               kTrackColumns + R"SQL(
FROM candidates c JOIN tracks t ON t.id = c.id
ORDER BY round(c.score::numeric, 9) DESC, t.popularity DESC NULLS LAST, t.id
LIMIT $2
)SQL";

// trending. $3: size. The tracks played most by all listeners in the window (plays, then
// distinct listeners, then id) that this listener never played.
const std::string kTrending = std::string(R"SQL(
SELECT count(*), count(DISTINCT l.listener_id), )SQL") +
                              kTrackColumns + R"SQL(
FROM listens l JOIN tracks t ON t.id = l.track_id
WHERE )SQL" + kWindow + R"SQL(
  AND NOT EXISTS (SELECT 1 FROM listens p WHERE p.listener_id = $1 AND p.track_id = l.track_id)
GROUP BY t.id
ORDER BY count(*) DESC, count(DISTINCT l.listener_id) DESC, t.id
LIMIT $3
)SQL";

constexpr const char* kSelectListener = "SELECT id, name FROM listeners WHERE name_key = lower($1)";

const std::string kWindowPlays =
    std::string(
        "SELECT count(*), (SELECT to_char(max(p.played_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM listens p WHERE p.listener_id = $1) FROM listens l WHERE l.listener_id = $1 AND ") +
    kWindow;

constexpr const char* kCreatedAt = "to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

const std::string kSelectPlaylist = std::string("SELECT p.id, l.name, p.kind, p.size, p.days, ") + kCreatedAt +
                                    " FROM playlists p JOIN listeners l ON l.id = p.listener_id WHERE p.id = $1";

// Merges repoint playlist_tracks at the survivor (common/db/identity_merge.cpp): the join
// finds a live row.
const std::string kSelectEntries =
    std::string(
        "SELECT pt.position, pt.score, pt.reason, pt.seed_track_id, array_to_string(pt.shared_tags, chr(31)), "
        "cardinality(pt.shared_tags), ") +
    kTrackColumns +
    " FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id WHERE pt.playlist_id = $1 ORDER BY pt.position";

const std::string kSelectPlaylists =
    std::string("SELECT p.id, p.kind, p.size, p.days, ") + kCreatedAt +
    ", (SELECT count(*) FROM playlist_tracks pt WHERE pt.playlist_id = p.id) FROM playlists p "
    "WHERE p.listener_id = $1 ORDER BY p.created_at DESC, p.id DESC";

constexpr const char* kInsertPlaylist =
    "INSERT INTO playlists (listener_id, kind, size, days) VALUES ($1, $2, $3, $4) RETURNING id";

constexpr const char* kInsertEntry =
    "INSERT INTO playlist_tracks (playlist_id, position, track_id, score, reason, seed_track_id, shared_tags) "
    "VALUES ($1, $2, $3, $4::float8, $5, NULLIF($6, '')::bigint, $7::text[])";

std::string Text(const pqxx::field& field) { return field.is_null() ? std::string() : field.as<std::string>(); }

std::optional<Playlist> ReadPlaylist(pqxx::transaction_base& tx, std::int64_t id) {
  pqxx::result head = tx.exec_params(kSelectPlaylist, id);
  if (head.empty()) return std::nullopt;
  Playlist p;
  p.id = head[0][0].as<std::int64_t>();
  p.user = head[0][1].c_str();
  p.kind = head[0][2].c_str();
  p.size = head[0][3].as<int>();
  p.days = head[0][4].as<int>();
  p.created_at = head[0][5].c_str();
  for (const auto& row : tx.exec_params(kSelectEntries, id)) {
    Entry e;
    e.position = row[0].as<int>();
    e.score = row[1].as<double>();
    e.reason = row[2].c_str();
    if (!row[3].is_null()) e.seed_track_id = row[3].as<std::int64_t>();
    e.shared_tags = db::SplitTags(row[4].c_str(), row[5].as<std::size_t>());
    e.track = recommend::ReadTrackColumns(row, 6);
    p.tracks.push_back(std::move(e));
  }
  return p;
}

std::string Plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Days(int days) { return days == 1 ? std::string("day") : std::to_string(days) + " days"; }

struct TopTags {
  std::vector<std::string> genres, moods;  // heaviest first
  std::vector<double> genre_weights, mood_weights;
};

TopTags ReadTopTags(pqxx::transaction_base& tx, std::int64_t listener, int days) {
  TopTags top;
  for (const auto& row : tx.exec_params(kSelectTopTags, listener, days, kTopTags)) {
    const bool genre = std::string_view(row[0].c_str()) == "genre";
    (genre ? top.genres : top.moods).emplace_back(row[1].c_str());
    (genre ? top.genre_weights : top.mood_weights).push_back(row[2].as<double>());
  }
  return top;
}

// {0.75,1} for $n::float8[], each value exact (17 significant digits).
std::string Float8Array(const std::vector<double>& values) {
  std::string out = "{";
  char number[32];
  for (double v : values) {
    std::snprintf(number, sizeof number, "%.17g", v);
    out += (out.size() > 1 ? "," : "") + std::string(number);
  }
  return out + "}";
}

// The entries of one kind, best first; empty when there is nothing to recommend.
std::vector<Entry> Candidates(pqxx::transaction_base& tx, std::int64_t listener, const BuildRequest& request) {
  std::vector<Entry> out;
  switch (request.kind) {
    case Kind::kSimilarRecent:
      for (const auto& row : tx.exec_params(kSimilarRecent, listener, request.days, request.size, kHalfLifeDays)) {
        Entry e;
        e.score = row[0].as<double>();
        e.seed_track_id = row[1].as<std::int64_t>();
        e.reason = SimilarReason(row[2].c_str(), row[3].c_str(), row[4].as<std::int64_t>(), row[5].as<std::int64_t>());
        e.track = recommend::ReadTrackColumns(row, 6);
        out.push_back(std::move(e));
      }
      break;
    case Kind::kDiscovery: {
      const TopTags top = ReadTopTags(tx, listener, request.days);
      if (top.genres.empty() && top.moods.empty()) break;
      for (const auto& row :
           tx.exec_params(kDiscovery, listener, request.size, db::TextArray(top.genres), Float8Array(top.genre_weights),
                          db::TextArray(top.moods), Float8Array(top.mood_weights), kMoodFactor)) {
        Entry e;
        e.score = row[0].as<double>();
        auto genres = db::SplitTags(row[1].c_str(), row[2].as<std::size_t>());
        auto moods = db::SplitTags(row[3].c_str(), row[4].as<std::size_t>());
        e.reason = DiscoveryReason(genres, moods);
        e.shared_tags = genres;
        e.shared_tags.insert(e.shared_tags.end(), moods.begin(), moods.end());
        e.track = recommend::ReadTrackColumns(row, 5);
        out.push_back(std::move(e));
      }
      break;
    }
    case Kind::kTrending:
      for (const auto& row : tx.exec_params(kTrending, listener, request.days, request.size)) {
        Entry e;
        const auto plays = row[0].as<std::int64_t>();
        e.score = static_cast<double>(plays);
        e.reason = TrendingReason(plays, row[1].as<std::int64_t>(), request.days);
        e.track = recommend::ReadTrackColumns(row, 2);
        out.push_back(std::move(e));
      }
      break;
  }
  return out;
}

// Why a kind found nothing, for a listener who has plays in the window (trending: or not).
std::string WhyEmpty(pqxx::transaction_base& tx, std::int64_t listener, const std::string& user,
                     const BuildRequest& request, std::int64_t window_plays) {
  const std::string window = "in the last " + Days(request.days);
  switch (request.kind) {
    case Kind::kSimilarRecent: {
      pqxx::row r = tx.exec_params1(kSimilarRecentEmpty, listener, request.days);
      const auto seeds = r[0].as<std::int64_t>();
      const auto neighbours = r[1].as<std::int64_t>();
      if (neighbours == 0) {
        return "none of the " + Plural(seeds, "track", "tracks") + " " + user + " played " + window +
               " has neighbours in track_similar yet (tunefleet-recommend fills them after enrichment: is it "
               "running?); try --kind discovery or trending";
      }
      return "every neighbour of the " + Plural(seeds, "track", "tracks") + " " + user + " played " + window +
             " is a track " + user + " already played; try a larger --days or --kind discovery";
    }
    case Kind::kDiscovery: {
      const TopTags top = ReadTopTags(tx, listener, request.days);
      if (top.genres.empty() && top.moods.empty()) {
        return "the tracks of " + user + "'s " + Plural(window_plays, "play", "plays") + " " + window +
               " have no genres or moods yet (the providers have not enriched them); try --kind trending";
      }
      auto list = [](const std::vector<std::string>& tags) {
        std::string out;
        for (const auto& tag : tags) out += (out.empty() ? "" : ", ") + tag;
        return out.empty() ? std::string("none") : out;
      };
      return "no track by an artist " + user + " never played shares " + user + "'s top genres (" + list(top.genres) +
             ") or moods (" + list(top.moods) + ")";
    }
    case Kind::kTrending:
      return "nobody played a track " + user + " has not played " + window + "; try a larger --days";
  }
  return "nothing to recommend";
}

}  // namespace

std::string NoListener(const std::string& user) {
  return "no listener \"" + user + "\"; import their scrobbles first: tunefleet import lastfm --user " + user;
}

core::Result<BuildOutcome> Build(const std::string& dsn, const BuildRequest& request) {
  db::Session session(dsn);
  return session.Run([&]() -> BuildOutcome {
    pqxx::work tx(session.Connection());
    BuildOutcome outcome;
    pqxx::result listener_rows = tx.exec_params(kSelectListener, request.user);
    if (listener_rows.empty()) {
      outcome.refusal = NoListener(request.user);
      return outcome;
    }
    const auto listener = listener_rows[0][0].as<std::int64_t>();
    const std::string user = listener_rows[0][1].c_str();
    pqxx::row plays = tx.exec_params1(kWindowPlays, listener, request.days);
    const auto window_plays = plays[0].as<std::int64_t>();
    // trending needs no plays of the listener's own: what others played is enough.
    if (window_plays == 0 && request.kind != Kind::kTrending) {
      outcome.refusal = plays[1].is_null()
                            ? user +
                                  " has no plays yet; import their scrobbles first: tunefleet import lastfm --user " +
                                  user + " (or --kind trending)"
                            : user + " has no plays in the last " + Days(request.days) +
                                  " (the latest: " + Text(plays[1]) + "); try a larger --days, or --kind trending";
      return outcome;
    }
    std::vector<Entry> entries = Candidates(tx, listener, request);
    if (entries.empty()) {
      outcome.refusal = WhyEmpty(tx, listener, user, request, window_plays) + "; nothing stored";
      return outcome;
    }
    const auto id =
        tx.exec_params1(kInsertPlaylist, listener, std::string(KindName(request.kind)), request.size, request.days)[0]
            .as<std::int64_t>();
    int position = 0;
    for (auto& e : entries) {
      e.position = ++position;
      tx.exec_params(kInsertEntry, id, e.position, e.track.id, e.score, e.reason,
                     e.seed_track_id ? std::to_string(*e.seed_track_id) : std::string(), db::TextArray(e.shared_tags));
    }
    outcome.playlist = ReadPlaylist(tx, id);
    tx.commit();
    return outcome;
  });
}

core::Result<std::string> ExplainDiscovery(const std::string& dsn, const BuildRequest& request) {
  db::Session session(dsn);
  return session.Run([&] {
    pqxx::read_transaction tx(session.Connection());
    std::string plan;
    pqxx::result listener = tx.exec_params(kSelectListener, request.user);
    if (listener.empty()) return plan;
    const TopTags top = ReadTopTags(tx, listener[0][0].as<std::int64_t>(), request.days);
    for (const auto& row : tx.exec_params("EXPLAIN " + kDiscovery, listener[0][0].as<std::int64_t>(), request.size,
                                          db::TextArray(top.genres), Float8Array(top.genre_weights),
                                          db::TextArray(top.moods), Float8Array(top.mood_weights), kMoodFactor)) {
      plan += row[0].c_str();
      plan += '\n';
    }
    return plan;
  });
}

core::Result<std::optional<Playlist>> Read(const std::string& dsn, std::int64_t id) {
  db::Session session(dsn);
  return session.Run([&] {
    pqxx::read_transaction tx(session.Connection());
    return ReadPlaylist(tx, id);
  });
}

core::Result<ListenerPlaylists> List(const std::string& dsn, const std::string& user) {
  db::Session session(dsn);
  return session.Run([&] {
    pqxx::read_transaction tx(session.Connection());
    ListenerPlaylists out;
    pqxx::result listener = tx.exec_params(kSelectListener, user);
    if (listener.empty()) return out;
    out.listener_found = true;
    out.user = listener[0][1].c_str();
    for (const auto& row : tx.exec_params(kSelectPlaylists, listener[0][0].as<std::int64_t>())) {
      PlaylistSummary p;
      p.id = row[0].as<std::int64_t>();
      p.kind = row[1].c_str();
      p.size = row[2].as<int>();
      p.days = row[3].as<int>();
      p.created_at = row[4].c_str();
      p.tracks = row[5].as<std::int64_t>();
      out.playlists.push_back(std::move(p));
    }
    return out;
  });
}

}  // namespace playlist
