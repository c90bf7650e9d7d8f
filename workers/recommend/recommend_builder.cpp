#include "workers/recommend/recommend_builder.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "common/db/array_text.hpp"
#include "common/db/session.hpp"

namespace recommend {
namespace {

// Ids per transaction: the runtime hands over about this many at once; a bigger call is split.
constexpr std::size_t kChunk = 500;

// The columns of a TrackProfile, read from a `tracks` row aliased `p`. Tags come joined by
// U+001F (never part of a tag: the vocabulary is printable text) so they need no array
// parsing; an audio feature that is not a JSON number is read as unknown rather than failing
// the cast (and with it the whole batch).
std::string ProfileColumns() {
  std::string sql =
      "p.id, array_to_string(p.genres, chr(31)) AS genres, array_to_string(p.moods, chr(31)) AS moods, "
      "p.popularity";
  for (std::string_view name : kAudioFeatureNames) {
    std::string key(name);
    sql += ", CASE WHEN jsonb_typeof(p.audio_features->'" + key + "') = 'number' THEN (p.audio_features->>'" + key +
           "')::float8 END";
  }
  return sql;
}
constexpr int kProfileColumnCount = 4 + static_cast<int>(kAudioFeatureCount);

// The tracks being rebuilt, plus artist_id for the fallback of tracks without tags. An id a
// merge absorbed (a follow-up older than the merge, or naming the id a job was told before
// it) stands for its survivor (track_aliases, migrations/0009_identity_merge.sql).
const std::string kSelectTargets =
    "SELECT " + ProfileColumns() +
    ", p.artist_id FROM tracks p WHERE p.id = ANY($1::bigint[] || ARRAY(SELECT a.survivor_id FROM track_aliases a "
    "WHERE a.absorbed_id = ANY($1::bigint[])))";

// Per target, the candidates it is scored against first: tracks carrying all of its genres
// (when it has two or more: with one genre this is the genre's pool below), or, for a track
// with neither genres nor moods, tracks of the same artist. LATERAL makes the array
// parameterized, so the planner uses its default selectivity for @> (0.5 %) and picks the
// GIN index; GIN's AND scan over two or more keys skips through the common key's posting
// list, so "rock + shoegaze" costs about what shoegaze alone does.
constexpr const char* kSelectPreferred = R"SQL(
SELECT t.id AS target_id, array_to_string(array_agg(p.id ORDER BY p.id), ',') AS ids
FROM tracks t
CROSS JOIN LATERAL (
  (SELECT c.id FROM tracks c
    WHERE cardinality(t.genres) > 1 AND c.genres @> t.genres AND c.id <> t.id LIMIT $2)
  UNION ALL
  (SELECT c.id FROM tracks c
    WHERE cardinality(t.genres) = 0 AND cardinality(t.moods) = 0 AND c.artist_id = t.artist_id
      AND c.id <> t.id LIMIT $2)
) p
WHERE t.id = ANY($1::bigint[])
GROUP BY t.id
)SQL";

// Per distinct genre and mood of the batch's targets, up to $3 tracks carrying it: one GIN
// scan per tag for the whole batch instead of one per (target, tag). A batch of 500 targets
// touches at most the ~100 tags of the vocabulary, and scanning the posting list of a tag on
// a third of the catalog ("rock") costs milliseconds, so per-target "shares any tag" scans
// were the bottleneck (8 ms per track on 100,000 tracks).
constexpr const char* kSelectPools = R"SQL(
SELECT 'g' AS kind, g.tag, array_to_string(array_agg(p.id ORDER BY p.id), ',') AS ids
FROM unnest($1::text[]) AS g(tag)
CROSS JOIN LATERAL (SELECT c.id FROM tracks c WHERE c.genres @> ARRAY[g.tag] LIMIT $3) p
GROUP BY g.tag
UNION ALL
SELECT 'm' AS kind, m.tag, array_to_string(array_agg(p.id ORDER BY p.id), ',') AS ids
FROM unnest($2::text[]) AS m(tag)
CROSS JOIN LATERAL (SELECT c.id FROM tracks c WHERE c.moods @> ARRAY[m.tag] LIMIT $3) p
GROUP BY m.tag
)SQL";

// The profiles of every candidate of the batch, read once: candidates repeat across targets
// and tags, and extracting nine jsonb fields per row is the costly part of reading them.
const std::string kSelectProfiles = "SELECT " + ProfileColumns() + " FROM tracks p WHERE p.id = ANY($1::bigint[])";

