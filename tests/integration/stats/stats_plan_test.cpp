// Every query of `tunefleet stats` (and of the Catalog dashboard: the same views) on a
// synthetic catalog of 100,000 tracks (bench/stats/synthetic_catalog.sql: ~330,000 track
// sources, 10,000 albums, 90,000 feature rows, 10,000 job_commits over 30 days), after
// ANALYZE: no plan reads a big table from end to end, the hour/day rate reads job_commits
// through its committed_at index, and each runs in well under a second. The catalog is
// loaded with the counters' triggers in place, so it also checks they keep up with bulk
// statements (and the figures against the base tables, on a bigger catalog than the CLI test).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>
#include <vector>

#include "tests/support/shell_command.hpp"
#include "tests/support/test_database.hpp"

namespace {

const std::set<std::string> kBigTables = {"tracks", "track_sources", "albums", "album_sources",
                                          "track_features", "job_commits", "album_tracks", "track_similar"};

const std::vector<std::string> kStatsQueries = {
    "SELECT * FROM catalog_stats_totals",
    "SELECT * FROM catalog_stats_tracks_by_providers",
    "SELECT * FROM catalog_stats_albums_by_providers",
    "SELECT * FROM catalog_stats_coverage",
    "SELECT * FROM catalog_stats_genres LIMIT 10",
    "SELECT count(*) FROM catalog_stats_genres",
    "SELECT * FROM catalog_stats_moods LIMIT 10",
    "SELECT count(*) FROM catalog_stats_moods",
    "SELECT * FROM catalog_stats_feature_matrix",
    "SELECT * FROM catalog_stats_enrichment_rate",
};

struct ScanNode {
  std::string type;
  std::string relation;
  std::string index;
};

void Collect(const rapidjson::Value& plan, std::vector<ScanNode>& out) {
  ScanNode node{plan["Node Type"].GetString(), "", ""};
  if (plan.HasMember("Relation Name")) node.relation = plan["Relation Name"].GetString();
  if (plan.HasMember("Index Name")) node.index = plan["Index Name"].GetString();
  out.push_back(node);
  if (plan.HasMember("Plans")) {
    for (const auto& child : plan["Plans"].GetArray()) Collect(child, out);
  }
}

// One test, so the catalog is loaded once (ctest runs every test in a process of its own).
TEST(StatsPlan, NoStatsQueryScansABigTableAndTheCountersAgreeWithTheTables) {
  test_support::TestDatabase db;
  const auto loaded = test_support::RunShellCommand("psql -qX '" + db.owner_dsn() + "' -v tracks=100000 -f " +
                                                    std::string(TUNEFLEET_SOURCE_DIR) +
                                                    "/bench/stats/synthetic_catalog.sql 2>&1");
  ASSERT_EQ(loaded.code, 0) << loaded.out;
  ASSERT_EQ(db.Int("SELECT count(*) FROM tracks"), 100000);
  ASSERT_GT(db.Int("SELECT count(*) FROM track_sources"), 300000);

  bool rate_indexed = false;
  for (const auto& query : kStatsQueries) {
    rapidjson::Document d;
    const std::string plan = db.Scalar("EXPLAIN (ANALYZE, FORMAT JSON) " + query);
    ASSERT_FALSE(d.Parse(plan.c_str()).HasParseError()) << plan;
    std::vector<ScanNode> nodes;
    Collect(d[0]["Plan"], nodes);
    for (const auto& node : nodes) {
      EXPECT_FALSE(node.type == "Seq Scan" && kBigTables.count(node.relation) > 0)
          << query << ": Seq Scan on " << node.relation << "\n" << plan;
      rate_indexed = rate_indexed || node.index == "job_commits_committed_at_idx";
    }
    EXPECT_LT(d[0]["Execution Time"].GetDouble(), 1000.0) << query << "\n" << plan;
  }
  EXPECT_TRUE(rate_indexed) << "catalog_stats_enrichment_rate reads job_commits through job_commits_committed_at_idx";

  // The bulk statements of the load went through the triggers: the counters agree with the
  // tables, and the deltas stay a few hundred rows.
  EXPECT_LT(db.Int("SELECT count(*) FROM catalog_counter_deltas"), 2000);
  EXPECT_EQ(db.Int("SELECT tracks FROM catalog_stats_totals"), 100000);
  EXPECT_EQ(db.Int("SELECT tracks_with_audio_features FROM catalog_stats_totals"),
            db.Int("SELECT count(*) FROM tracks WHERE audio_features IS NOT NULL"));
  EXPECT_EQ(db.Rows("SELECT genre, tracks FROM catalog_stats_genres"),
            db.Rows("SELECT g, count(*) FROM tracks, unnest(genres) g GROUP BY g ORDER BY 2 DESC, 1"));
  EXPECT_EQ(db.Rows("SELECT providers, tracks FROM catalog_stats_tracks_by_providers WHERE tracks > 0"),
            db.Rows("SELECT n, count(*) FROM (SELECT t.id, count(s.track_id) FILTER (WHERE s.status = 'ok') AS n "
                    "FROM tracks t LEFT JOIN track_sources s ON s.track_id = t.id GROUP BY t.id) c GROUP BY n ORDER BY n"));
  EXPECT_EQ(db.Rows("SELECT provider, stored, not_found FROM catalog_stats_coverage WHERE entity = 'track'"),
            db.Rows("SELECT provider, count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'not_found') "
                    "FROM track_sources GROUP BY provider ORDER BY provider"));
}

}  // namespace
