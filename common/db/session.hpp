#pragma once

#include <exception>
#include <memory>
#include <string>
#include <type_traits>

#include "common/core/result.hpp"
#include "common/db/errors.hpp"

// libpqxx 6.4's base of every connection type (transactions take one). Declared, not
// included: this header names no other pqxx type, and only .cpp files that already use
// libpqxx (common/db, the builders' database code) call Session::Connection().
namespace pqxx {
class connection_base;
}  // namespace pqxx

namespace db {

struct SessionSettings {
  // SET jit = off on every connection the session opens (kept by libpqxx if it reconnects
  // on its own). JIT is chosen by estimated cost, and our batch statements (500-element
  // arrays, correlated subqueries, laterals, tables without statistics yet) easily pass
  // jit_above_cost: compiling the catalog merge took 1.5 s for a statement that then ran in
  // 20 ms. False leaves the server's setting alone.
  bool disable_jit = true;
};

namespace detail {
// The T of Session::Run's Result<T>: a body may return T, Result<T> or nothing.
template <typename T>
struct ResultValue {
  using type = T;
};
template <typename T>
struct ResultValue<core::Result<T>> {
  using type = T;
};
template <typename Body>
using RunValue = typename ResultValue<std::remove_cvref_t<std::invoke_result_t<Body&>>>::type;
}  // namespace detail

// One PostgreSQL connection to `dsn`, opened on first use with the session settings, and
// reopened on the next use after it broke or after Reset(). Blocking; confined to one
// thread, like the connection and everything opened on it. Not copyable.
class Session {
 public:
  explicit Session(std::string dsn, SessionSettings settings = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The DSN, for DatabaseError's message (which names host and port, never the password).
  const std::string& dsn() const { return dsn_; }

  // The open connection: opens one (and applies the settings) when there is none yet, it
  // was dropped, or it is no longer open. Throws what libpqxx throws (broken_connection
  // when the server cannot be reached).
  pqxx::connection_base& Connection();

  // Drops the connection; the next Connection() opens a new one. After a failure the
  // connection's state is unknown (a transaction may be half done, the server may be gone),
  // so it is never reused.
  void Reset();

  // Runs `body` (which opens its transactions on Connection()) and returns its value or
  // Result. An exception out of `body` drops the connection, reopened by the next use, and
  // is returned as DatabaseError: kTransient when a retry can succeed (connection lost),
  // kInvalidInput when the statement was refused. Nothing is retried here: a transient error
  // goes back to the caller, whose retry then runs on a new connection.
  template <typename Body>
  auto Run(Body&& body) -> core::Result<detail::RunValue<Body>> {
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<Body&>>) {
        body();
        return core::Ok();
      } else {
        return body();
      }
    } catch (const std::exception& e) {
      Reset();
      return DatabaseError(e, dsn_);
    }
  }

  // Runs SELECT 1 (opening the connection if needed): workers check the database at start.
  core::Result<void> Ping();

 private:
  struct Open;  // the libpqxx connection

  std::string dsn_;
  SessionSettings settings_;
  std::unique_ptr<Open> open_;
};

}  // namespace db