// Mean and sample standard deviation of each audio feature over the catalog.
std::string SelectStats() {
  std::string columns;
  std::string values;
  for (std::size_t i = 0; i < kAudioFeatureCount; ++i) {
    std::string key(kAudioFeatureNames[i]);
    std::string f = "f" + std::to_string(i);
    columns += (i ? ", " : "") + std::string("avg(") + f + "), stddev_samp(" + f + ")";
    values += (i ? ", " : "") + std::string("CASE WHEN jsonb_typeof(audio_features->'") + key +
              "') = 'number' THEN (audio_features->>'" + key + "')::float8 END AS " + f;
  }
  return "SELECT " + columns + " FROM (SELECT " + values + " FROM tracks WHERE audio_features IS NOT NULL) x";
}
const std::string kSelectStats = SelectStats();

constexpr const char* kDeleteSimilar = "DELETE FROM track_similar WHERE track_id = ANY($1::bigint[])";

// All neighbours of the batch in one statement. A track deleted since we read it is skipped
// (EXISTS) rather than failing the foreign key and with it the batch. ON CONFLICT: another
// builder process rebuilding the same track at the same time wrote its rows after our DELETE.
constexpr const char* kInsertSimilar = R"SQL(
INSERT INTO track_similar AS s (track_id, similar_track_id, rank, score, shared_genres, shared_moods, computed_at)
SELECT u.track_id, u.similar_track_id, u.rank, u.score,
       string_to_array(u.shared_genres, chr(31)), string_to_array(u.shared_moods, chr(31)), now()
FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::real[], $5::text[], $6::text[])
       AS u(track_id, similar_track_id, rank, score, shared_genres, shared_moods)
WHERE EXISTS (SELECT 1 FROM tracks t WHERE t.id = u.similar_track_id)
  AND EXISTS (SELECT 1 FROM tracks t WHERE t.id = u.track_id)
ON CONFLICT (track_id, similar_track_id) DO UPDATE
  SET rank = EXCLUDED.rank, score = EXCLUDED.score, shared_genres = EXCLUDED.shared_genres,
      shared_moods = EXCLUDED.shared_moods, computed_at = EXCLUDED.computed_at
)SQL";

std::vector<std::int64_t> SplitIds(std::string_view text) {
  std::vector<std::int64_t> ids;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (p < end) {
    std::int64_t id = 0;
    auto [next, ec] = std::from_chars(p, end, id);
    if (ec != std::errc{}) break;
    ids.push_back(id);
    p = next + 1;  // past the comma
  }
  return ids;
}

std::optional<double> Number(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  const char* text = field.c_str();
  double value = 0;
  auto [end, ec] = std::from_chars(text, text + field.size(), value);
  if (ec != std::errc{}) return std::nullopt;
  return value;
}

// Reads the profile columns starting at column `first`.
TrackProfile ReadProfile(const pqxx::row& row, int first) {
  TrackProfile p;
  p.id = row[first].as<std::int64_t>();
  p.genres = db::SplitTags(row[first + 1].c_str());
  p.moods = db::SplitTags(row[first + 2].c_str());
  p.popularity = Number(row[first + 3]);
  for (std::size_t i = 0; i < kAudioFeatureCount; ++i) p.audio[i] = Number(row[first + 4 + static_cast<int>(i)]);
  return p;
}

struct Target {
  TrackProfile profile;
  bool has_artist = false;
};

// What one chunk's statements need, read from the targets.
struct ChunkInput {
  std::vector<Target> targets;
  std::vector<std::string> genres;  // distinct, sorted
  std::vector<std::string> moods;
};

ChunkInput ReadTargets(pqxx::work& tx, const std::vector<std::int64_t>& ids) {
  ChunkInput input;
  pqxx::result rows = tx.exec_params(kSelectTargets, db::BigintArray(ids));
  for (const auto& row : rows) {
    Target t{ReadProfile(row, 0), !row[kProfileColumnCount].is_null()};
    input.genres.insert(input.genres.end(), t.profile.genres.begin(), t.profile.genres.end());
    input.moods.insert(input.moods.end(), t.profile.moods.begin(), t.profile.moods.end());
    input.targets.push_back(std::move(t));
  }
  for (auto* tags : {&input.genres, &input.moods}) {
    std::sort(tags->begin(), tags->end());
    tags->erase(std::unique(tags->begin(), tags->end()), tags->end());
  }
  std::sort(input.targets.begin(), input.targets.end(),
            [](const Target& a, const Target& b) { return a.profile.id < b.profile.id; });
  return input;
}

