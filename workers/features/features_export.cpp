#include "workers/features/features_export.hpp"

#include <pqxx/pqxx>

#include "common/db/array_text.hpp"
#include "common/db/session.hpp"
#include "workers/features/copy_text.hpp"
#include "workers/features/features_row.hpp"

namespace features {
namespace {

// pqxx 6.4's stream_from runs "COPY <table> TO STDOUT" with `table` pasted in unquoted, so a
// parenthesized query works as the table: the server streams the rows in text format, which
// copy_text.cpp turns into CSV (our own header, no 63-character limit on column names).
using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

constexpr const char* kLatestVersion = "SELECT coalesce(max(version), 0) FROM feature_vocabularies";
constexpr const char* kVocabularyColumns =
    "SELECT cardinality(columns), array_to_string(columns, E'\\x1f') FROM feature_vocabularies WHERE version = $1";
constexpr const char* kFeatureCounts = R"SQL(
SELECT count(*) FILTER (WHERE vocabulary_version = $1), count(*) FILTER (WHERE vocabulary_version <> $1),
       (SELECT count(*) FROM tracks t WHERE NOT EXISTS (SELECT 1 FROM track_features f WHERE f.track_id = t.id))
FROM track_features
)SQL";
constexpr const char* kTrackCount = "SELECT count(*) FROM tracks";

// Numbers as JSON numbers only; anything else in audio_features is left out (NULL).
#define TF_AUDIO(name) \
  "CASE WHEN jsonb_typeof(t.audio_features->'" name "') = 'number' THEN t.audio_features->>'" name "' END"

constexpr const char* kTracksCsvQuery =
    "(SELECT t.id, t.artist_name, t.title, t.album_title, t.isrc, t.mbid, t.spotify_id, t.discogs_id,"
    " t.duration_ms, CASE WHEN t.explicit THEN 'true' WHEN NOT t.explicit THEN 'false' END,"
    " t.popularity, t.track_number, t.release_date, t.release_year,"
    " array_to_json(t.genres), array_to_json(t.moods), " TF_AUDIO("danceability") ", " TF_AUDIO("energy") ", "
    TF_AUDIO("valence") ", " TF_AUDIO("tempo") ", " TF_AUDIO("acousticness") ", " TF_AUDIO("instrumentalness")
    ", " TF_AUDIO("liveness") ", " TF_AUDIO("speechiness") ", " TF_AUDIO("loudness") ","
    " array_to_json(t.providers_done), a.aoty_critic_score, a.aoty_user_score"
    " FROM tracks t LEFT JOIN albums a ON a.id = t.album_id ORDER BY t.id)";

// row_to_json keeps the column order and writes compact JSON.
constexpr const char* kTracksJsonlQuery =
    "(SELECT row_to_json(x) FROM (SELECT t.id AS track_id, t.artist_name, t.title, t.album_title, t.isrc,"
    " t.mbid, t.spotify_id, t.discogs_id, t.duration_ms, t.explicit, t.popularity, t.track_number,"
    " t.release_date, t.release_year, t.genres, t.moods, t.audio_features, t.providers_done,"
    " a.aoty_critic_score, a.aoty_user_score"
    " FROM tracks t LEFT JOIN albums a ON a.id = t.album_id ORDER BY t.id) x)";
#undef TF_AUDIO

// A text[] read as cardinality(a), array_to_string(a, E'\x1f').
std::vector<std::string> SplitJoined(const pqxx::field& count, const pqxx::field& joined) {
  return db::SplitTags(joined.c_str(), count.is_null() ? 0 : count.as<std::size_t>());
}

core::Error WriteFailed() { return core::Error::Transient("output write failed"); }

// Streams `query` (a parenthesized SELECT) line by line through `convert` into `sink`.
template <typename Convert>
core::Result<std::uint64_t> Stream(pqxx::transaction_base& tx, const std::string& query, std::uint64_t total,
                                   Convert convert, const LineSink& sink, const ProgressSink& progress) {
  pqxx::stream_from stream(tx, query);
  std::string line;
  std::string out;
  std::uint64_t rows = 0;
  while (stream.get_raw_line(line)) {
    // pqxx 6.4 hands the line over with its line break.
    if (!line.empty() && line.back() == '\n') line.pop_back();
    out = convert(line);
    out += '\n';
    if (!sink(out)) {
      // Stop the server instead of draining the rest of the table: the COPY then ends with
      // "canceling statement", which is expected here.
      try {
        tx.conn().cancel_query();
        stream.complete();
      } catch (const std::exception&) {
      }
      return WriteFailed();
    }
    ++rows;
    if (progress) progress(rows, total);
  }
  stream.complete();
  return rows;
}

}  // namespace

