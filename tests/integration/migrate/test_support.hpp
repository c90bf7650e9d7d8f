#pragma once

#include <pqxx/pqxx>

#include <filesystem>
#include <string>

#include "tests/support/test_database.hpp"

// Helpers for the integration tests of migrations: an empty throwaway database per test and a
// copy of the repository's migrations. Folders and runs of the built `tunefleet` binary come
// from tests/support (temp_dir.hpp, cli_process.hpp).
namespace migrate_test {

// An empty throwaway database (tests/support/test_database.hpp): these tests apply the
// migrations themselves.
class TestDatabase : public test_support::TestDatabase {
 public:
  TestDatabase() : test_support::TestDatabase(Schema::kEmpty) {}
};

// Copies the repository's migrations/ into `dir`.
void CopyRepositoryMigrations(const std::filesystem::path& dir);

}  // namespace migrate_test
