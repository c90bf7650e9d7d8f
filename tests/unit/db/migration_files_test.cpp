#include "common/db/migration_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace db {
namespace {

namespace fs = std::filesystem;

// A fresh folder under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() / ("tf_db_unit_" + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

std::vector<std::string> Ids(const std::vector<MigrationFile>& files) {
  std::vector<std::string> ids;
  for (const auto& file : files) ids.push_back(MigrationId(file.version, file.name));
  return ids;
}

TEST(ParseMigrationFileNames, SortsByVersionNumber) {
  auto files = ParseMigrationFileNames({"0010_ten.sql", "0002_two.sql", "0001_catalog.sql"});
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(Ids(*files), (std::vector<std::string>{"0001_catalog", "0002_two", "0010_ten"}));
  EXPECT_EQ((*files)[2].filename, "0010_ten.sql");
  EXPECT_EQ((*files)[2].version, 10);
}

TEST(ParseMigrationFileNames, AcceptsAnEmptyList) {
  auto files = ParseMigrationFileNames({});
  ASSERT_TRUE(files);
  EXPECT_TRUE(files->empty());
}

class BadMigrationName : public testing::TestWithParam<std::string> {};

TEST_P(BadMigrationName, IsRejectedNamingTheFile) {
  auto files = ParseMigrationFileNames({"0001_catalog.sql", GetParam()});
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(files.error().message.find("\"" + GetParam() + "\""), std::string::npos)
      << files.error().message;
  EXPECT_NE(files.error().message.find("NNNN_name.sql"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    ParseMigrationFileNames, BadMigrationName,
    testing::Values("README.md", "1_short.sql", "00001_five_digits.sql", "0002-dash.sql",
                    "0002_Upper.sql", "0002_.sql", "0000_zero.sql", "0002_upper.SQL",
                    "0002_backup.sql.bak", ".0002_swap.sql", "0002_with space.sql", "0002.sql"));

TEST(ParseMigrationFileNames, RejectsTwoFilesWithOneVersion) {
  auto files = ParseMigrationFileNames({"0001_catalog.sql", "0002_b.sql", "0002_a.sql"});
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().message,
            "two migrations share version 0002: 0002_a.sql and 0002_b.sql; renumber one of them");
}

TEST(LoadMigrationFiles, ReadsEveryFileWithItsChecksum) {
  TempDir dir;
  dir.Write("0002_second.sql", "SELECT 2;\n");
  dir.Write("0001_first.sql", "abc");
  auto files = LoadMigrationFiles(dir.path());
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].filename, "0001_first.sql");
  EXPECT_EQ((*files)[0].sql, "abc");
  EXPECT_EQ((*files)[0].checksum,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ((*files)[1].sql, "SELECT 2;\n");
}

TEST(LoadMigrationFiles, RejectsAStrayFileNamingIt) {
  TempDir dir;
  dir.Write("0001_first.sql", "SELECT 1;");
  dir.Write("notes.txt", "todo");
  auto files = LoadMigrationFiles(dir.path());
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message.find("\"notes.txt\""), std::string::npos) << files.error().message;
  EXPECT_NE(files.error().message.find(dir.path()), std::string::npos);
}

TEST(LoadMigrationFiles, RejectsAFolderNamedLikeAMigration) {
  TempDir dir;
  fs::create_directory(fs::path(dir.path()) / "0001_folder.sql");
  auto files = LoadMigrationFiles(dir.path());
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message.find("0001_folder.sql is not a regular file"), std::string::npos)
      << files.error().message;
}

TEST(LoadMigrationFiles, FailsOnAMissingFolder) {
  auto files = LoadMigrationFiles("/nonexistent/tunefleet/migrations");
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(files.error().message.find("/nonexistent/tunefleet/migrations"), std::string::npos);
}

TEST(LoadMigrationFiles, ReadsTheRepositoryMigrations) {
  auto files = LoadMigrationFiles(TUNEFLEET_SOURCE_DIR "/migrations");
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_FALSE(files->empty());
  EXPECT_EQ((*files)[0].filename, "0001_catalog.sql");
}

TEST(Sha256Hex, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

MigrationFile File(int version, std::string name, std::string checksum) {
  return {version, name, MigrationFilename(version, name), "", std::move(checksum)};
}

MigrationRecord Record(int version, std::string name, std::string checksum) {
  return {version, std::move(name), std::move(checksum), "2024-05-01 12:00:00Z"};
}

TEST(CompareMigrations, ClassifiesAppliedPendingEditedAndMissing) {
  auto statuses = CompareMigrations(
      {File(1, "catalog", "aaa"), File(2, "edited", "new"), File(4, "pending", "ddd")},
      {Record(3, "gone", "ccc"), Record(2, "edited", "old"), Record(1, "catalog", "aaa")});
  ASSERT_EQ(statuses.size(), 4u);
  EXPECT_EQ(statuses[0].state, MigrationState::kApplied);
  EXPECT_EQ(statuses[0].applied_at, "2024-05-01 12:00:00Z");
  EXPECT_EQ(statuses[1].state, MigrationState::kEdited);
  EXPECT_EQ(statuses[1].checksum_in_database, "old");
  EXPECT_EQ(statuses[1].checksum_on_disk, "new");
  EXPECT_EQ(statuses[2].state, MigrationState::kMissing);
  EXPECT_EQ(statuses[2].name, "gone");
  EXPECT_EQ(statuses[3].state, MigrationState::kPending);
  EXPECT_EQ(statuses[3].applied_at, "");
}

TEST(CheckApplicable, AcceptsAppliedFollowedByPending) {
  auto statuses = CompareMigrations({File(1, "a", "x"), File(2, "b", "y")}, {Record(1, "a", "x")});
  EXPECT_TRUE(CheckApplicable(statuses));
}

TEST(CheckApplicable, RefusesAnEditedMigrationNamingTheFileAndBothChecksums) {
  std::string in_db(64, 'a');
  std::string on_disk(64, 'b');
  auto statuses = CompareMigrations({File(1, "catalog", on_disk), File(2, "next", "y")},
                                    {Record(1, "catalog", in_db)});
  auto ok = CheckApplicable(statuses);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_EQ(ok.error().message,
            "migration 0001_catalog.sql was edited after it was applied (checksum aaaaaaaaaaaa… in "
            "database, bbbbbbbbbbbb… on disk); add a new migration instead");
}

TEST(CheckApplicable, RefusesAnAppliedMigrationWhoseFileIsMissing) {
  auto statuses = CompareMigrations({File(2, "b", "y")}, {Record(1, "a", "x"), Record(2, "b", "y")});
  auto ok = CheckApplicable(statuses);
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message.find("migration 0001_a.sql was applied"), std::string::npos)
      << ok.error().message;
  EXPECT_NE(ok.error().message.find("file is missing"), std::string::npos);
}

TEST(CheckApplicable, RefusesAPendingMigrationNumberedBelowAnAppliedOne) {
  auto statuses = CompareMigrations({File(1, "a", "x"), File(2, "late", "y"), File(3, "c", "z")},
                                    {Record(1, "a", "x"), Record(3, "c", "z")});
  auto ok = CheckApplicable(statuses);
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message.find("0002_late.sql is numbered below 0003_c.sql"),
            std::string::npos)
      << ok.error().message;
}

}  // namespace
}  // namespace db
