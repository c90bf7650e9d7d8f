#include "common/db/errors.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <string>

namespace db {
namespace {

constexpr const char* kDsn = "postgresql://tunefleet_worker:s3cret@127.0.0.1:35432/tunefleet";

// libpq 15's words, as tests/integration/tls sees them from a verify-full DSN.
constexpr const char* kWrongCa =
    "connection to server at \"localhost\" (127.0.0.1), port 42432 failed: SSL error: certificate verify failed";
constexpr const char* kWrongHost =
    "connection to server at \"127.0.0.1\", port 42432 failed: server certificate for \"localhost\" (and 1 other "
    "name) does not match host name \"127.0.0.1\"";

TEST(DatabaseError, MissingGrantIsTransientAndNamesTheVariableAndTheRole) {
  // As libpqxx 6.4 throws it: the type says 42501, sqlstate() is empty.
  pqxx::insufficient_privilege e{"ERROR:  permission denied for table tracks\n", "INSERT INTO tracks ..."};
  core::Error error = DatabaseError(e, kDsn);
  EXPECT_EQ(error.kind, core::ErrorKind::kTransient) << error.message;
  EXPECT_NE(error.message.find("permission denied for table tracks"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("TUNEFLEET_PG_DSN"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("tunefleet_worker"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("s3cret"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
}

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