std::vector<std::int64_t> TargetIds(const ChunkInput& input) {
  std::vector<std::int64_t> ids;
  for (const auto& t : input.targets) ids.push_back(t.profile.id);
  return ids;
}

class RecommendBuilder final : public runtime::Builder {
 public:
  RecommendBuilder(std::string dsn, RecommendSettings settings, const resilience::Clock& clock)
      : session_(std::move(dsn)), settings_(std::move(settings)), clock_(clock) {}

  // runtime::Builder
  std::string_view Name() const override { return "recommend"; }

  core::Result<runtime::RebuildStats> Rebuild(const std::vector<std::int64_t>& track_ids) override {
    runtime::RebuildStats stats;
    // An id repeated in the input is rebuilt (and counted) once.
    std::vector<std::int64_t> ids = track_ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    // A failure drops the connection (reopened by the next call; a half-broken connection
    // is not reused).
    return session_.Run([&] {
      for (std::size_t begin = 0; begin < ids.size(); begin += kChunk) {
        std::vector<std::int64_t> chunk(ids.begin() + static_cast<std::ptrdiff_t>(begin),
                                        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), begin + kChunk)));
        auto done = RebuildChunk(chunk);
        stats.rebuilt += done.rebuilt;
        stats.missing += done.missing;
      }
      return stats;
    });
  }

  core::Result<void> Ping() override { return session_.Ping(); }

 private:
  const FeatureStats& Stats(pqxx::work& tx) {
    const auto now = clock_.Now();
    if (!stats_read_ || now - *stats_read_ >= settings_.stats_ttl) {
      pqxx::row row = tx.exec1(kSelectStats);
      FeatureStats fresh;
      for (std::size_t i = 0; i < kAudioFeatureCount; ++i) {
        fresh.mean[i] = Number(row[static_cast<int>(2 * i)]).value_or(0);
        fresh.stddev[i] = Number(row[static_cast<int>(2 * i + 1)]).value_or(0);
      }
      stats_ = fresh;
      stats_read_ = now;
    }
    return stats_;
  }

  runtime::RebuildStats RebuildChunk(const std::vector<std::int64_t>& ids) {
    pqxx::work tx(session_.Connection());
    ChunkInput input = ReadTargets(tx, ids);
    const FeatureStats& stats = Stats(tx);
    const std::string limit = std::to_string(settings_.candidates);

    std::unordered_map<std::int64_t, std::vector<std::int64_t>> preferred;
    std::map<std::pair<char, std::string>, std::vector<std::int64_t>> pools;  // (kind, tag) -> ids
    std::vector<std::int64_t> wanted;  // every candidate id, to read their profiles once
    if (!input.targets.empty()) {
      for (const auto& row : tx.exec_params(kSelectPreferred, db::BigintArray(TargetIds(input)), limit)) {
        auto& list = preferred[row[0].as<std::int64_t>()];
        list = SplitIds(row[1].c_str());
        wanted.insert(wanted.end(), list.begin(), list.end());
      }
    }
    if (!input.genres.empty() || !input.moods.empty()) {
      for (const auto& row : tx.exec_params(kSelectPools, db::TextArray(input.genres), db::TextArray(input.moods), limit)) {
        auto& list = pools[{row[0].c_str()[0], row[1].c_str()}];
        list = SplitIds(row[2].c_str());
        wanted.insert(wanted.end(), list.begin(), list.end());
      }
    }
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    std::unordered_map<std::int64_t, TrackProfile> profiles;
    profiles.reserve(wanted.size());
    if (!wanted.empty()) {
      for (const auto& row : tx.exec_params(kSelectProfiles, db::BigintArray(wanted))) {
        TrackProfile p = ReadProfile(row, 0);
        profiles.try_emplace(p.id, std::move(p));
      }
    }

    SimilarRows out;
    static const std::vector<std::int64_t> kNone;
    for (const Target& target : input.targets) {
      const TrackProfile& t = target.profile;
      // Rarest tag first: a short pool holds every track with that tag, and a shared rare tag
      // says more than a shared "rock". Ties: genres before moods, then by name.
      struct Pool {
        std::size_t size;
        char kind;
        const std::string* tag;
        const std::vector<std::int64_t>* ids;
      };
      std::vector<Pool> own;
      for (char kind : {'g', 'm'}) {
        for (const auto& tag : kind == 'g' ? t.genres : t.moods) {
          auto it = pools.find({kind, tag});
          if (it != pools.end()) own.push_back({it->second.size(), kind, &tag, &it->second});
        }
      }
      std::sort(own.begin(), own.end(), [](const Pool& a, const Pool& b) {
        return std::tie(a.size, a.kind, *a.tag) < std::tie(b.size, b.kind, *b.tag);
      });
      std::vector<const std::vector<std::int64_t>*> pool_ids;
      for (const auto& p : own) pool_ids.push_back(p.ids);
      auto it = preferred.find(t.id);
      std::vector<std::int64_t> candidate_ids =
          MergeCandidates(it == preferred.end() ? kNone : it->second, pool_ids, t.id, settings_.candidates);
      std::vector<const TrackProfile*> candidates;
      candidates.reserve(candidate_ids.size());
      for (std::int64_t id : candidate_ids) {
        // A candidate deleted between the two statements has no profile: skip it.
        if (auto p = profiles.find(id); p != profiles.end()) candidates.push_back(&p->second);
      }
      auto neighbours = TopNeighbours(t, candidates, settings_.weights, stats, settings_.k);
      for (std::size_t rank = 0; rank < neighbours.size(); ++rank) out.Add(t.id, rank + 1, neighbours[rank]);
    }

    tx.exec_params(kDeleteSimilar, db::BigintArray(TargetIds(input)));
    if (!out.empty()) {
      tx.exec_params(kInsertSimilar, db::BigintArray(out.track_ids), db::BigintArray(out.similar_ids),
                     db::BigintArray(out.ranks), db::RealArray(out.scores), db::TextArray(out.shared_genres),
                     db::TextArray(out.shared_moods));
    }
    tx.commit();
    return {input.targets.size(), ids.size() - input.targets.size()};
  }

  // Columns of the INSERT, one entry per neighbour.
  struct SimilarRows {
    std::vector<std::int64_t> track_ids, similar_ids;
    std::vector<std::int64_t> ranks;
    std::vector<double> scores;
    std::vector<std::string> shared_genres, shared_moods;
    bool empty() const { return track_ids.empty(); }
    void Add(std::int64_t track_id, std::size_t rank, const Neighbour& n) {
      track_ids.push_back(track_id);
      similar_ids.push_back(n.id);
      ranks.push_back(static_cast<std::int64_t>(rank));
      scores.push_back(n.score);
      shared_genres.push_back(db::JoinTags(n.shared_genres));
      shared_moods.push_back(db::JoinTags(n.shared_moods));
    }
  };

  db::Session session_;  // JIT off: 500-element arrays and laterals (db::SessionSettings)
  RecommendSettings settings_;
  FeatureStats stats_;
  const resilience::Clock& clock_;
  std::optional<resilience::Clock::TimePoint> stats_read_;
};

