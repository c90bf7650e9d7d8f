#include "common/db/errors.hpp"

#include <pqxx/pqxx>

#include <string>

#include "common/core/redact.hpp"
#include "common/db/connection.hpp"

namespace db {

std::string TlsFailureFix(std::string_view message) {
  auto has = [message](std::string_view text) { return message.find(text) != std::string_view::npos; };
  if (has("certificate verify failed")) {
    return "the server's certificate is not signed by the CA in sslrootcert; set sslrootcert in TUNEFLEET_PG_DSN to "
           "the PEM file of the CA that signs it";
  }
  if (has("does not match host name")) {
    return "the server's certificate does not name the host in TUNEFLEET_PG_DSN; connect by a host name the "
           "certificate lists";
  }
  if (has("root certificate file")) {
    return "sslrootcert in TUNEFLEET_PG_DSN must name a readable PEM file of the CA that signs the server's "
           "certificate";
  }
  if (has("server does not support SSL")) {
    return "the server does not offer TLS; enable ssl on the server or change sslmode in TUNEFLEET_PG_DSN";
  }
  return {};
}

core::Error DatabaseError(const std::exception& e, std::string_view dsn) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    // Still transient for a batch (jobs wait for the database rather than being dead-lettered),
    // but the line says what to fix. libpq's text may quote connection parameters: the same
    // rule as every exit.
    std::string first_line = core::Redact(std::string(e.what()).substr(0, std::string(e.what()).find('\n')));
    if (auto fix = TlsFailureFix(first_line); !fix.empty()) {
      return core::Error::Transient("database " + DescribeDsn(dsn) + " refused TLS: " + first_line + "; " + fix);
    }
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
    // A foreign key violation (23503) means a referenced row went away between a check and
    // the write: a merge absorbed it (docs/DATABASE.md, "Merging rows"). The retry reads
    // the aliases and the survivor.
    if (state == "23503" || state.rfind("40", 0) == 0 || state.rfind("08", 0) == 0 || state.rfind("53", 0) == 0 ||
        state.rfind("57P", 0) == 0 || state.empty()) {
      return core::Error::Transient("database error " + state + ": " + first_line);
    }
    return core::Error::InvalidInput("database refused the batch (" + state + "): " + first_line);
  }
  return core::Error::Transient("database error: " + core::Redact(e.what()));
}

}  // namespace db
