#include "common/db/connection.hpp"

#include <gtest/gtest.h>

namespace db {
namespace {

TEST(RedactDsn, HidesThePasswordOfAUri) {
  std::string redacted = RedactDsn("postgresql://tunefleet:s3cret@127.0.0.1:35432/tunefleet");
  EXPECT_EQ(redacted.find("s3cret"), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("password=***"), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("host=127.0.0.1"), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("port=35432"), std::string::npos) << redacted;
}

TEST(RedactDsn, HidesThePasswordOfAKeywordString) {
  std::string redacted = RedactDsn("host=db port=5432 password='it''s secret' dbname=x");
  EXPECT_EQ(redacted.find("secret"), std::string::npos) << redacted;
}

TEST(RedactDsn, LeavesADsnWithoutPasswordReadable) {
  EXPECT_EQ(RedactDsn("host=db dbname=x"), "dbname=x host=db");
}

TEST(RedactDsn, NeverEchoesAnUnparsableDsn) {
  EXPECT_EQ(RedactDsn("host=db password='unterminated"), "<unparsable DSN>");
}

TEST(DescribeDsn, NamesHostPortDatabaseAndUser) {
  EXPECT_EQ(DescribeDsn("postgresql://tunefleet:s3cret@127.0.0.1:35432/catalog"),
            "127.0.0.1:35432 (database catalog, user tunefleet)");
}

TEST(ParseDsn, RejectsGarbage) {
  auto target = ParseDsn("garbage");
  ASSERT_FALSE(target);
  EXPECT_EQ(target.error().kind, core::ErrorKind::kInvalidInput);
}

TEST(DsnWithDatabase, PointsTheSameServerAtAnotherDatabase) {
  auto dsn = DsnWithDatabase("postgresql://u:p@127.0.0.1:35432/tunefleet", "tf_test_1");
  ASSERT_TRUE(dsn) << dsn.error().message;
  auto target = ParseDsn(*dsn);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->dbname, "tf_test_1");
  EXPECT_EQ(target->host, "127.0.0.1");
  EXPECT_EQ(target->port, "35432");
  EXPECT_EQ(target->user, "u");
}

TEST(DsnWithDatabase, AddsTheDatabaseWhenTheDsnHasNone) {
  auto dsn = DsnWithDatabase("host=db user=u", "tf_test_2");
  ASSERT_TRUE(dsn);
  EXPECT_EQ(ParseDsn(*dsn)->dbname, "tf_test_2");
}

}  // namespace
}  // namespace db
