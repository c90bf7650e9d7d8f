#pragma once

#include <string>

// Where the integration tests find the private stack (scripts/stack): environment variables,
// else the stack's defaults. Tests fail, never skip, when a service is not there.
namespace test_support {

// TUNEFLEET_AMQP_URL, else amqp://guest:guest@127.0.0.1:35672/%2f.
std::string AmqpUrl();
// TUNEFLEET_RABBITMQ_API_URL, else http://guest:guest@127.0.0.1:35673 (no trailing slash).
std::string RabbitApiUrl();
// The tests' PostgreSQL administrator (CREATEDB; it creates and drops the per-test databases):
// TUNEFLEET_PG_ADMIN_DSN, else TUNEFLEET_PG_DSN (a stack without roles), else
// postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet.
std::string PgDsn();

// The least-privilege roles of the stack (docs/DATABASE.md "Roles"), in the stack's own
// database; TestDatabase points them at its database. Where the stack names no roles
// (TUNEFLEET_PG_ADMIN_DSN unset) each is PgDsn(), so tests still run, as the administrator.
struct PgRoleDsns {
  std::string owner;   // TUNEFLEET_PG_OWNER_DSN: owns the schema, runs tunefleet migrate
  std::string worker;  // TUNEFLEET_PG_DSN: workers and builders
  std::string reader;  // TUNEFLEET_PG_READER_DSN: similar, export
  bool from_stack = false;  // false: all three are PgDsn()
};
PgRoleDsns PgRoles();

// A short random token for unique names: lower-case hex, unique per process and call.
std::string UniqueSuffix();
// "<suite>_<test>" of the running test, lower case, alphanumerics and '_' only, at most
// `max_length` characters ("test" outside a test).
std::string CurrentTestSlug(std::size_t max_length);

}  // namespace test_support
