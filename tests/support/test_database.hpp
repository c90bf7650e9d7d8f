#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace test_support {

// A throwaway PostgreSQL database: CREATE DATABASE tf_<test>_<random> on construction, owned by
// the stack's owner role (then, for kMigrated, the repository's migrations/ applied with
// db::Migrator as that role, as `tunefleet migrate` is run), DROP ... WITH (FORCE)
// on destruction, so tests run in any order and in parallel. Throws (failing the test, never
// skipping it) when PostgreSQL is not reachable. Every query opens its own connection, so
// a database restart between two queries does not matter.
class TestDatabase {
 public:
  enum class Schema { kMigrated, kEmpty };

  explicit TestDatabase(Schema schema = Schema::kMigrated);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // The administrator's DSN for this database (may do anything in it: fixtures, checks).
  const std::string& dsn() const { return dsn_; }
  // This database as the stack's least-privilege roles (test_support::PgRoles): the worker
  // role for worker and builder processes, the reader for similar/export, the owner that
  // migrated it. Each is dsn() where the stack names no roles.
  const std::string& worker_dsn() const { return worker_dsn_; }
  const std::string& reader_dsn() const { return reader_dsn_; }
  const std::string& owner_dsn() const { return owner_dsn_; }
  std::unique_ptr<pqxx::connection> Connect() const;
  // The first column of the single row of `sql`, as text ("" for NULL).
  std::string Scalar(const std::string& sql) const;
  // The first column of the single row of `sql` as an integer (count(*) and friends).
  std::int64_t Int(const std::string& sql) const;
  // Every row of `sql`, every column as text ("" for NULL).
  std::vector<std::vector<std::string>> Rows(const std::string& sql) const;

 private:
  std::string name_;
  std::string dsn_;
  std::string worker_dsn_;
  std::string reader_dsn_;
  std::string owner_dsn_;
};

}  // namespace test_support
