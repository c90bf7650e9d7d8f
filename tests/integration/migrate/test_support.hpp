#pragma once

#include <pqxx/pqxx>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_database.hpp"

// Helpers for the integration tests of migrations: a throwaway database per test, a throwaway
// folder, and a way to run the built `tunefleet` binary.
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

struct ProcessResult {
  int exit_code = -1;  // -1 when killed or timed out
  std::string out;
  std::string err;
};

// A started `tunefleet` process with stdout/stderr captured in files of `scratch`.
class TunefleetProcess {
 public:
  // Environment: this process's, minus TUNEFLEET_*, plus `env`.
  TunefleetProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                   const std::filesystem::path& scratch);
  ~TunefleetProcess();
  TunefleetProcess(const TunefleetProcess&) = delete;
  TunefleetProcess& operator=(const TunefleetProcess&) = delete;

  // Waits until the process exits or `deadline` passes (then kills it).
  ProcessResult Wait(std::chrono::steady_clock::time_point deadline);

 private:
  int pid_ = -1;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

// Runs `tunefleet args...` to completion (30 s deadline).
ProcessResult RunTunefleet(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env);

}  // namespace migrate_test
