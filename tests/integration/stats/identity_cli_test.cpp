// `tunefleet identity merges | conflicts` and the identity line of `tunefleet stats`, as the
// read-only role, after merges and a conflict written the way workers write them
// (db::CatalogWriter, migrations/0009_identity_merge.sql).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/db/catalog_writer.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/identity_merges.hpp"
#include "tests/support/test_database.hpp"
#include "workers/fleet/fleet.hpp"

namespace {

using test_support::CliRun;

class IdentityCliTest : public ::testing::Test {
 protected:
  CliRun Run(const std::vector<std::string>& args) {
    return test_support::RunTunefleet(args, {{"TUNEFLEET_PG_DSN", db_.reader_dsn()}});
  }

  // Spotify has "Air - Kelly" by ISRC with one MBID; MusicBrainz stores "Air - Kelly Watch the
  // Stars" by name with that ISRC and another MBID: the rows share the ISRC and disagree on
  // the MBID, so they are listed, not merged.
  void WriteConflict() {
    db::CatalogWriter writer(db_.worker_dsn(), fleet::MergePriority());
    catalog::TrackRecord a;
    a.ref.artist = "Air";
    a.ref.title = "Kelly";
    a.ref.isrc = "FRZ019800040";
    a.provider = "spotify";
    a.job_id = "conflict-a";
    a.fields.mbid = "11111111-1111-4111-8111-111111111111";
    ASSERT_TRUE(writer.WriteTracks({a}));
    catalog::TrackRecord b;
    b.ref.artist = "Air";
    b.ref.title = "Kelly Watch the Stars";
    b.provider = "musicbrainz";
    b.job_id = "conflict-b";
    b.fields.isrc = "FRZ019800040";
    b.fields.mbid = "22222222-2222-4222-8222-222222222222";
    ASSERT_TRUE(writer.WriteTracks({b}));
    ASSERT_EQ(db_.Int("SELECT count(*) FROM identity_conflicts"), 1) << "the writes made no conflict";
  }

