#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <string>

#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/test_database.hpp"

// The PostgreSQL roles of deploy/postgres/roles.sql and migrations/0003_roles.sql, as the
// stack creates them: a worker may read and write the catalog's rows and nothing else, the
// reader only reads, the owner migrates. Each test is a statement one role must (or must not)
// be allowed; a refusal is SQLSTATE 42501 (insufficient_privilege).
namespace {

using test_support::TestDatabase;

constexpr const char* kRefused = "42501";

// libpqxx 6.4 tells 42501 by the exception's type (sqlstate() stays empty); 25006 (read-only
// transaction) has no type of its own, so by PostgreSQL's message.
std::string StateOf(const pqxx::sql_error& e) {
  if (!e.sqlstate().empty()) return e.sqlstate();
  if (dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr) return kRefused;
  const std::string what = e.what();
  if (what.find("read-only transaction") != std::string::npos) return "25006";
  return "error: " + what;
}

// Runs `sql` in one transaction as `dsn`'s role: "" when it succeeds, else its SQLSTATE.
std::string Outcome(const std::string& dsn, const std::string& sql) {
  try {
    pqxx::connection conn{dsn};
    pqxx::work tx{conn};
    tx.exec(sql);
    tx.commit();
    return "";
  } catch (const pqxx::sql_error& e) {
    return StateOf(e);
  }
}

class DatabaseRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Fails, never skips: these tests are about the stack's roles.
    ASSERT_TRUE(test_support::PgRoles().from_stack)
        << "TUNEFLEET_PG_ADMIN_DSN is not set: run with the environment of this build's scripts/stack up "
           "(eval \"$(scripts/stack env)\"), which creates the roles";
  }
  TestDatabase db_;
};

TEST_F(DatabaseRolesTest, EachRoleConnectsAsItself) {
  pqxx::connection worker{db_.worker_dsn()};
  pqxx::connection reader{db_.reader_dsn()};
  pqxx::connection owner{db_.owner_dsn()};
  EXPECT_STRNE(worker.username(), owner.username());
  EXPECT_STRNE(reader.username(), owner.username());
  EXPECT_STRNE(worker.username(), reader.username());
  EXPECT_EQ(db_.Scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'tracks'"), owner.username());
}

TEST_F(DatabaseRolesTest, WorkerRoleHasNoClusterPrivilegesAndOwnsNothing) {
  pqxx::connection conn{db_.worker_dsn()};
  pqxx::nontransaction tx{conn};
  auto row = tx.exec1(
      "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles "
      "WHERE rolname = current_user");
  for (const auto& field : row) EXPECT_FALSE(field.as<bool>()) << field.name();
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = "
                     "current_user)")[0]
                .as<int>(),
            0);
}

TEST_F(DatabaseRolesTest, WorkerCannotDropTable) {
  EXPECT_EQ(Outcome(db_.worker_dsn(), "DROP TABLE track_sources"), kRefused);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM pg_tables WHERE tablename = 'track_sources'"), 1);
}

TEST_F(DatabaseRolesTest, WorkerCannotCreateOrAlterTables) {
  EXPECT_EQ(Outcome(db_.worker_dsn(), "CREATE TABLE public.worker_made (id integer)"), kRefused);
  EXPECT_EQ(Outcome(db_.worker_dsn(), "CREATE SCHEMA worker_schema"), kRefused);
  EXPECT_EQ(Outcome(db_.worker_dsn(), "ALTER TABLE tracks ADD COLUMN extra text"), kRefused);
  EXPECT_EQ(Outcome(db_.worker_dsn(), "CREATE INDEX tracks_title_idx ON tracks (title)"), kRefused);
  EXPECT_EQ(Outcome(db_.worker_dsn(), "TRUNCATE track_similar"), kRefused);
}

TEST_F(DatabaseRolesTest, WorkerCannotCreateDatabaseOrRole) {
  // CREATE DATABASE cannot run inside a transaction block.
  auto outside_transaction = [this](const std::string& sql) -> std::string {
    try {
      pqxx::connection conn{db_.worker_dsn()};
      pqxx::nontransaction tx{conn};
      tx.exec(sql);
      tx.exec("DROP DATABASE IF EXISTS tf_roles_worker_made");
      return "";
    } catch (const pqxx::sql_error& e) {
      return StateOf(e);
    }
  };
  EXPECT_EQ(outside_transaction("CREATE DATABASE tf_roles_worker_made"), kRefused);
  EXPECT_EQ(Outcome(db_.worker_dsn(), "CREATE ROLE tf_roles_worker_made"), kRefused);
}

TEST_F(DatabaseRolesTest, WorkerCannotReadAnotherSchema) {
  // A schema someone else (the administrator) owns, with a table in it.
  {
    auto conn = db_.Connect();
    pqxx::work tx{*conn};
    tx.exec("CREATE SCHEMA other_app");
    tx.exec("CREATE TABLE other_app.accounts (id integer, secret text)");
    tx.exec("INSERT INTO other_app.accounts VALUES (1, 'not for workers')");
    tx.commit();
  }
  EXPECT_EQ(Outcome(db_.worker_dsn(), "SELECT * FROM other_app.accounts"), kRefused);
  EXPECT_EQ(Outcome(db_.reader_dsn(), "SELECT * FROM other_app.accounts"), kRefused);
}

