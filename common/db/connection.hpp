#pragma once

#include <string>
#include <string_view>

#include "common/core/result.hpp"

// Helpers around PostgreSQL connection strings (libpq URIs or "key=value" strings). They
// parse with libpq itself, so whatever libpq accepts is understood the same way here.
namespace db {

// Where a DSN points, for messages. Missing parts are empty, except host and port, which
// fall back to libpq's defaults (PGHOST/PGPORT, then the Unix socket folder and 5432).
struct DsnTarget {
  std::string host;
  std::string port;
  std::string dbname;
  std::string user;
};

core::Result<DsnTarget> ParseDsn(std::string_view dsn);

// The DSN as key=value pairs with any password shown as ***, safe to log:
// "user=tunefleet password=*** dbname=tunefleet host=127.0.0.1 port=35432".
// A DSN libpq cannot parse gives "<unparsable DSN>".
std::string RedactDsn(std::string_view dsn);

// "127.0.0.1:35432 (database tunefleet, user tunefleet)": for error messages, no password.
std::string DescribeDsn(std::string_view dsn);

// The same connection string pointing at another database, in key=value form (tests create
// throwaway databases this way).
core::Result<std::string> DsnWithDatabase(std::string_view dsn, std::string_view dbname);

}  // namespace db
