#include "workers/features/features_builder.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <optional>
#include <string_view>

#include "common/db/array_text.hpp"
#include "common/db/session.hpp"
#include "workers/features/features_row.hpp"

namespace features {
namespace {

// Held while a builder compares the derived vocabulary with the latest version and inserts
// the next one, so two builders never insert two versions for the same content:
// "tunefleetfeatvoc" folded into 63 bits.
constexpr std::int64_t kVocabularyLockKey = 0x74756e6566766f63;

// What Rebuild reads of each track. Audio features are taken only when they are JSON numbers
// (text, parsed in C++, so an absurd value is a missing mark rather than a failed batch).
// Genres and moods come joined by U+001F (never part of a canonical name) with their count,
// which tells {} from {""}. FOR KEY SHARE: a track deleted meanwhile waits for our commit
// instead of failing our insert on the foreign key. An id a merge absorbed stands for its
// survivor (track_aliases, migrations/0009_identity_merge.sql).
constexpr const char* kSelectTracks = R"SQL(
SELECT t.id, t.duration_ms, t.popularity, t.track_number, t.release_year, t.explicit,
       cardinality(t.genres), array_to_string(t.genres, E'\x1f'),
       cardinality(t.moods), array_to_string(t.moods, E'\x1f'),
       CASE WHEN jsonb_typeof(t.audio_features->'danceability') = 'number' THEN t.audio_features->>'danceability' END,
       CASE WHEN jsonb_typeof(t.audio_features->'energy') = 'number' THEN t.audio_features->>'energy' END,
       CASE WHEN jsonb_typeof(t.audio_features->'valence') = 'number' THEN t.audio_features->>'valence' END,
       CASE WHEN jsonb_typeof(t.audio_features->'tempo') = 'number' THEN t.audio_features->>'tempo' END,
       CASE WHEN jsonb_typeof(t.audio_features->'acousticness') = 'number' THEN t.audio_features->>'acousticness' END,
       CASE WHEN jsonb_typeof(t.audio_features->'instrumentalness') = 'number' THEN t.audio_features->>'instrumentalness' END,
       CASE WHEN jsonb_typeof(t.audio_features->'liveness') = 'number' THEN t.audio_features->>'liveness' END,
       CASE WHEN jsonb_typeof(t.audio_features->'speechiness') = 'number' THEN t.audio_features->>'speechiness' END,
       CASE WHEN jsonb_typeof(t.audio_features->'loudness') = 'number' THEN t.audio_features->>'loudness' END
FROM tracks t
WHERE t.id = ANY($1::bigint[] ||
                 ARRAY(SELECT a.survivor_id FROM track_aliases a WHERE a.absorbed_id = ANY($1::bigint[])))
ORDER BY t.id
FOR KEY SHARE
)SQL";

// One statement for the whole batch: parallel arrays, each vector an array literal in a
// text[] element. A row already at a newer version is left alone (a builder that has not
// seen that version yet must not downgrade it), and an unchanged row is not rewritten.
constexpr const char* kUpsertFeatures = R"SQL(
INSERT INTO track_features AS f (track_id, vocabulary_version, features, missing, updated_at)
SELECT x.id, $4::integer, x.features::real[], x.missing::boolean[], now()
FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(id, features, missing)
ORDER BY x.id
ON CONFLICT (track_id) DO UPDATE
  SET vocabulary_version = EXCLUDED.vocabulary_version, features = EXCLUDED.features,
      missing = EXCLUDED.missing, updated_at = EXCLUDED.updated_at
  WHERE f.vocabulary_version <= EXCLUDED.vocabulary_version
    AND (f.vocabulary_version, f.features, f.missing)
        IS DISTINCT FROM (EXCLUDED.vocabulary_version, EXCLUDED.features, EXCLUDED.missing)
)SQL";

constexpr const char* kLatestVersion = "SELECT coalesce(max(version), 0) FROM feature_vocabularies";

constexpr const char* kSelectVocabulary = R"SQL(
SELECT version, cardinality(genres), array_to_string(genres, E'\x1f'),
       cardinality(moods), array_to_string(moods, E'\x1f')
FROM feature_vocabularies WHERE version = $1
)SQL";

constexpr const char* kInsertVocabulary = R"SQL(
INSERT INTO feature_vocabularies (version, columns, genres, moods)
VALUES ($1, $2::text[], $3::text[], $4::text[])
)SQL";

constexpr const char* kGenreCounts =
    "SELECT g, count(*) FROM tracks, unnest(genres) AS g GROUP BY g";
