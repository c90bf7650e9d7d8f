// core::Redact: the one rule that hides credentials in every URL, DSN, header and error text
// that leaves the process (log lines, metric labels, retry and dead-letter headers, CLI output).
#include "common/core/redact.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace core {
namespace {

using Case = std::pair<std::string, std::string>;  // input, expected

void ExpectAll(const std::vector<Case>& cases) {
  for (const auto& [input, expected] : cases) EXPECT_EQ(Redact(input), expected) << "input: " << input;
}

TEST(Redact, HidesTheLastfmApiKeyAndKeepsEveryOtherParameter) {
  EXPECT_EQ(Redact("http://127.0.0.1:1/lastfm/2.0/?method=track.getInfo&artist=A%20B&api_key=s3cret&format=json"),
            "http://127.0.0.1:1/lastfm/2.0/?method=track.getInfo&artist=A%20B&api_key=***&format=json");
}

TEST(Redact, HidesEverySecretQueryParameterInAnyCaseAndPosition) {
  ExpectAll({
      {"https://h/p?Token=a&x=1&CLIENT_SECRET=bb&sig=c", "https://h/p?Token=***&x=1&CLIENT_SECRET=***&sig=***"},
      {"https://h/p?key=a#frag", "https://h/p?key=***#frag"},
      {"https://h/p?x=1&api_key=zz", "https://h/p?x=1&api_key=***"},  // at the end
      {"https://h/p?apikey=1&access_token=2&refresh_token=3&signature=4&api_sig=5&sk=6&password=7&pass=8",
       "https://h/p?apikey=***&access_token=***&refresh_token=***&signature=***&api_sig=***&sk=***&password=***&pass=***"},
      {"https://h/p?X-Amz-Security-Token=t&X-Amz-Signature=s", "https://h/p?X-Amz-Security-Token=***&X-Amz-Signature=***"},
      {"https://h/p?secret=a;b&x=1", "https://h/p?secret=***&x=1"},
  });
}

TEST(Redact, DecodesPercentEncodedNamesAndUrlsNestedInAQuery) {
  ExpectAll({
      {"https://h/p?api%5Fkey=s3cret&x=1", "https://h/p?api%5Fkey=***&x=1"},
      {"https://h/p?api_key=a%20b%2Bc&x=1", "https://h/p?api_key=***&x=1"},
      {"https://h/login?next=https%3A%2F%2Fo%2Fcb%3Ftoken%3Ds3cret%26x%3D1",
       "https://h/login?next=https%3A%2F%2Fo%2Fcb%3Ftoken%3D***%26x%3D1"},
  });
}

TEST(Redact, KeepsTheUserAndHidesThePasswordInEveryUrlScheme) {
  ExpectAll({
      {"amqp://tunefleet:pw@127.0.0.1:5672/%2f", "amqp://tunefleet:***@127.0.0.1:5672/%2f"},
      {"postgresql://worker:s3cret@db:5432/tunefleet?sslmode=verify-full",
       "postgresql://worker:***@db:5432/tunefleet?sslmode=verify-full"},
      {"redis://:s3cret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"},
      {"http://guest:pw@127.0.0.1:15672/api/overview?x=1", "http://guest:***@127.0.0.1:15672/api/overview?x=1"},
      {"amqps://u:p@ss@h:5671", "amqps://u:***@h:5671"},    // a raw '@' in the password
      {"amqp://u:pa/ss@h:5672/v", "amqp://u:***@h:5672/v"},  // a raw '/' in the password
      {"https://ghp_Token123@github.com/o/r", "https://***@github.com/o/r"},  // a token as the user
  });
}

TEST(Redact, FindsEveryUrlInFreeErrorText) {
  ExpectAll({
      {"GET http://127.0.0.1:9/2.0/?method=track.getInfo&api_key=S1: Timeout was reached",
       "GET http://127.0.0.1:9/2.0/?method=track.getInfo&api_key=***: Timeout was reached"},
      {"see http://h/?token=t1, then http://h/?token=t2) and key=k3.", "see http://h/?token=***, then http://h/?token=***) and key=***."},
      {"primary amqp://a:p1@h1 failed, trying amqp://b:p2@h2 (then \"http://h/?token=t3\")",
       "primary amqp://a:***@h1 failed, trying amqp://b:***@h2 (then \"http://h/?token=***\")"},
      {"<a href='https://h/?key=k1'>x</a>", "<a href='https://h/?key=***'>x</a>"},
  });
}

TEST(Redact, HidesLibpqKeyValuePasswords) {
  ExpectAll({
      {"host=db user=worker password=s3cret dbname=tunefleet", "host=db user=worker password=*** dbname=tunefleet"},
      {"host=db password = s3cret dbname=x", "host=db password = *** dbname=x"},
      {"host=db password='it''s a secret' dbname=x", "host=db password='***' dbname=x"},
      {"host=db password='a\\' b' dbname=x", "host=db password='***' dbname=x"},
      {"sslpassword=k sslkey=/etc/k.pem", "sslpassword=*** sslkey=/etc/k.pem"},
      {"TUNEFLEET_SPOTIFY_CLIENT_SECRET=abc is not allowed", "TUNEFLEET_SPOTIFY_CLIENT_SECRET=*** is not allowed"},
  });
}

TEST(Redact, HidesCredentialHeadersAndAuthSchemes) {
  ExpectAll({
      {"Authorization: Bearer BQDxyz.123", "Authorization: Bearer ***"},
      {"authorization: Basic dXNlcjpwYXNz\r\nAccept: */*", "authorization: Basic ***\r\nAccept: */*"},
      {"Proxy-Authorization: Digest u=\"a\", r=\"b\"", "Proxy-Authorization: Digest ***"},
      {"X-Api-Key: abc123 sent", "X-Api-Key: *** sent"},
      {"token rejected: Bearer eyJ0.eyJ1.sig=", "token rejected: Bearer ***"},
      {"sent 'Basic dXNlcjpwYXNz'", "sent 'Basic ***'"},
      {"Cookie: session=abc", "Cookie: ***"},
  });
}

TEST(Redact, HidesSecretJsonMembers) {
  ExpectAll({
      {R"({"access_token":"BQD1","token_type":"Bearer","expires_in":3600})",
       R"({"access_token":"***","token_type":"Bearer","expires_in":3600})"},
      {R"({"client_secret" : "s", "name":"x"})", R"({"client_secret" : "***", "name":"x"})"},
      {R"({"error":"{\"password\":\"p\"}"})", R"({"error":"{\"password\":\"***\"}"})"},
      {R"({"key":12345,"n":1})", R"({"key":***,"n":1})"},
  });
}

TEST(Redact, LeavesTextWithoutCredentialsAlone) {
  for (const char* text :
       {"https://api.discogs.com/releases/1", "https://h/p?keyword=a&tokens=b&monkey=c", "https://h/p?api_key=",
        "https://h/search?q=a@b", "https://h/p?", "http://127.0.0.1:8080/x", "amqp://127.0.0.1:5672/%2f",
        "invalid job: /track/isrc violates \"pattern\"", "Key (isrc)=(USRC17607839) already exists",
        "x-tunefleet-routing-key: track.spotify", "{\"x-tunefleet-routing-key\":\"track.spotify\"}", "a=b&c=d", "", "=", "key=", "password=''",
        "{\"isrc\":\"USRC1\",\"title\":\"A = B\"}", "HTTP 503 from GET https://h/v1/search?q=isrc%3AUS&type=track"}) {
    EXPECT_EQ(Redact(text), text);
  }
}

TEST(Redact, IsIdempotent) {
  for (const char* text : {"amqp://u:p@h?api_key=k", "Authorization: Bearer t", "password='x y'"}) {
    std::string once = Redact(text);
    EXPECT_EQ(Redact(once), once) << text;
  }
}

TEST(IsSecretName, MatchesCredentialNamesOnly) {
  for (const char* name : {"api_key", "API_KEY", "apikey", "key", "token", "Access_Token", "secret", "client_secret",
                           "signature", "sig", "password", "passwd", "pass", "pwd", "sslpassword", "x-api-key", "X-Amz-Signature"}) {
    EXPECT_TRUE(IsSecretName(name)) << name;
  }
  for (const char* name : {"keyword", "monkey", "tokens", "method", "format", "artist", "user", "sslkey", "passage", "x-tunefleet-routing-key"}) {
    EXPECT_FALSE(IsSecretName(name)) << name;
  }
}

TEST(IsSecretHeader, MatchesCredentialHeadersOnly) {
  for (const char* name : {"Authorization", "proxy-authorization", "Cookie", "X-Api-Key", "X-Auth-Token", "X-Goog-Api-Key"}) {
    EXPECT_TRUE(IsSecretHeader(name)) << name;
  }
  for (const char* name : {"Accept", "Content-Type", "Retry-After", "x-tunefleet-routing-key", "X-RateLimit-Remaining"}) {
    EXPECT_FALSE(IsSecretHeader(name)) << name;
  }
}

}  // namespace
}  // namespace core
