#include "common/db/session.hpp"

#include <pqxx/pqxx>

namespace db {

struct Session::Open {
  explicit Open(const std::string& dsn) : conn(dsn) {}
  pqxx::connection conn;
};

Session::Session(std::string dsn, SessionSettings settings) : dsn_(std::move(dsn)), settings_(settings) {}

Session::~Session() = default;

pqxx::connection_base& Session::Connection() {
  if (!open_ || !open_->conn.is_open()) {
    open_.reset();
    auto fresh = std::make_unique<Open>(dsn_);
    // set_variable rather than a plain SET: libpqxx replays it when it reconnects by itself.
    if (settings_.disable_jit) fresh->conn.set_variable("jit", "off");
    // Kept only once configured: a failure above leaves no half-set-up connection behind.
    open_ = std::move(fresh);
  }
  return open_->conn;
}

void Session::Reset() { open_.reset(); }

core::Result<void> Session::Ping() {
  return Run([&] {
    pqxx::nontransaction tx(Connection());
    tx.exec1("SELECT 1");
  });
}

}  // namespace db
