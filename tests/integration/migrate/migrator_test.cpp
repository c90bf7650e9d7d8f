#include "common/db/migrator.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/migrate/test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace db {
namespace {

using migrate_test::TestDatabase;
using test_support::TempDir;

void Append(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::app) << text;
}

std::size_t RepositoryMigrationCount() {
  auto files = LoadMigrationFiles(TUNEFLEET_SOURCE_DIR "/migrations");
  return files ? files->size() : 0;
}

// The highest version in migrations/ (numbers may have gaps while branches add migrations).
int RepositoryLatestVersion() {
  auto files = LoadMigrationFiles(TUNEFLEET_SOURCE_DIR "/migrations");
  return files && !files->empty() ? files->back().version : 0;
}

TEST(Migrator, AppliesEverythingToAnEmptyDatabaseThenDoesNothing) {
  TestDatabase database;
  Migrator migrator({database.dsn(), TUNEFLEET_SOURCE_DIR "/migrations"});

  auto first = migrator.Apply();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->applied.size(), RepositoryMigrationCount());
  EXPECT_EQ(first->applied.front().id, "0001_catalog");
  EXPECT_EQ(database.Scalar("SELECT to_regclass('tracks') IS NOT NULL"), "t");
  EXPECT_EQ(database.Scalar("SELECT count(*) FROM schema_migrations"),
            std::to_string(RepositoryMigrationCount()));

  auto second = migrator.Apply();
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->applied.empty());
  EXPECT_EQ(second->total, RepositoryMigrationCount());

  auto status = migrator.Status();
  ASSERT_TRUE(status) << status.error().message;
  for (const auto& s : *status) EXPECT_EQ(s.state, MigrationState::kApplied) << s.name;
}

TEST(Migrator, RecordsTheChecksumOfTheFile) {
  TestDatabase database;
  ASSERT_TRUE(Migrator({database.dsn(), TUNEFLEET_SOURCE_DIR "/migrations"}).Apply());
  auto files = LoadMigrationFiles(TUNEFLEET_SOURCE_DIR "/migrations");
  ASSERT_TRUE(files);
  EXPECT_EQ(database.Scalar("SELECT checksum FROM schema_migrations WHERE version = 1"),
            (*files)[0].checksum);
  EXPECT_EQ(database.Scalar("SELECT name FROM schema_migrations WHERE version = 1"), "catalog");
}

TEST(Migrator, StatusOfAFreshDatabaseIsAllPendingAndCreatesNothing) {
  TestDatabase database;
  auto status = Migrator({database.dsn(), TUNEFLEET_SOURCE_DIR "/migrations"}).Status();
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(status->size(), RepositoryMigrationCount());
  for (const auto& s : *status) EXPECT_EQ(s.state, MigrationState::kPending);
  EXPECT_EQ(database.Scalar("SELECT to_regclass('schema_migrations') IS NULL"), "t");
}

TEST(Migrator, RefusesAnEditedMigrationAndAppliesNothingElse) {
  TestDatabase database;
  TempDir dir;
  migrate_test::CopyRepositoryMigrations(dir.path());
  Migrator migrator({database.dsn(), dir.path().string()});
  ASSERT_TRUE(migrator.Apply());

  Append(dir.path() / "0001_catalog.sql", "\n-- a harmless comment is still an edit\n");
  std::ofstream(dir.path() / "9001_extra.sql") << "CREATE TABLE extra (id int);\n";

  auto again = migrator.Apply();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, core::ErrorKind::kInvalidInput);
  const std::string& message = again.error().message;
  EXPECT_NE(message.find("migration 0001_catalog.sql was edited after it was applied (checksum "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("add a new migration instead"), std::string::npos) << message;
  EXPECT_EQ(database.Scalar("SELECT to_regclass('extra') IS NULL"), "t");
  EXPECT_EQ(database.Scalar("SELECT count(*) FROM schema_migrations WHERE version = 9001"), "0");

  auto status = migrator.Status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->front().state, MigrationState::kEdited);
  EXPECT_EQ(status->back().state, MigrationState::kPending);
}

TEST(Migrator, RefusesWhenTheFileOfAnAppliedMigrationIsMissing) {
  TestDatabase database;
  TempDir dir;
  migrate_test::CopyRepositoryMigrations(dir.path());
  std::ofstream(dir.path() / "9001_extra.sql") << "CREATE TABLE extra (id int);\n";
  Migrator migrator({database.dsn(), dir.path().string()});
  ASSERT_TRUE(migrator.Apply());

  std::filesystem::remove(dir.path() / "9001_extra.sql");
  auto again = migrator.Apply();
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("migration 9001_extra.sql was applied at "),
            std::string::npos)
      << again.error().message;
  auto status = migrator.Status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->back().state, MigrationState::kMissing);
}

TEST(Migrator, AFailingMigrationNamesTheFileAndLeavesNothingBehind) {
  TestDatabase database;
  TempDir dir;
  migrate_test::CopyRepositoryMigrations(dir.path());
  std::ofstream(dir.path() / "9001_broken.sql")
      << "CREATE TABLE half_done (id int);\n\nCREAT TABLE typo (id int);\n";
  auto report = Migrator({database.dsn(), dir.path().string()}).Apply();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().kind, core::ErrorKind::kInvalidInput);
  const std::string& message = report.error().message;
  EXPECT_NE(message.find("migration 9001_broken.sql failed: syntax error at or near \"CREAT\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("(line 3)"), std::string::npos) << message;
  // The migrations before it are applied and recorded; nothing of the broken one is.
  EXPECT_EQ(database.Scalar("SELECT to_regclass('tracks') IS NOT NULL"), "t");
  EXPECT_EQ(database.Scalar("SELECT to_regclass('half_done') IS NULL"), "t");
  EXPECT_EQ(database.Scalar("SELECT max(version) FROM schema_migrations"),
            std::to_string(RepositoryLatestVersion()));
}

TEST(Migrator, AnUnreachableServerIsTransientAndNamesHostAndPortButNotThePassword) {
  Migrator migrator({"postgresql://tunefleet:s3cretpw@127.0.0.1:1/tunefleet",
                     TUNEFLEET_SOURCE_DIR "/migrations"});
  auto report = migrator.Apply();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().kind, core::ErrorKind::kTransient);
  EXPECT_NE(report.error().message.find("127.0.0.1:1"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("scripts/stack up"), std::string::npos);
  EXPECT_EQ(report.error().message.find("s3cretpw"), std::string::npos);
}

}  // namespace
}  // namespace db