constexpr const char* kMoodCounts =
    "SELECT m, count(*) FROM tracks, unnest(moods) AS m GROUP BY m";

// Rows of an older version, claimed for this transaction: replicas migrating at once take
// disjoint chunks (SKIP LOCKED) instead of all redoing the same rows, and never wait on each
// other. No ORDER BY: the version index hands out any chunk cheaply.
constexpr const char* kClaimStaleRows =
    "SELECT track_id FROM track_features WHERE vocabulary_version < $1 LIMIT $2 FOR UPDATE SKIP LOCKED";

// Tracks without a row (catalog loaded before the builder ran, a follow-up lost), walked
// once per vocabulary refresh in id order from a cursor.
constexpr const char* kTracksWithoutRow = R"SQL(
SELECT t.id FROM tracks t
WHERE t.id > $1 AND NOT EXISTS (SELECT 1 FROM track_features f WHERE f.track_id = t.id)
ORDER BY t.id LIMIT $2
)SQL";

std::optional<double> OptionalNumber(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<double>();
}

// A text[] read as cardinality(a), array_to_string(a, E'\x1f').
std::vector<std::string> JoinedList(const pqxx::field& count, const pqxx::field& joined) {
  return db::SplitTags(joined.c_str(), count.is_null() ? 0 : count.as<std::size_t>());
}

TagCounts Counts(const pqxx::result& rows) {
  TagCounts counts;
  counts.reserve(rows.size());
  for (const auto& row : rows) counts.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
  return counts;
}

class FeaturesBuilder final : public runtime::Builder {
 public:
  FeaturesBuilder(std::string dsn, FeaturesSettings settings, const resilience::Clock& clock)
      : session_(std::move(dsn)), settings_(settings), clock_(clock) {}

  // runtime::Builder
  std::string_view Name() const override { return "features"; }

  core::Result<runtime::RebuildStats> Rebuild(const std::vector<std::int64_t>& track_ids) override {
    return session_.Run([&] { return RebuildIds(track_ids); });
  }

  core::Result<bool> Background() override {
    return session_.Run([&] {
      const auto now = clock_.Now();
      if (!vocabulary_ || now >= next_refresh_) {
        const int before = vocabulary_ ? vocabulary_->version : 0;
        RefreshVocabulary();
        // A new version (ours or another builder's): walk the catalog again for rows.
        backfill_after_ = 0;
        backfill_done_ = false;
        if (vocabulary_->version != before) return true;
      }
      const auto chunk = settings_.background_chunk;
      pqxx::work tx(session_.Connection());
      std::vector<std::int64_t> ids;
      // Stale rows are claimed and rebuilt in this transaction, which holds their locks.
      for (const auto& row : tx.exec_params(kClaimStaleRows, vocabulary_->version, chunk)) {
        ids.push_back(row[0].as<std::int64_t>());
      }
      if (ids.empty() && !backfill_done_) {
        for (const auto& row : tx.exec_params(kTracksWithoutRow, backfill_after_, chunk)) {
          ids.push_back(row[0].as<std::int64_t>());
        }
        if (static_cast<int>(ids.size()) < chunk) backfill_done_ = true;
        if (!ids.empty()) backfill_after_ = ids.back();
      }
      if (ids.empty()) {
        tx.commit();
        return false;
      }
      std::sort(ids.begin(), ids.end());
      CommitRebuild(tx, ids);
      return true;
    });
  }

  core::Result<void> Ping() override { return session_.Ping(); }

 private:
  static Vocabulary LoadVocabulary(pqxx::transaction_base& tx, int version) {
    pqxx::row row = tx.exec_params1(kSelectVocabulary, version);
    return Vocabulary{row[0].as<int>(), {JoinedList(row[1], row[2]), JoinedList(row[3], row[4])}};
  }

