// amqp::Connection with several nodes in TUNEFLEET_AMQP_URL: nodes that refuse are skipped,
// and when none answers the error names each one (host:port) and never the credentials.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "common/amqp/connection.hpp"
#include "tests/support/endpoints.hpp"

namespace cluster_test {
namespace {

// A loopback port nothing listens on (bound, then released).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string DeadNode(int port) { return "amqp://guest:s3cret-pw@127.0.0.1:" + std::to_string(port) + "/%2f"; }

// The stack's own node's "host:port".
std::string StackEndpoint() {
  amqp::Connection probe({.url = test_support::AmqpUrl(), .connection_name = "tunefleet-test-probe"});
  auto opened = probe.Open();
  EXPECT_TRUE(opened) << opened.error().message;
  return probe.Endpoint();
}

TEST(ConnectionFailover, SkipsNodesThatRefuseWhateverTheStart) {
  const std::string live = StackEndpoint();
  const std::string list = DeadNode(FreePort()) + "," + DeadNode(FreePort()) + "," + test_support::AmqpUrl();
  // The first node tried is random: every open must end on the live node.
  for (int i = 0; i < 6; ++i) {
    amqp::Connection connection({.url = list, .connection_name = "tunefleet-test-failover"});
    auto opened = connection.Open();
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(connection.Endpoint(), live);
    EXPECT_TRUE(connection.QueueDepthIfExists("tunefleet-test-no-such-queue").has_value());
  }
}

TEST(ConnectionFailover, ReopensOnTheLiveNodeAfterALoss) {
  const std::string list = DeadNode(FreePort()) + "," + test_support::AmqpUrl();
  amqp::Connection connection({.url = list, .connection_name = "tunefleet-test-failover"});
  ASSERT_TRUE(connection.Open());
  const std::string first = connection.Endpoint();
  connection.Close(false);
  ASSERT_TRUE(connection.Open());  // the live node is tried last now, after the dead one
  EXPECT_EQ(connection.Endpoint(), first);
}

TEST(ConnectionFailover, NoNodeAnsweringNamesEachEndpointButNoCredentials) {
  const int a = FreePort();
  const int b = FreePort();
  amqp::Connection connection({.url = DeadNode(a) + "," + DeadNode(b), .connection_name = "tunefleet-test-failover"});
  auto opened = connection.Open();
  ASSERT_FALSE(opened);
  const std::string& why = opened.error().message;
  EXPECT_EQ(opened.error().kind, core::ErrorKind::kTransient) << why;
  EXPECT_NE(why.find("TUNEFLEET_AMQP_URL"), std::string::npos) << why;
  EXPECT_NE(why.find("2 tried"), std::string::npos) << why;
  EXPECT_NE(why.find("127.0.0.1:" + std::to_string(a)), std::string::npos) << why;
  EXPECT_NE(why.find("127.0.0.1:" + std::to_string(b)), std::string::npos) << why;
  EXPECT_EQ(why.find("s3cret-pw"), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << why;
}

}  // namespace
}  // namespace cluster_test
