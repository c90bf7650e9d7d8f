#include "common/db/errors.hpp"

#include <pqxx/pqxx>

#include <string>

#include "common/core/redact.hpp"
#include "common/db/connection.hpp"

namespace db {

core::Error DatabaseError(const std::exception& e, std::string_view dsn) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    // libpq's text may quote connection parameters: the same rule as every exit.
    return core::Error::Transient("database " + DescribeDsn(dsn) + " unavailable: " + core::Redact(e.what()));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    std::string state = sql->sqlstate();
    std::string first_line = std::string(e.what()).substr(0, std::string(e.what()).find('\n'));
    // A missing grant is the deployment's fault, not the job's: retried (later, once the grant
    // is fixed, it succeeds), never dead-lettered at once, and the message says what to fix.
    // libpqxx 6.4 throws insufficient_privilege for 42501 without filling sqlstate().
    if (state == "42501" || dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr) {
      return core::Error::Transient("database " + DescribeDsn(dsn) + " refused a privilege (42501): " + first_line +
                                    "; the role in TUNEFLEET_PG_DSN lacks a grant: workers and builders connect "
                                    "as tunefleet_worker (deploy/postgres/roles.sql, docs/DATABASE.md \"Roles\")");
    }
    // A unique violation (23505) is not transient: CatalogWriter has already replayed the
    // transaction a few times (a race with a concurrent writer's claim resolves there: the id
    // is then seen as taken); the runtime then retries its batch one job at a time and
    // dead-letters a job that conflicts deterministically, instead of retrying it forever.
    if (state.rfind("40", 0) == 0 || state.rfind("08", 0) == 0 || state.rfind("53", 0) == 0 ||
        state.rfind("57P", 0) == 0 || state.empty()) {
      return core::Error::Transient("database error " + state + ": " + first_line);
    }
    return core::Error::InvalidInput("database refused the batch (" + state + "): " + first_line);
  }
  return core::Error::Transient("database error: " + core::Redact(e.what()));
}

}  // namespace db
