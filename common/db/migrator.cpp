#include "common/db/migrator.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <utility>

#include "common/db/connection.hpp"
#include "common/db/errors.hpp"

namespace db {
namespace {

// Held for the whole of Apply(): "tunefleetmigrate" folded into 63 bits. Any process that
// migrates this database must use the same key.
constexpr std::int64_t kMigrationLockKey = 0x74756e65666c6d67;

// The migrator's own bookkeeping table has to exist before the first migration runs, so it is
// the one piece of DDL outside migrations/.
constexpr const char* kCreateSchemaMigrations = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       integer PRIMARY KEY,
  name          text NOT NULL,
  checksum      text NOT NULL,
  applied_at    timestamptz NOT NULL DEFAULT now(),
  execution_ms  integer NOT NULL
))sql";

constexpr const char* kSchemaMigrationsExists =
    "SELECT to_regclass('schema_migrations') IS NOT NULL";

constexpr const char* kSelectMigrations = R"sql(
SELECT version, name, checksum,
       to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || 'Z' AS applied_at
FROM schema_migrations ORDER BY version)sql";

constexpr const char* kInsertMigration =
    "INSERT INTO schema_migrations (version, name, checksum, execution_ms) "
    "VALUES ($1, $2, $3, $4)";

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// libpq messages span lines ("ERROR:  ...\nLINE 3: ...\n   ^"); keep the first line, without
// the severity prefix, plus the line number when there is one.
std::string OneLine(std::string_view message) {
  std::string first(message.substr(0, message.find('\n')));
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (first.rfind(prefix, 0) == 0) first.erase(0, prefix.size());
  }
  if (auto at = message.find("\nLINE "); at != std::string_view::npos) {
    auto colon = message.find(':', at);
    if (colon != std::string_view::npos) {
      first += " (line " + std::string(message.substr(at + 6, colon - at - 6)) + ")";
    }
  }
  return first;
}

core::Error ConnectionError(const std::string& dsn, const pqxx::broken_connection& e) {
  std::string why = OneLine(e.what());
  std::string where = "PostgreSQL at " + DescribeDsn(dsn);
  if (auto fix = TlsFailureFix(why); !fix.empty()) {
    return core::Error::InvalidInput("cannot connect to " + where + ": " + why + "; " + fix);
  }
  // Reachable but refusing us: retrying will not help, the DSN has to change.
  if (why.find("authentication failed") != std::string::npos ||
      why.find("does not exist") != std::string::npos) {
    return core::Error::InvalidInput("cannot connect to " + where + ": " + why +
                                     "; check TUNEFLEET_PG_DSN");
  }
  return core::Error::Transient("cannot connect to " + where + ": " + why +
                                "; is PostgreSQL running? scripts/stack up; or set "
                                "TUNEFLEET_PG_DSN");
}

// What to do when PostgreSQL says the role lacks a privilege (42501): migrations need the
// owner role, not a worker's or the reader's.
std::string PrivilegeHint(const pqxx::sql_error& e) {
  // libpqxx 6.4 throws insufficient_privilege for 42501 without filling sqlstate().
  if (e.sqlstate() != "42501" && dynamic_cast<const pqxx::insufficient_privilege*>(&e) == nullptr) return "";
  return "; the role in TUNEFLEET_PG_DSN may not change the schema: run tunefleet migrate as the "
         "owner role (tunefleet_owner, docs/DATABASE.md \"Roles\")";
}

// Quiet NOTICEs ("relation already exists, skipping"): libpqxx prints them on stderr.
void Prepare(pqxx::connection& conn) {
  pqxx::nontransaction tx{conn};
  tx.exec("SET client_min_messages TO warning");
  tx.exec("SET application_name TO 'tunefleet migrate'");
}