std::string ExplainText(pqxx::result rows) {
  std::string text;
  for (const auto& row : rows) text += std::string(row[0].c_str()) + "\n";
  return text;
}

}  // namespace

std::unique_ptr<runtime::Builder> MakeRecommendBuilder(std::string postgres_dsn, RecommendSettings settings,
                                                       const resilience::Clock& clock) {
  return std::make_unique<RecommendBuilder>(std::move(postgres_dsn), std::move(settings), clock);
}

core::Result<std::vector<std::string>> ExplainCandidateQueries(const std::string& postgres_dsn,
                                                               const std::vector<std::int64_t>& track_ids,
                                                               const RecommendSettings& settings) {
  db::Session session(postgres_dsn);
  return session.Run([&] {
    pqxx::work tx(session.Connection());
    ChunkInput input = ReadTargets(tx, track_ids);
    const std::string limit = std::to_string(settings.candidates);
    std::vector<std::string> plans;
    plans.push_back(ExplainText(tx.exec_params(std::string("EXPLAIN ") + kSelectPreferred, db::BigintArray(TargetIds(input)), limit)));
    plans.push_back(ExplainText(
        tx.exec_params(std::string("EXPLAIN ") + kSelectPools, db::TextArray(input.genres), db::TextArray(input.moods), limit)));
    return plans;
  });
}

}  // namespace recommend
