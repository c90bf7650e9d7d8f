#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

// The rules of the migrations/ folder, as pure functions so they are tested without a
// database: which files are migrations, in which order they run, and whether what the
// database recorded still matches the files (docs/DATABASE.md, "Migrations").
namespace db {

// One NNNN_name.sql file.
struct MigrationFile {
  int version = 0;       // NNNN
  std::string name;      // "catalog"
  std::string filename;  // "0001_catalog.sql"
  std::string sql;       // the file's bytes; empty from ParseMigrationFileNames
  std::string checksum;  // Sha256Hex(sql); empty from ParseMigrationFileNames
};

// A row of schema_migrations.
struct MigrationRecord {
  int version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;  // "2024-05-01 12:00:00Z" (UTC)
};

enum class MigrationState {
  kApplied,  // recorded, and the file is unchanged
  kPending,  // a file the database has not recorded yet
  kEdited,   // recorded, but the file's checksum changed since
  kMissing,  // recorded, but there is no file for it
};

std::string_view ToString(MigrationState state);

struct MigrationStatus {
  int version = 0;
  std::string name;        // from the file when there is one, else from the database
  std::string applied_at;  // empty when pending
  MigrationState state = MigrationState::kPending;
  std::string checksum_in_database;  // empty when pending
  std::string checksum_on_disk;      // empty when missing
};

// "0001_catalog" and "0001_catalog.sql".
std::string MigrationId(int version, std::string_view name);
std::string MigrationFilename(int version, std::string_view name);

// Validates the names of every entry of a migrations folder and sorts them by version.
// kInvalidInput naming the file for any name that is not NNNN_name.sql (four digits, 0001 or
// above; name of lower-case letters, digits and _), and for two files with one version.
core::Result<std::vector<MigrationFile>> ParseMigrationFileNames(
    const std::vector<std::string>& filenames);

// Lists `dir` (every entry, files or not), validates the names as above and reads each file,
// filling sql and checksum. kInvalidInput when the folder or a file cannot be read.
core::Result<std::vector<MigrationFile>> LoadMigrationFiles(const std::string& dir);

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// Joins files (sorted, with checksums) and records (any order) into one status per version,
// sorted by version.
std::vector<MigrationStatus> CompareMigrations(const std::vector<MigrationFile>& files,
                                               const std::vector<MigrationRecord>& records);

// Whether the pending migrations may be applied: kInvalidInput for the first edited or missing
// migration, and for a pending one numbered below an applied one (it would run out of order).
core::Result<void> CheckApplicable(const std::vector<MigrationStatus>& statuses);

}  // namespace db
