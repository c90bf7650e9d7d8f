#include "tools/tunefleet/management_api.hpp"

#include <gtest/gtest.h>

namespace ops {
namespace {

TEST(VhostFromAmqpUrl, DecodesThePath) {
  EXPECT_EQ(VhostFromAmqpUrl("amqp://guest:guest@127.0.0.1:35672/%2f"), "/");
  EXPECT_EQ(VhostFromAmqpUrl("amqp://guest:guest@127.0.0.1:35672/%2F"), "/");
  EXPECT_EQ(VhostFromAmqpUrl("amqp://u:p@host:5672/tunefleet-demo"), "tunefleet-demo");
  EXPECT_EQ(VhostFromAmqpUrl("amqps://u:p@host/team%2Fprod"), "team/prod");
  EXPECT_EQ(VhostFromAmqpUrl("amqp://u:p@host/with%20space"), "with space");
}

TEST(VhostFromAmqpUrl, DefaultsToSlashWithoutAPath) {
  EXPECT_EQ(VhostFromAmqpUrl("amqp://guest:guest@127.0.0.1:35672"), "/");
  EXPECT_EQ(VhostFromAmqpUrl("amqp://guest:guest@127.0.0.1:35672/"), "/");
  EXPECT_EQ(VhostFromAmqpUrl("amqp://host?heartbeat=10"), "/");
}

TEST(VhostFromAmqpUrl, IgnoresQueryAndSlashesInThePassword) {
  EXPECT_EQ(VhostFromAmqpUrl("amqp://u:p@host:5672/prod?heartbeat=10"), "prod");
  EXPECT_EQ(VhostFromAmqpUrl("amqp://u:a%2Fb@host:5672/prod"), "prod");
}

TEST(ParseApiUrl, SplitsCredentialsFromTheUrl) {
  auto endpoint = ParseApiUrl("http://guest:guest@127.0.0.1:35673");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->base_url, "http://127.0.0.1:35673");
  EXPECT_EQ(endpoint->user, "guest");
  EXPECT_EQ(endpoint->password, "guest");
  EXPECT_EQ(endpoint->host_port, "127.0.0.1:35673");
}

TEST(ParseApiUrl, DecodesCredentialsAndKeepsAPathPrefix) {
  auto endpoint = ParseApiUrl("https://ops%40team:p%3Ass%2Fw@rabbit.internal/rabbitmq/");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->base_url, "https://rabbit.internal/rabbitmq");
  EXPECT_EQ(endpoint->user, "ops@team");
  EXPECT_EQ(endpoint->password, "p:ss/w");
  EXPECT_EQ(endpoint->host_port, "rabbit.internal:443");
}

TEST(ParseApiUrl, WorksWithoutCredentials) {
  auto endpoint = ParseApiUrl("http://[::1]:15672");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->user, "");
  EXPECT_EQ(endpoint->host_port, "[::1]:15672");
  auto implicit = ParseApiUrl("http://rabbit");
  ASSERT_TRUE(implicit);
  EXPECT_EQ(implicit->host_port, "rabbit:80");
}

TEST(ParseApiUrl, RefusesOtherSchemesNamingTheVariable) {
  auto endpoint = ParseApiUrl("amqp://guest:guest@127.0.0.1:35672");
  ASSERT_FALSE(endpoint);
  EXPECT_EQ(endpoint.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(endpoint.error().message.find("TUNEFLEET_RABBITMQ_API_URL"), std::string::npos);
  EXPECT_FALSE(ParseApiUrl("http://user:pw@"));
}

TEST(PercentEncode, EncodesEverySpecialByte) {
  EXPECT_EQ(PercentEncode("/"), "%2F");
  EXPECT_EQ(PercentEncode("tunefleet.noop.dead"), "tunefleet.noop.dead");
  EXPECT_EQ(PercentEncode("a b&c"), "a%20b%26c");
  EXPECT_EQ(PercentDecode(PercentEncode("caf\xC3\xA9/x")), "caf\xC3\xA9/x");
  EXPECT_EQ(PercentDecode("100%"), "100%");
}

}  // namespace
}  // namespace ops