const std::vector<std::string>& TrackExportColumns() {
  static const std::vector<std::string> kColumns = {
      "track_id", "artist_name", "title", "album_title", "isrc", "mbid", "spotify_id", "discogs_id",
      "duration_ms", "explicit", "popularity", "track_number", "release_date", "release_year", "genres", "moods",
      "danceability", "energy", "valence", "tempo", "acousticness", "instrumentalness", "liveness", "speechiness",
      "loudness", "providers_done",
      // Optional labels (empty when the track's album has no AOTY score): migrations/0005_aoty.sql.
      "aoty_critic_score", "aoty_user_score"};
  return kColumns;
}

core::Result<FeaturesExport> ExportFeatures(const std::string& dsn, std::optional<int> version,
                                            const LineSink& sink, const ProgressSink& progress) {
  db::Session session(dsn);
  return session.Run([&]() -> core::Result<FeaturesExport> {
    Snapshot tx(session.Connection());
    FeaturesExport result;
    result.version = version ? *version : tx.exec1(kLatestVersion)[0].as<int>();
    pqxx::result vocabulary = tx.exec_params(kVocabularyColumns, result.version);
    if (vocabulary.empty()) {
      if (version) return core::Error::InvalidInput("no vocabulary version " + std::to_string(*version));
      return core::Error::InvalidInput("no feature vocabulary yet: tunefleet-features has not run on this database");
    }
    result.columns = SplitJoined(vocabulary[0][0], vocabulary[0][1]);
    pqxx::row counts = tx.exec_params1(kFeatureCounts, result.version);
    const auto total = counts[0].as<std::uint64_t>();
    result.other_version_rows = counts[1].as<std::uint64_t>();
    result.tracks_without_row = counts[2].as<std::uint64_t>();

    std::string header = "track_id";
    for (const auto& column : result.columns) header += "," + CsvField(column);
    header += '\n';
    if (!sink(header)) return WriteFailed();

    // One output column per position: NULL where the row marks the value missing.
    std::string query = "(SELECT f.track_id";
    for (std::size_t i = 1; i <= result.columns.size(); ++i) {
      const std::string n = std::to_string(i);
      query += ", CASE WHEN f.missing[" + n + "] THEN NULL ELSE f.features[" + n + "] END";
    }
    query += " FROM track_features f WHERE f.vocabulary_version = " + std::to_string(result.version) +
             " ORDER BY f.track_id)";
    // Fields are numbers or \N: a tab becomes a comma and \N an empty field.
    auto rows = Stream(
        tx, query, total,
        [](const std::string& line) {
          std::string out;
          out.reserve(line.size());
          for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '\t') {
              out += ',';
            } else if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'N') {
              ++i;
            } else {
              out += line[i];
            }
          }
          return out;
        },
        sink, progress);
    if (!rows) return rows.error();
    result.rows = *rows;
    tx.commit();
    return result;
  });
}

core::Result<std::uint64_t> ExportTracks(const std::string& dsn, TracksFormat format, const LineSink& sink,
                                         const ProgressSink& progress) {
  db::Session session(dsn);
  return session.Run([&]() -> core::Result<std::uint64_t> {
    Snapshot tx(session.Connection());
    const auto total = tx.exec1(kTrackCount)[0].as<std::uint64_t>();
    core::Result<std::uint64_t> rows = std::uint64_t{0};
    if (format == TracksFormat::kCsv) {
      std::string header;
      for (const auto& column : TrackExportColumns()) header += (header.empty() ? "" : ",") + column;
      header += '\n';
      if (!sink(header)) return WriteFailed();
      rows = Stream(tx, kTracksCsvQuery, total, [](const std::string& line) { return CopyTextToCsv(line); }, sink,
                    progress);
    } else {
      rows = Stream(tx, kTracksJsonlQuery, total, [](const std::string& line) { return UnescapeCopyText(line); },
                    sink, progress);
    }
    if (!rows) return rows.error();
    tx.commit();
    return rows;
  });
}

}  // namespace features
