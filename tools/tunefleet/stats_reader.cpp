// `tunefleet stats`'s one database call: every figure from the catalog_stats_* views of
// migrations/0008_catalog_stats.sql and 0010_identity_stats.sql, in one read-only snapshot.
#include <pqxx/pqxx>

#include <algorithm>

#include "common/db/session.hpp"
#include "tools/tunefleet/stats_report.hpp"

namespace stats {
namespace {

constexpr const char* kSelectNow =
    "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
constexpr const char* kSelectTotals =
    "SELECT tracks, albums, tracks_with_audio_features, audio_features_share FROM catalog_stats_totals";
constexpr const char* kSelectTracksByProviders = "SELECT providers, tracks FROM catalog_stats_tracks_by_providers";
constexpr const char* kSelectAlbumsByProviders = "SELECT providers, albums FROM catalog_stats_albums_by_providers";
constexpr const char* kSelectCoverage = "SELECT entity, provider, stored, not_found FROM catalog_stats_coverage";
constexpr const char* kSelectGenres = "SELECT genre, tracks, share FROM catalog_stats_genres LIMIT $1";
constexpr const char* kCountGenres = "SELECT count(*) FROM catalog_stats_genres";
constexpr const char* kSelectMoods = "SELECT mood, tracks, share FROM catalog_stats_moods LIMIT $1";
constexpr const char* kCountMoods = "SELECT count(*) FROM catalog_stats_moods";
constexpr const char* kSelectFeatureMatrix =
    "SELECT version, latest, rows, cells, missing_cells, missing_share FROM catalog_stats_feature_matrix";
constexpr const char* kSelectEnrichmentRate =
    "SELECT provider, jobs_last_hour, jobs_last_day FROM catalog_stats_enrichment_rate";
constexpr const char* kSelectIdentity =
    "SELECT merged_tracks, merged_albums, merged_artists, identity_conflicts FROM catalog_stats_identity";

std::vector<Bucket> ReadBuckets(pqxx::transaction_base& tx, const char* sql) {
  std::vector<Bucket> out;
  for (const auto& row : tx.exec(sql)) out.push_back({row[0].as<int>(), row[1].as<std::int64_t>()});
  return out;
}

std::vector<TagCount> ReadTags(pqxx::transaction_base& tx, const char* sql, int top) {
  std::vector<TagCount> out;
  for (const auto& row : tx.exec_params(sql, top)) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<double>()});
  }
  return out;
}

ProviderCoverage& CoverageOf(CatalogStats& stats, const std::string& provider) {
  for (auto& row : stats.coverage) {
    if (row.provider == provider) return row;
  }
  stats.coverage.push_back({.provider = provider, .tracks = {}, .albums = {}, .dead_letters = std::nullopt});
  return stats.coverage.back();
}

}  // namespace

core::Result<CatalogStats> ReadCatalogStats(const std::string& dsn, int top) {
  db::Session session(dsn);
  return session.Run([&] {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(session.Connection());
    CatalogStats stats;
    stats.top = top;
    stats.at = tx.exec1(kSelectNow)[0].as<std::string>();
    const auto totals = tx.exec1(kSelectTotals);
    stats.tracks = totals[0].as<std::int64_t>();
    stats.albums = totals[1].as<std::int64_t>();
    stats.tracks_with_audio_features = totals[2].as<std::int64_t>();
    stats.audio_features_share = totals[3].as<double>();
    stats.tracks_by_providers = ReadBuckets(tx, kSelectTracksByProviders);
    stats.albums_by_providers = ReadBuckets(tx, kSelectAlbumsByProviders);
    for (const auto& row : tx.exec(kSelectCoverage)) {
      auto& coverage = CoverageOf(stats, row[1].as<std::string>());
      auto& counts = row[0].as<std::string>() == "album" ? coverage.albums : coverage.tracks;
      counts.stored = row[2].as<std::int64_t>();
      counts.not_found = row[3].as<std::int64_t>();
    }
    std::sort(stats.coverage.begin(), stats.coverage.end(),
              [](const ProviderCoverage& a, const ProviderCoverage& b) { return a.provider < b.provider; });
    stats.genres = ReadTags(tx, kSelectGenres, top);
    stats.distinct_genres = tx.exec1(kCountGenres)[0].as<std::int64_t>();
    stats.moods = ReadTags(tx, kSelectMoods, top);
    stats.distinct_moods = tx.exec1(kCountMoods)[0].as<std::int64_t>();
    for (const auto& row : tx.exec(kSelectFeatureMatrix)) {
      stats.feature_matrix.push_back({row[0].as<int>(), row[1].as<bool>(), row[2].as<std::int64_t>(),
                                      row[3].as<std::int64_t>(), row[4].as<std::int64_t>(), row[5].as<double>()});
    }
    for (const auto& row : tx.exec(kSelectEnrichmentRate)) {
      stats.enrichment_rate.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>()});
    }
    const auto identity = tx.exec1(kSelectIdentity);
    stats.merged_tracks = identity[0].as<std::int64_t>();
    stats.merged_albums = identity[1].as<std::int64_t>();
    stats.merged_artists = identity[2].as<std::int64_t>();
    stats.identity_conflicts = identity[3].as<std::int64_t>();
    tx.commit();
    return stats;
  });
}

}  // namespace stats
