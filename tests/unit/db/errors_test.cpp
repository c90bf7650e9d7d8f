#include "common/db/errors.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

namespace db {
namespace {

// libpq 15's words, as tests/integration/tls sees them from a verify-full DSN.
constexpr const char* kWrongCa =
    "connection to server at \"localhost\" (127.0.0.1), port 42432 failed: SSL error: certificate verify failed";
constexpr const char* kWrongHost =
    "connection to server at \"127.0.0.1\", port 42432 failed: server certificate for \"localhost\" (and 1 other "
    "name) does not match host name \"127.0.0.1\"";

TEST(TlsFailureFix, NamesSslrootcertForACertificateThatDoesNotVerify) {
  EXPECT_NE(TlsFailureFix(kWrongCa).find("sslrootcert"), std::string::npos);
}

TEST(TlsFailureFix, NamesTheHostForAHostNameMismatch) {
  EXPECT_NE(TlsFailureFix(kWrongHost).find("host name the certificate lists"), std::string::npos);
}

TEST(TlsFailureFix, IsEmptyForOtherConnectionErrors) {
  EXPECT_EQ(TlsFailureFix("connection to server at \"localhost\" (127.0.0.1), port 1 failed: Connection refused"), "");
}

TEST(DatabaseError, ABrokenConnectionForTlsStaysTransientAndSaysWhatToFix) {
  auto error = DatabaseError(pqxx::broken_connection(std::string(kWrongCa) + "\n"),
                             "postgresql://u:secret@localhost:42432/db?sslmode=verify-full");
  EXPECT_EQ(error.kind, core::ErrorKind::kTransient);
  EXPECT_NE(error.message.find("sslrootcert"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("secret"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
}

}  // namespace
}  // namespace db
