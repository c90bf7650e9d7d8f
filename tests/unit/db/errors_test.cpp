#include "common/db/errors.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <string>

namespace {

constexpr const char* kDsn = "postgresql://tunefleet_worker:s3cret@127.0.0.1:35432/tunefleet";

TEST(DatabaseError, MissingGrantIsTransientAndNamesTheVariableAndTheRole) {
  // As libpqxx 6.4 throws it: the type says 42501, sqlstate() is empty.
  pqxx::insufficient_privilege e{"ERROR:  permission denied for table tracks\n", "INSERT INTO tracks ..."};
  core::Error error = db::DatabaseError(e, kDsn);
  EXPECT_EQ(error.kind, core::ErrorKind::kTransient) << error.message;
  EXPECT_NE(error.message.find("permission denied for table tracks"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("TUNEFLEET_PG_DSN"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("tunefleet_worker"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("s3cret"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
}

}  // namespace
