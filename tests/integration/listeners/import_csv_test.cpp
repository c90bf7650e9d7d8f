// `tunefleet import csv` against the private stack.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/listeners/import_env.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using listeners_test::ImportEnv;
using test_support::CliRun;
using test_support::TestDatabase;
using test_support::TestVhost;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ImportCsv, MalformedLinesGoToTheRejectsFileTheRestIsStoredExitThree) {
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  test_support::TempDir dir;
  const auto csv = dir.path() / "scrobbles.csv";
  std::ofstream(csv) << "Artist,Track,Album,Timestamp\n"
                        "Radiohead,Karma Police,OK Computer,1700000000\n"
                        "Radiohead,Airbag,OK Computer,not-a-time\n"
                        "Björk,Hyperballad,Post,2023-11-14T21:56:40Z\n"
                        ",No Artist,,1700000100\n"
                        "Radiohead,Karma Police,OK Computer,2023-11-15 10:00:00\n"
                        "Too,Few\n";
  const auto rejects = dir.path() / "bad.txt";
  CliRun run = test_support::RunTunefleet({"import", "csv", "--user", "Carol", csv.string(), "--rejects", rejects.string()},
                                          ImportEnv(db, vhost));
  EXPECT_EQ(run.exit_code, 3) << run.err;
  const std::string bad = ReadFile(rejects);
  EXPECT_NE(bad.find("line 3: timestamp \"not-a-time\""), std::string::npos) << bad;
  EXPECT_NE(bad.find("line 5: missing artist\t,No Artist,,1700000100\n"), std::string::npos) << bad;
  EXPECT_NE(bad.find("line 7: expected 4 fields as in the header, got 2\tToo,Few\n"), std::string::npos) << bad;
  EXPECT_EQ(db.Int("SELECT count(*) FROM listens WHERE source = 'csv'"), 3);
  EXPECT_EQ(db.Int("SELECT count(*) FROM tracks"), 2);
  EXPECT_EQ(db.Scalar("SELECT name FROM listeners"), "Carol");
  EXPECT_EQ(db.Int("SELECT count(*) FROM listen_publications WHERE published_at IS NOT NULL"), 2);
  EXPECT_EQ(vhost.Depth("tunefleet.lastfm"), 2u);
  EXPECT_NE(run.out.find("stored 3 scrobbles (0 already there), 2 new tracks, published 2 jobs"), std::string::npos)
      << run.out;

  // Again: nothing new, nothing published; the listener is the same (names compare lower-cased).
  CliRun again = test_support::RunTunefleet({"import", "csv", "--user", "carol", csv.string(), "--rejects", rejects.string()},
                                            ImportEnv(db, vhost));
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_NE(again.out.find("stored 0 scrobbles (3 already there), 0 new tracks, published 0 jobs"), std::string::npos)
      << again.out;
  EXPECT_EQ(db.Int("SELECT count(*) FROM listeners"), 1);
  EXPECT_EQ(vhost.Depth("tunefleet.lastfm"), 2u);
}

TEST(ImportCsv, JobsCommittedButNeverConfirmedArePublishedByTheNextRun) {
  TestDatabase db;
  TestVhost vhost;
  vhost.DeclareFleetTopology();
  test_support::TempDir dir;
  const auto csv = dir.path() / "s.csv";
  std::ofstream(csv) << "artist,track,timestamp\nA,B,1700000000\nC,D,1700000001\n";
  CliRun first = test_support::RunTunefleet({"import", "csv", "--user", "dave", csv.string()}, ImportEnv(db, vhost));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(vhost.Depth("tunefleet.lastfm"), 2u);
  // As if the run had died between its commit and the broker's confirm.
  db.Int("WITH u AS (UPDATE listen_publications SET published_at = NULL WHERE job_id = (SELECT min(job_id) FROM "
         "listen_publications) RETURNING 1) SELECT count(*) FROM u");
  const auto empty = dir.path() / "empty.csv";
  std::ofstream(empty) << "artist,track,timestamp\n";
  CliRun next = test_support::RunTunefleet({"import", "csv", "--user", "erin", empty.string()}, ImportEnv(db, vhost));
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.out.find("published 1 jobs"), std::string::npos) << next.out;
  EXPECT_EQ(vhost.Depth("tunefleet.lastfm"), 3u);
  EXPECT_EQ(db.Int("SELECT count(*) FROM listen_publications WHERE published_at IS NULL"), 0);
}

TEST(ImportCsv, AHeaderWithoutATimestampIsAUsageError) {
  TestDatabase db;
  TestVhost vhost;
  test_support::TempDir dir;
  const auto csv = dir.path() / "s.csv";
  std::ofstream(csv) << "artist,track\nA,B\n";
  CliRun run = test_support::RunTunefleet({"import", "csv", "--user", "x", csv.string()}, ImportEnv(db, vhost));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("timestamp"), std::string::npos) << run.err;
}

}  // namespace