TEST_F(DatabaseRolesTest, WorkerCannotRecordAMigration) {
  EXPECT_EQ(Outcome(db_.worker_dsn(), "SELECT count(*) FROM schema_migrations"), "");
  EXPECT_EQ(Outcome(db_.worker_dsn(),
                    "INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES (9999, 'x', 'x', 0)"),
            kRefused);
  EXPECT_EQ(Outcome(db_.worker_dsn(), "DELETE FROM schema_migrations"), kRefused);
}

TEST_F(DatabaseRolesTest, WorkerReadsAndWritesTheCatalogRows) {
  const std::string dsn = db_.worker_dsn();
  EXPECT_EQ(Outcome(dsn, "INSERT INTO artists (name, name_key) VALUES ('Portishead', 'portishead')"), "");
  EXPECT_EQ(Outcome(dsn, "UPDATE artists SET name = 'Portishead!' WHERE name_key = 'portishead'"), "");
  // bigserial: needs USAGE on the sequence.
  EXPECT_EQ(Outcome(dsn, "INSERT INTO job_commits (provider, job_ids, followup_ids) VALUES ('noop', '{j1}', '{0}')"),
            "");
  EXPECT_EQ(Outcome(dsn, "SELECT commits FROM job_effects"), "");
  EXPECT_EQ(Outcome(dsn, "DELETE FROM artists WHERE name_key = 'portishead'"), "");
}

TEST_F(DatabaseRolesTest, ReaderOnlyReads) {
  EXPECT_EQ(Outcome(db_.reader_dsn(), "SELECT count(*) FROM tracks"), "");
  EXPECT_EQ(Outcome(db_.reader_dsn(), "SELECT count(*) FROM job_effects"), "");
  // Every transaction of the reader is read-only (ALTER ROLE ... SET), and under that the grant
  // is SELECT only: asking for a read-write transaction does not help.
  EXPECT_EQ(Outcome(db_.reader_dsn(), "INSERT INTO artists (name, name_key) VALUES ('x', 'x')"), "25006");
  EXPECT_EQ(Outcome(db_.reader_dsn(),
                    "SET TRANSACTION READ WRITE; INSERT INTO artists (name, name_key) VALUES ('x', 'x')"),
            kRefused);
  EXPECT_EQ(Outcome(db_.reader_dsn(), "SET TRANSACTION READ WRITE; DELETE FROM tracks"), kRefused);
}

TEST_F(DatabaseRolesTest, TablesOfLaterMigrationsAreGrantedToo) {
  // What a migration after 0003 does, as the owner that `tunefleet migrate` runs as.
  EXPECT_EQ(Outcome(db_.owner_dsn(), "CREATE TABLE later_table (id bigserial PRIMARY KEY, note text)"), "");
  EXPECT_EQ(Outcome(db_.worker_dsn(), "INSERT INTO later_table (note) VALUES ('written by a worker')"), "");
  EXPECT_EQ(Outcome(db_.reader_dsn(), "SELECT note FROM later_table"), "");
  EXPECT_EQ(Outcome(db_.worker_dsn(), "DROP TABLE later_table"), kRefused);
}

TEST(DatabaseRolesMigrate, MigrateRunsAsTheOwnerAndRefusesTheWorkerRoleNamingTheVariable) {
  ASSERT_TRUE(test_support::PgRoles().from_stack) << "TUNEFLEET_PG_ADMIN_DSN is not set (scripts/stack env)";
  TestDatabase db{TestDatabase::Schema::kEmpty};
  auto as_worker = test_support::RunTunefleet({"migrate"}, {{"TUNEFLEET_PG_DSN", db.worker_dsn()}});
  EXPECT_NE(as_worker.exit_code, 0) << as_worker.out << as_worker.err;
  EXPECT_NE(as_worker.err.find("TUNEFLEET_PG_DSN"), std::string::npos) << as_worker.err;
  EXPECT_NE(as_worker.err.find("owner"), std::string::npos) << as_worker.err;
  EXPECT_EQ(as_worker.err.find(db.worker_dsn()), std::string::npos) << "the DSN (with its password) was printed";

  auto as_owner = test_support::RunTunefleet({"migrate"}, {{"TUNEFLEET_PG_DSN", db.owner_dsn()}});
  ASSERT_EQ(as_owner.exit_code, 0) << as_owner.out << as_owner.err;
  EXPECT_EQ(Outcome(db.worker_dsn(), "INSERT INTO artists (name, name_key) VALUES ('Low', 'low')"), "");
  EXPECT_EQ(Outcome(db.worker_dsn(), "DROP TABLE artists"), kRefused);
}

}  // namespace