  // Derives the top genres and moods and inserts a new version when they differ from the
  // latest one; vocabulary_ is then the latest version.
  void RefreshVocabulary() {
    pqxx::connection_base& conn = session_.Connection();
    TagCounts genres;
    TagCounts moods;
    {
      pqxx::read_transaction tx(conn);
      genres = Counts(tx.exec(kGenreCounts));
      moods = Counts(tx.exec(kMoodCounts));
    }
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kVocabularyLockKey);
    const int latest = tx.exec1(kLatestVersion)[0].as<int>();
    std::optional<Vocabulary> current;
    if (latest > 0) current = LoadVocabulary(tx, latest);
    const VocabularyRules genre_rules{settings_.top_genres, settings_.vocabulary_min_tracks, settings_.vocabulary_margin};
    const VocabularyRules mood_rules{settings_.top_moods, settings_.vocabulary_min_tracks, settings_.vocabulary_margin};
    auto next = NextVocabulary(current ? std::optional(current->content) : std::nullopt, genres, moods,
                               genre_rules, mood_rules);
    if (next) {
      current = Vocabulary{latest + 1, std::move(*next)};
      tx.exec_params(kInsertVocabulary, current->version, db::TextArray(ColumnNames(current->content)),
                     db::TextArray(current->content.genres), db::TextArray(current->content.moods));
    }
    tx.commit();
    vocabulary_ = std::move(current);
    next_refresh_ = clock_.Now() + settings_.vocabulary_refresh;
  }

  runtime::RebuildStats RebuildIds(std::vector<std::int64_t> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.empty()) return {};
    if (!vocabulary_) RefreshVocabulary();
    pqxx::work tx(session_.Connection());
    if (auto stats = CommitRebuild(tx, ids)) return *stats;
    return RebuildIds(std::move(ids));
  }

  // RebuildIn, then commit. When every version was deleted (with every row: the foreign key)
  // behind our back, say by an operator starting over, aborts and derives version 1 again
  // instead of failing forever; nullopt then, and the caller may try again.
  std::optional<runtime::RebuildStats> CommitRebuild(pqxx::work& tx, const std::vector<std::int64_t>& ids) {
    auto stats = RebuildIn(tx, ids);
    if (!stats) {
      tx.abort();
      RefreshVocabulary();
      return std::nullopt;
    }
    tx.commit();
    return stats;
  }

  // Computes and upserts the rows of `ids` (sorted, distinct) inside `tx`, on the latest
  // vocabulary; nullopt when there is no vocabulary any more (the caller aborts and refreshes).
  std::optional<runtime::RebuildStats> RebuildIn(pqxx::work& tx, const std::vector<std::int64_t>& ids) {
    runtime::RebuildStats stats;
    // Another builder may have inserted a newer version since our last refresh: use it.
    const int latest = tx.exec1(kLatestVersion)[0].as<int>();
    if (latest == 0) return std::nullopt;
    if (latest != vocabulary_->version) vocabulary_ = LoadVocabulary(tx, latest);

    pqxx::result rows = tx.exec_params(kSelectTracks, db::BigintArray(ids));
    std::vector<std::int64_t> written;
    std::vector<std::string> values;
    std::vector<std::string> missing;
    written.reserve(rows.size());
    values.reserve(rows.size());
    missing.reserve(rows.size());
    for (const auto& row : rows) {
      TrackInput track;
      track.id = row[0].as<std::int64_t>();
      track.duration_ms = OptionalNumber(row[1]);
      track.popularity = OptionalNumber(row[2]);
      track.track_number = OptionalNumber(row[3]);
      track.release_year = OptionalNumber(row[4]);
      if (!row[5].is_null()) track.explicit_flag = row[5].as<bool>();
      track.genres = JoinedList(row[6], row[7]);
      track.moods = JoinedList(row[8], row[9]);
      for (std::size_t i = 0; i < kAudioFeatures.size(); ++i) {
        const pqxx::field field = row[static_cast<pqxx::row::size_type>(10 + i)];
        if (!field.is_null()) track.audio[i] = ParseNumber(field.c_str());
      }
      FeatureRow computed = ComputeRow(track, vocabulary_->content);
      written.push_back(track.id);
      values.push_back(db::RealArray(computed.values));
      missing.push_back(db::BoolArray(computed.missing));
    }
    if (!written.empty()) {
      tx.exec_params(kUpsertFeatures, db::BigintArray(written), db::TextArray(values), db::TextArray(missing),
                     vocabulary_->version);
    }
    stats.rebuilt = written.size();
    stats.missing = ids.size() - written.size();
    return stats;
  }

  // JIT off (db::SessionSettings says why). Every call runs in session_.Run: a database
  // error drops the connection, reopened by the next call.
  db::Session session_;
  FeaturesSettings settings_;
  std::optional<Vocabulary> vocabulary_;
  const resilience::Clock& clock_;
  resilience::Clock::TimePoint next_refresh_{};
  std::int64_t backfill_after_ = 0;
  bool backfill_done_ = false;
};

}  // namespace

std::unique_ptr<runtime::Builder> MakeFeaturesBuilder(std::string postgres_dsn, FeaturesSettings settings,
                                                      const resilience::Clock& clock) {
  return std::make_unique<FeaturesBuilder>(std::move(postgres_dsn), settings, clock);
}

}  // namespace features
