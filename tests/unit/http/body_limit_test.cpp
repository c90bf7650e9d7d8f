// http::BodyLimit: the accounting behind HttpClientSettings::max_response_bytes.
#include "common/http/body_limit.hpp"

#include <gtest/gtest.h>

namespace http {
namespace {

TEST(BodyLimit, AdmitsChunksUpToExactlyTheCap) {
  BodyLimit limit(100);
  EXPECT_TRUE(limit.Admit(60));
  EXPECT_TRUE(limit.Admit(40));
  EXPECT_FALSE(limit.exceeded());
  EXPECT_EQ(limit.received(), 100u);
}

TEST(BodyLimit, RefusesTheChunkThatPassesTheCapAndEveryOneAfter) {
  BodyLimit limit(100);
  EXPECT_TRUE(limit.Admit(99));
  EXPECT_FALSE(limit.Admit(2));
  EXPECT_TRUE(limit.exceeded());
  EXPECT_FALSE(limit.Admit(0));
  EXPECT_FALSE(limit.Admit(1));
}

TEST(BodyLimit, ReadsAtMostTheCapPlusTheRefusedChunk) {
  constexpr std::uint64_t kChunk = 16384;
  BodyLimit limit(1000000);
  std::uint64_t held = 0;
  while (limit.Admit(kChunk)) held += kChunk;
  EXPECT_LE(held, 1000000u);
  EXPECT_LE(limit.received(), 1000000u + kChunk);
}

TEST(BodyLimit, ZeroMeansNoCap) {
  BodyLimit limit(0);
  EXPECT_TRUE(limit.Admit(std::uint64_t{1} << 40));
}

TEST(OversizeMessage, NamesTheProviderTheRequestTheLimitAndTheVariable) {
  std::string message = OversizeMessage("lastfm", "GET http://h/2.0/?api_key=***", 8388608,
                                        "TUNEFLEET_LASTFM_MAX_RESPONSE_BYTES");
  EXPECT_EQ(message,
            "lastfm response over the size limit: GET http://h/2.0/?api_key=*** sent more than 8388608 bytes, the limit "
            "is 8388608; raise TUNEFLEET_LASTFM_MAX_RESPONSE_BYTES if answers this large are expected");
  EXPECT_NE(OversizeMessage("lastfm", "GET u", 10, "V", 104857600).find("announced 104857600 bytes"), std::string::npos);
}

}  // namespace
}  // namespace http
