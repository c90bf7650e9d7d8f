// `tunefleet migrate` as operators run it: the built binary, real processes, real database.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "tests/integration/migrate/test_support.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using migrate_test::TestDatabase;
using test_support::CliProcess;
using test_support::FreePort;
using test_support::RunTunefleet;
using test_support::TempDir;

std::size_t CountLines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(MigrateCli, AppliesThenReportsUpToDate) {
  TestDatabase database;
  auto first = RunTunefleet({"migrate"}, {{"TUNEFLEET_PG_DSN", database.owner_dsn()}});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("applied 0001_catalog in "), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("0002_job_effects, 0003_roles"), std::string::npos) << first.out;
  EXPECT_EQ(first.err, "");

  auto second = RunTunefleet({"migrate"}, {{"TUNEFLEET_PG_DSN", database.owner_dsn()}});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("database is up to date ("), std::string::npos) << second.out;
}

TEST(MigrateCli, EightConcurrentMigratorsApplyEachVersionExactlyOnce) {
  TestDatabase database;
  constexpr int kProcesses = 8;
  std::vector<std::unique_ptr<CliProcess>> processes;
  for (int i = 0; i < kProcesses; ++i) {
    processes.push_back(std::make_unique<CliProcess>(
        std::vector<std::string>{"migrate"},
        std::map<std::string, std::string>{{"TUNEFLEET_PG_DSN", database.owner_dsn()}},
        test_support::CliOptions{.timeout = std::chrono::seconds(60)}));
  }
  int appliers = 0;
  for (auto& process : processes) {
    auto result = process->Wait();
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    if (result.out.find("database is up to date") == std::string::npos) ++appliers;
  }
  EXPECT_EQ(appliers, 1) << "the advisory lock should let exactly one process apply";
  EXPECT_EQ(database.Scalar("SELECT count(*) = count(DISTINCT version) FROM schema_migrations"),
            "t");
  EXPECT_EQ(database.Scalar("SELECT count(*) FROM schema_migrations WHERE version = 1"), "1");
}

TEST(MigrateCli, StatusPrintsOneRowPerMigrationAndChangesNothing) {
  TestDatabase database;
  auto pending = RunTunefleet({"migrate", "--status"}, {{"TUNEFLEET_PG_DSN", database.owner_dsn()}});
  ASSERT_EQ(pending.exit_code, 0) << pending.err;
  EXPECT_EQ(pending.out.rfind("version  name", 0), 0u) << pending.out;
  EXPECT_NE(pending.out.find("0001     catalog"), std::string::npos) << pending.out;
  EXPECT_NE(pending.out.find("pending"), std::string::npos) << pending.out;
  EXPECT_EQ(database.Scalar("SELECT to_regclass('tracks') IS NULL"), "t");

  ASSERT_EQ(RunTunefleet({"migrate"}, {{"TUNEFLEET_PG_DSN", database.owner_dsn()}}).exit_code, 0);
  auto applied = RunTunefleet({"migrate", "--status"}, {{"TUNEFLEET_PG_DSN", database.owner_dsn()}});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find(" applied\n"), std::string::npos) << applied.out;
  EXPECT_NE(applied.out.find("0 pending, 0 edited, 0 missing"), std::string::npos) << applied.out;
}

TEST(MigrateCli, RefusesAnEditedMigrationWithExitOne) {
  TestDatabase database;
  TempDir dir;
  migrate_test::CopyRepositoryMigrations(dir.path());
  std::map<std::string, std::string> env = {{"TUNEFLEET_PG_DSN", database.owner_dsn()},
                                            {"TUNEFLEET_MIGRATIONS_DIR", dir.path().string()}};
  ASSERT_EQ(RunTunefleet({"migrate"}, env).exit_code, 0);
  std::ofstream(dir.path() / "0001_catalog.sql", std::ios::app) << "-- edited\n";

  auto edited = RunTunefleet({"migrate"}, env);
  EXPECT_EQ(edited.exit_code, 1);
  EXPECT_NE(edited.err.find("migration 0001_catalog.sql was edited after it was applied"),
            std::string::npos)
      << edited.err;
  auto status = RunTunefleet({"migrate", "--status"}, env);
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.out.find("edited"), std::string::npos) << status.out;
}

TEST(MigrateCli, DirFlagOverridesTheEnvironment) {
  TestDatabase database;
  TempDir empty;
  auto result = RunTunefleet({"migrate", "--dir", empty.path().string()},
                             {{"TUNEFLEET_PG_DSN", database.owner_dsn()},
                              {"TUNEFLEET_MIGRATIONS_DIR", "/nonexistent"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "database is up to date (0 migrations)\n");
}

TEST(MigrateCli, GarbageDsnIsAConfigErrorOnOneLine) {
  auto result = RunTunefleet({"migrate"}, {{"TUNEFLEET_PG_DSN", "garbage"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(CountLines(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("TUNEFLEET_PG_DSN"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
}

TEST(MigrateCli, ClosedPortFailsNamingHostAndPortButNotThePassword) {
  int port = FreePort();
  auto result = RunTunefleet(
      {"migrate"},
      {{"TUNEFLEET_PG_DSN",
        "postgresql://tunefleet:s3cretpw@127.0.0.1:" + std::to_string(port) + "/tunefleet"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("s3cretpw"), std::string::npos) << result.err;
  EXPECT_EQ(CountLines(result.err), 1u) << result.err;
}

TEST(MigrateCli, UnknownFlagIsAUsageError) {
  auto result = RunTunefleet({"migrate", "--frobnicate"}, {});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "tunefleet migrate: unknown option --frobnicate (see tunefleet migrate --help)\n");
}

TEST(MigrateCli, UnknownCommandIsAUsageError) {
  auto result = RunTunefleet({"frobnicate"}, {});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(CountLines(result.err), 1u) << result.err;
}

TEST(MigrateCli, HelpListsTheCommands) {
  auto result = RunTunefleet({"--help"}, {});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("migrate"), std::string::npos) << result.out;
}

}  // namespace
