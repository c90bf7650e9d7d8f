// http::PercentEncode: query values and path segments. Redaction is core::Redact
// (tests/unit/core/redact_test.cpp).
#include "common/http/url.hpp"

#include <gtest/gtest.h>

namespace http {
namespace {

TEST(PercentEncode, KeepsUnreservedCharactersAndEncodesEveryOtherByte) {
  EXPECT_EQ(PercentEncode("A-z_0.9~"), "A-z_0.9~");
  EXPECT_EQ(PercentEncode("a b+c&d=e/f"), "a%20b%2Bc%26d%3De%2Ff");
  EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");
}

}  // namespace
}  // namespace http
