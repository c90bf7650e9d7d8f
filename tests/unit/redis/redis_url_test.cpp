#include "common/redis/redis_url.hpp"

#include <gtest/gtest.h>

namespace redis {
namespace {

TEST(ParseRedisUrl, PlainUrlHasNoCredentialsAndDatabaseZero) {
  auto e = ParseRedisUrl("redis://127.0.0.1:36379/0");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_FALSE(e->tls);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 36379);
  EXPECT_EQ(e->user, "");
  EXPECT_EQ(e->password, "");
  EXPECT_EQ(e->database, 0);
}

TEST(ParseRedisUrl, PasswordOnlyMeansTheDefaultUser) {
  auto e = ParseRedisUrl("redis://:s%40cret@redis.example:6380/3");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->user, "");
  EXPECT_EQ(e->password, "s@cret");
  EXPECT_EQ(e->database, 3);
}

TEST(ParseRedisUrl, UserAndPasswordAreAnAclLogin) {
  auto e = ParseRedisUrl("rediss://worker:pw@localhost:42380/1");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->host, "localhost");
  EXPECT_EQ(e->user, "worker");
  EXPECT_EQ(e->password, "pw");
}

TEST(ParseRedisUrl, OneWordBeforeTheAtIsThePassword) {
  auto e = ParseRedisUrl("redis://token@h:1/0");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->user, "");
  EXPECT_EQ(e->password, "token");
}

TEST(ParseRedisUrl, DefaultsArePort6379AndDatabaseZero) {
  auto e = ParseRedisUrl("redis://[::1]");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->database, 0);
}

TEST(ParseRedisUrl, ADatabaseThatIsNotANumberIsRefusedWithoutThePassword) {
  auto e = ParseRedisUrl("redis://:secret@h:1/cache");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_EQ(e.error().message.find("secret"), std::string::npos) << e.error().message;
}

TEST(ParseRedisUrl, AnotherSchemeIsRefused) { EXPECT_FALSE(ParseRedisUrl("http://h:1/0")); }

}  // namespace
}  // namespace redis
