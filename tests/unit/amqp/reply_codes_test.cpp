#include "common/amqp/reply_codes.hpp"

#include <gtest/gtest.h>

namespace amqp {
namespace {

TEST(ReplyCodes, RefusalsOfTheRequestItselfArePermanent) {
  for (int code : {402, 403, 406, 530, 540, 501, 502, 503, 504, 505}) {
    EXPECT_TRUE(IsPermanentReplyCode(code)) << code;
  }
}

TEST(ReplyCodes, ANodeGoingAwayOrAQueueWithoutALeaderPasses) {
  for (int code : {320, 404, 405, 506, 541, 0, 200}) {
    EXPECT_FALSE(IsPermanentReplyCode(code)) << code;
  }
}

}  // namespace
}  // namespace amqp
