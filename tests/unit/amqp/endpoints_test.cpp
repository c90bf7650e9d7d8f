#include "common/amqp/endpoints.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace amqp {
namespace {

using Order = std::vector<std::size_t>;

TEST(SplitUrls, OneUrlIsAListOfOne) {
  EXPECT_EQ(SplitUrls("amqp://guest:guest@127.0.0.1:35672/%2f"),
            std::vector<std::string>{"amqp://guest:guest@127.0.0.1:35672/%2f"});
}

TEST(SplitUrls, CommasSeparateNodesAndBlanksAroundThemAreIgnored) {
  EXPECT_EQ(SplitUrls("amqp://u:p@h1:5672/v, amqp://u:p@h2:5673/v ,\tamqps://u:p@h3:5671/v"),
            (std::vector<std::string>{"amqp://u:p@h1:5672/v", "amqp://u:p@h2:5673/v", "amqps://u:p@h3:5671/v"}));
}

TEST(SplitUrls, EmptyItemsAreDropped) {
  EXPECT_EQ(SplitUrls(",amqp://h1/,,amqp://h2/,"), (std::vector<std::string>{"amqp://h1/", "amqp://h2/"}));
  EXPECT_TRUE(SplitUrls("").empty());
  EXPECT_TRUE(SplitUrls(" , ").empty());
}

TEST(SplitUrls, PercentEncodedCommaStaysInsideItsUrl) {
  EXPECT_EQ(SplitUrls("amqp://h1/a%2Cb,amqp://h2/a%2Cb"), (std::vector<std::string>{"amqp://h1/a%2Cb", "amqp://h2/a%2Cb"}));
}

TEST(EndpointRotation, TriesEveryNodeOnceFromTheStart) {
  EXPECT_EQ(EndpointRotation(3, 0).Order(), (Order{0, 1, 2}));
  EXPECT_EQ(EndpointRotation(3, 2).Order(), (Order{2, 0, 1}));
  EXPECT_EQ(EndpointRotation(3, 7).Order(), (Order{1, 2, 0}));  // start taken modulo the count
}

TEST(EndpointRotation, AfterAConnectionTheNextAttemptTriesThatNodeLast) {
  EndpointRotation rotation(3, 0);
  rotation.Connected(0);
  EXPECT_EQ(rotation.Order(), (Order{1, 2, 0}));
  rotation.Connected(2);  // node 1 was down too: connected to 2
  EXPECT_EQ(rotation.Order(), (Order{0, 1, 2}));
}

TEST(EndpointRotation, FailedAttemptsKeepTheOrder) {
  EndpointRotation rotation(3, 1);
  // Nothing answered: no Connected call; the next attempt starts where this one did.
  EXPECT_EQ(rotation.Order(), (Order{1, 2, 0}));
  EXPECT_EQ(rotation.Order(), (Order{1, 2, 0}));
}

TEST(EndpointRotation, OneNodeIsAlwaysTriedAlone) {
  EndpointRotation rotation(1, 5);
  EXPECT_EQ(rotation.Order(), (Order{0}));
  rotation.Connected(0);
  EXPECT_EQ(rotation.Order(), (Order{0}));
  EXPECT_TRUE(EndpointRotation(0, 3).Order().empty());
}

}  // namespace
}  // namespace amqp
