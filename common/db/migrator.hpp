#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/db/migration_files.hpp"

namespace db {

struct MigratorSettings {
  std::string dsn;             // libpq URI or key=value string; contains the password
  std::string migrations_dir;  // folder of NNNN_name.sql files
};

struct AppliedMigration {
  int version = 0;
  std::string id;  // "0001_catalog"
  std::chrono::milliseconds duration{0};
};

struct MigrationReport {
  std::vector<AppliedMigration> applied;   // what this run applied, in order
  std::size_t total = 0;                   // migrations recorded after the run
  std::chrono::milliseconds lock_wait{0};  // time spent waiting for another migrator
  std::chrono::milliseconds elapsed{0};    // the whole run, connection included
};

// Applies the migrations of one folder to one database, forward only. Every Apply holds a
// PostgreSQL advisory lock on its own connection, so any number of migrators (processes,
// hosts) may run at once: one applies, the others wait and then find nothing to do. Each
// migration runs in its own transaction together with its schema_migrations row, so a failed
// migration leaves nothing behind. Not thread safe; blocking.
//
// Errors: kTransient when PostgreSQL cannot be reached or the connection breaks (the message
// names host and port, never the password); kInvalidInput for a bad migrations folder, an
// edited, missing or out-of-order migration (checked before anything is applied), and for SQL
// that fails (naming the file).
class Migrator {
 public:
  explicit Migrator(MigratorSettings settings);

  // Applies every pending migration, in version order.
  core::Result<MigrationReport> Apply();
  // One entry per version found in the folder or in the database; changes nothing.
  core::Result<std::vector<MigrationStatus>> Status();

 private:
  MigratorSettings settings_;
};

}  // namespace db
