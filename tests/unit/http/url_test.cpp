// http::RedactUrl: what a URL looks like in an error message or a log line.
#include "common/http/url.hpp"

#include <gtest/gtest.h>

namespace http {
namespace {

TEST(RedactUrl, HidesTheLastfmApiKeyAndKeepsEveryOtherParameter) {
  EXPECT_EQ(RedactUrl("http://127.0.0.1:1/lastfm/2.0/?method=track.getInfo&artist=A%20B&api_key=s3cret&format=json"),
            "http://127.0.0.1:1/lastfm/2.0/?method=track.getInfo&artist=A%20B&api_key=***&format=json");
}

TEST(RedactUrl, HidesEveryCredentialNameInAnyCaseAndPosition) {
  EXPECT_EQ(RedactUrl("https://h/p?Token=a&x=1&CLIENT_SECRET=bb&sig=c"), "https://h/p?Token=***&x=1&CLIENT_SECRET=***&sig=***");
  EXPECT_EQ(RedactUrl("https://h/p?key=a#frag"), "https://h/p?key=***#frag");
}

TEST(RedactUrl, HidesUserAndPasswordBeforeTheHost) {
  EXPECT_EQ(RedactUrl("http://guest:pw@127.0.0.1:15672/api/overview?x=1"), "http://***@127.0.0.1:15672/api/overview?x=1");
}

TEST(RedactUrl, LeavesUrlsWithoutCredentialsAlone) {
  for (const char* url : {"https://api.discogs.com/releases/1", "https://h/p?keyword=a&tokens=b", "https://h/p?api_key=",
                          "https://h/search?q=a@b", "https://h/p?"}) {
    EXPECT_EQ(RedactUrl(url), url);
  }
}

}  // namespace
}  // namespace http