  test_support::TestDatabase db_;
};

TEST_F(IdentityCliTest, MergesListsAliasesNewestFirstWithTotals) {
  const auto first = test_support::WriteMergedTracks(db_, "Slowdive", "Alison", "USRC17607839", {"shoegaze"});
  const auto second = test_support::WriteMergedTracks(db_, "Ride", "Vapour Trail", "GBAAA9000001", {"shoegaze"});
  ASSERT_NE(second.absorbed, 0);

  auto run = Run({"identity", "merges"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("merges: 2\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  track   isrc        2\n"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find('\x1f'), std::string::npos) << "a name key's separator printed raw";
  const std::string newest = "track " + std::to_string(second.absorbed) + " (name:";
  const std::string oldest = "track " + std::to_string(first.absorbed) + " (name:";
  ASSERT_NE(run.out.find(newest), std::string::npos) << run.out;
  EXPECT_LT(run.out.find(newest), run.out.find(oldest)) << run.out;
  EXPECT_NE(run.out.find(") -> " + std::to_string(second.survivor) + " \"Ride - Vapour Trail\"  isrc GBAAA9000001"),
            std::string::npos)
      << run.out;

  run = Run({"identity", "merges", "--json", "--limit", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  rapidjson::Document d;
  ASSERT_FALSE(d.Parse(run.out.c_str()).HasParseError()) << run.out;
  ASSERT_EQ(d["merges"].Size(), 1u) << run.out;
  const auto& m = d["merges"][0];
  EXPECT_STREQ(m["entity"].GetString(), "track");
  EXPECT_EQ(m["absorbed_id"].GetInt64(), second.absorbed);
  EXPECT_EQ(m["survivor_id"].GetInt64(), second.survivor);
  EXPECT_STREQ(m["survivor"].GetString(), "Ride - Vapour Trail");
  EXPECT_STREQ(m["kind"].GetString(), "isrc");
  EXPECT_STREQ(m["value"].GetString(), "GBAAA9000001");
  EXPECT_EQ(std::string(m["identity_key"].GetString()).rfind("name:", 0), 0u) << run.out;
  ASSERT_EQ(d["totals"].Size(), 1u) << run.out;  // the totals count every merge, not the listed ones
  EXPECT_EQ(d["totals"][0]["merges"].GetInt64(), 2);

  run = Run({"identity", "merges", "--since", "2999-01-01", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "{\"merges\":[],\"totals\":[]}\n");
  run = Run({"identity", "merges", "--since", "1d"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("merges: 2\n"), std::string::npos) << run.out;
}

TEST_F(IdentityCliTest, ConflictsListsBothRowsAndTheIdentifiers) {
  WriteConflict();
  const auto ids = db_.Rows("SELECT low_id, high_id FROM identity_conflicts");
  auto run = Run({"identity", "conflicts"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("1 identity conflicts"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"Air - Kelly\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"Air - Kelly Watch the Stars\""), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("share isrc FRZ019800040, differ on mbid ("), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("11111111-1111-4111-8111-111111111111"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("22222222-2222-4222-8222-222222222222"), std::string::npos) << run.out;

  run = Run({"identity", "conflicts", "--json", "--entity", "track"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  rapidjson::Document d;
  ASSERT_FALSE(d.Parse(run.out.c_str()).HasParseError()) << run.out;
  ASSERT_EQ(d["conflicts"].Size(), 1u) << run.out;
  const auto& c = d["conflicts"][0];
  EXPECT_STREQ(c["entity"].GetString(), "track");
  EXPECT_EQ(std::to_string(c["low"]["id"].GetInt64()), ids.at(0).at(0));
  EXPECT_EQ(std::to_string(c["high"]["id"].GetInt64()), ids.at(0).at(1));
  EXPECT_STREQ(c["shared_kind"].GetString(), "isrc");
  EXPECT_STREQ(c["shared_value"].GetString(), "FRZ019800040");
  EXPECT_STREQ(c["conflict_kind"].GetString(), "mbid");
  EXPECT_EQ(c["seen"].GetInt64(), 1);

  run = Run({"identity", "conflicts", "--entity", "album"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "no identity conflicts\n");
}

TEST_F(IdentityCliTest, StatsCountsMergedRowsAndConflicts) {
  test_support::WriteMergedTracks(db_, "Slowdive", "Alison", "USRC17607839", {"shoegaze"});
  WriteConflict();
  auto run = Run({"stats", "--no-dead-letters"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("\n  merged rows: 1 tracks, 0 albums, 0 artists; identity conflicts: 1\n"), std::string::npos)
      << run.out;
  run = Run({"stats", "--no-dead-letters", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  rapidjson::Document d;
  ASSERT_FALSE(d.Parse(run.out.c_str()).HasParseError()) << run.out;
  EXPECT_EQ(d["identity"]["merged_tracks"].GetInt64(), 1);
  EXPECT_EQ(d["identity"]["merged_albums"].GetInt64(), 0);
  EXPECT_EQ(d["identity"]["conflicts"].GetInt64(), 1);
  EXPECT_TRUE(d.HasMember("tracks"));  // the earlier keys stay
}

TEST_F(IdentityCliTest, BadFlagsExitTwoWithALineNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"identity"}, "conflicts or merges"},
      {{"identity", "aliases"}, "\"aliases\""},
      {{"identity", "conflicts", "--entity", "song"}, "--entity \"song\""},
      {{"identity", "conflicts", "--limit", "0"}, "--limit \"0\""},
      {{"identity", "merges", "--limit", "ten"}, "--limit \"ten\""},
      {{"identity", "merges", "--since", "yesterday"}, "--since \"yesterday\""},
      {{"identity", "merges", "--since", "2026-02-30"}, "--since \"2026-02-30\""},
      {{"identity", "merges", "--since"}, "--since needs a value"},
      {{"identity", "merges", "--entity", "track"}, "--entity applies to conflicts"},
      {{"identity", "conflicts", "--since", "1d"}, "--since applies to merges"},
      {{"identity", "merges", "--frob"}, "unknown option --frob"},
      {{"identity", "merges", "extra"}, "unexpected argument \"extra\""},
  };
  for (const auto& c : cases) {
    auto run = Run(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.names << ": " << run.err;
    EXPECT_EQ(run.err.rfind("tunefleet identity: ", 0), 0u) << run.err;
    EXPECT_NE(run.err.find(c.names), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_EQ(run.out, "");
  }
}

}  // namespace
