#pragma once

#include <pqxx/pqxx>

#include <filesystem>
#include <string>

#include "tests/support/test_database.hpp"

// Helpers for the integration tests of migrations: a throwaway database per test and a throwaway
// folder. The tests run the built `tunefleet` binary with tests/support/cli_process.hpp.
namespace migrate_test {

// An empty throwaway database (tests/support/test_database.hpp): these tests apply the
// migrations themselves.
class TestDatabase : public test_support::TestDatabase {
 public:
  TestDatabase() : test_support::TestDatabase(Schema::kEmpty) {}
};

// A fresh folder under the system temp folder, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Copies the repository's migrations/ into `dir`.
void CopyRepositoryMigrations(const std::filesystem::path& dir);

}  // namespace migrate_test
