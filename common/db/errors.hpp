#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "common/core/error.hpp"

namespace db {

// How a failed database call is reported, one rule for every writer and builder:
// kTransient when retrying later can succeed (connection lost or refused, 42501 a missing grant, 40xxx
// serialization/deadlock, 08xxx connection, 53xxx resources, 57Pxx shutdown, commit in
// doubt), kInvalidInput when the statement itself was refused (constraint, syntax), so
// retrying the same input cannot help. `dsn` only names the server in the message.
core::Error DatabaseError(const std::exception& e, std::string_view dsn);

// When libpq's connection error says the server's certificate did not verify
// (sslmode=verify-ca/verify-full) or TLS could not be used, what to change in TUNEFLEET_PG_DSN;
// otherwise empty. Retrying cannot fix these: the DSN or the server's certificate must change.
std::string TlsFailureFix(std::string_view libpq_message);

}  // namespace db
