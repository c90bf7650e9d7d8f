#include "tests/support/test_database.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "common/db/connection.hpp"
#include "common/db/migrator.hpp"
#include "tests/support/endpoints.hpp"

namespace test_support {
namespace {

// tf_<suite>_<test>_<random>, within PostgreSQL's 63-byte identifier limit.
std::string DatabaseName() {
  std::string suffix = UniqueSuffix();
  return "tf_" + CurrentTestSlug(63 - 3 - 1 - suffix.size()) + "_" + suffix;
}

}  // namespace

TestDatabase::TestDatabase(Schema schema) : name_(DatabaseName()) {
  auto at_database = [this](const std::string& base) {
    auto dsn = db::DsnWithDatabase(base, name_);
    if (!dsn) throw std::runtime_error(dsn.error().message);
    return *dsn;
  };
  const PgRoleDsns roles = PgRoles();
  dsn_ = at_database(PgDsn());
  worker_dsn_ = at_database(roles.worker);
  reader_dsn_ = at_database(roles.reader);
  owner_dsn_ = at_database(roles.owner);
  std::string owner_user;  // empty: the administrator owns it (a stack without roles)
  if (roles.from_stack) {
    auto owner = db::ParseDsn(roles.owner);
    if (!owner) throw std::runtime_error("TUNEFLEET_PG_OWNER_DSN: " + owner.error().message);
    owner_user = owner->user;
  }
  try {
    pqxx::connection admin{PgDsn()};
    pqxx::nontransaction tx{admin};
    tx.exec("CREATE DATABASE " + tx.quote_name(name_) +
            (owner_user.empty() ? "" : " OWNER " + tx.quote_name(owner_user)));
  } catch (const pqxx::broken_connection& e) {
    throw std::runtime_error("cannot reach PostgreSQL at " + db::DescribeDsn(PgDsn()) +
                             " (start it with scripts/stack up, or set TUNEFLEET_PG_ADMIN_DSN): " + e.what());
  }
  if (schema == Schema::kMigrated) {
    db::Migrator migrator{{.dsn = owner_dsn_, .migrations_dir = TUNEFLEET_SOURCE_DIR "/migrations"}};
    auto report = migrator.Apply();
    if (!report) throw std::runtime_error("migrating test database " + name_ + ": " + report.error().message);
  }
}

TestDatabase::~TestDatabase() {
  // WITH (FORCE) refuses to end a backend of another role, and an autovacuum worker (which
  // has none) counts as one: then end our own sessions and let a plain DROP DATABASE stop
  // autovacuum. Bounded: a few tries over at most ~10 s.
  std::string error;
  for (int attempt = 0; attempt < 20; ++attempt) {
    try {
      pqxx::connection admin{PgDsn()};
      pqxx::nontransaction tx{admin};
      if (attempt % 2 == 0) {
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
      } else {
        tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " + tx.quote(name_) +
                " AND usename = current_user AND pid <> pg_backend_pid()");
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_));
      }
      return;
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ADD_FAILURE() << "could not drop test database " << name_ << ": " << error;
}

std::unique_ptr<pqxx::connection> TestDatabase::Connect() const { return std::make_unique<pqxx::connection>(dsn_); }

std::string TestDatabase::Scalar(const std::string& sql) const {
  auto conn = Connect();
  pqxx::nontransaction tx{*conn};
  auto row = tx.exec1(sql);
  return row[0].is_null() ? "" : row[0].as<std::string>();
}

std::int64_t TestDatabase::Int(const std::string& sql) const {
  auto conn = Connect();
  pqxx::nontransaction tx{*conn};
  auto row = tx.exec1(sql);
  if (row[0].is_null()) throw std::runtime_error("NULL where a number was expected: " + sql);
  return row[0].as<std::int64_t>();
}

std::vector<std::vector<std::string>> TestDatabase::Rows(const std::string& sql) const {
  auto conn = Connect();
  pqxx::nontransaction tx{*conn};
  std::vector<std::vector<std::string>> out;
  for (const auto& row : tx.exec(sql)) {
    std::vector<std::string> values;
    for (const auto& field : row) values.push_back(field.is_null() ? "" : field.as<std::string>());
    out.push_back(std::move(values));
  }
  return out;
}

}  // namespace test_support