std::vector<MigrationRecord> ReadRecords(pqxx::transaction_base& tx) {
  std::vector<MigrationRecord> records;
  for (const auto& row : tx.exec(kSelectMigrations)) {
    records.push_back({row["version"].as<int>(), row["name"].as<std::string>(),
                       row["checksum"].as<std::string>(), row["applied_at"].as<std::string>()});
  }
  return records;
}

core::Result<AppliedMigration> ApplyOne(pqxx::connection& conn, const MigrationFile& file) {
  auto start = Clock::now();
  try {
    pqxx::work tx{conn, "migrate"};
    // The simple query protocol runs a file of many statements in one call, inside tx.
    tx.exec(file.sql);
    auto duration = Since(start);
    tx.exec_params(kInsertMigration, file.version, file.name, file.checksum,
                   static_cast<int>(duration.count()));
    tx.commit();
    return AppliedMigration{file.version, MigrationId(file.version, file.name), duration};
  } catch (const pqxx::sql_error& e) {
    return core::Error::InvalidInput("migration " + file.filename + " failed: " +
                                     OneLine(e.what()) + "; none of it was applied" + PrivilegeHint(e));
  }
}

}  // namespace

Migrator::Migrator(MigratorSettings settings) : settings_(std::move(settings)) {}

core::Result<MigrationReport> Migrator::Apply() {
  auto start = Clock::now();
  auto files = LoadMigrationFiles(settings_.migrations_dir);
  if (!files) return files.error();

  try {
    pqxx::connection conn{settings_.dsn};
    Prepare(conn);

    MigrationReport report;
    std::vector<MigrationRecord> records;
    {
      pqxx::nontransaction tx{conn};
      // Session-level: held until the end of this function, when the connection closes
      // (also if this process dies), so migrations run with no other migrator in between.
      auto lock_start = Clock::now();
      tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
      report.lock_wait = Since(lock_start);
      tx.exec(kCreateSchemaMigrations);
      // Read after taking the lock: whoever held it may have applied what we saw as pending.
      records = ReadRecords(tx);
    }

    auto statuses = CompareMigrations(*files, records);
    if (auto ok = CheckApplicable(statuses); !ok) return ok.error();

    for (const auto& file : *files) {
      bool pending = false;
      for (const auto& status : statuses) {
        if (status.version == file.version) pending = status.state == MigrationState::kPending;
      }
      if (!pending) continue;
      auto applied = ApplyOne(conn, file);
      if (!applied) return applied.error();
      report.applied.push_back(std::move(*applied));
    }
    report.total = statuses.size();
    report.elapsed = Since(start);
    return report;
  } catch (const pqxx::broken_connection& e) {
    return ConnectionError(settings_.dsn, e);
  } catch (const pqxx::in_doubt_error&) {
    return core::Error::Transient("lost the connection to PostgreSQL at " +
                                  DescribeDsn(settings_.dsn) + " while committing a migration; " +
                                  "run tunefleet migrate --status to see whether it was applied");
  } catch (const pqxx::sql_error& e) {
    return core::Error::InvalidInput("migration bookkeeping failed on PostgreSQL at " +
                                     DescribeDsn(settings_.dsn) + ": " + OneLine(e.what()) + PrivilegeHint(e));
  }
}

core::Result<std::vector<MigrationStatus>> Migrator::Status() {
  auto files = LoadMigrationFiles(settings_.migrations_dir);
  if (!files) return files.error();

  try {
    pqxx::connection conn{settings_.dsn};
    Prepare(conn);
    pqxx::nontransaction tx{conn};
    std::vector<MigrationRecord> records;
    if (tx.exec1(kSchemaMigrationsExists)[0].as<bool>()) records = ReadRecords(tx);
    return CompareMigrations(*files, records);
  } catch (const pqxx::broken_connection& e) {
    return ConnectionError(settings_.dsn, e);
  } catch (const pqxx::sql_error& e) {
    return core::Error::InvalidInput("reading schema_migrations failed on PostgreSQL at " +
                                     DescribeDsn(settings_.dsn) + ": " + OneLine(e.what()));
  }
}

}  // namespace db
