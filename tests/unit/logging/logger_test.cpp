#include "common/logging/logger.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace logging {
namespace {

class LoggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = std::tmpfile();
    Configure(Level::kDebug, file_);
  }
  void TearDown() override {
    Configure(Level::kInfo, stderr);
    std::fclose(file_);
  }
  std::string Output() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
    return out;
  }
  std::FILE* file_ = nullptr;
};

TEST_F(LoggerTest, WritesOneJsonObjectPerLineWithJobContext) {
  Logger("runtime").WithJob("job-1", "trace-9").With({{"provider", "spotify"}}).Info("stored", {{"rows", 3}});
  std::string out = Output();
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  EXPECT_NE(out.find("\"level\":\"info\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"component\":\"runtime\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"job_id\":\"job-1\",\"trace_id\":\"trace-9\",\"provider\":\"spotify\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"rows\":3}"), std::string::npos) << out;
}

TEST_F(LoggerTest, EscapesQuotesNewlinesAndControlCharacters) {
  Logger("t").Warn("a \"quoted\"\nline\x01", {{"path", "C:\\x"}});
  std::string out = Output();
  EXPECT_NE(out.find(R"("msg":"a \"quoted\"\nline\u0001")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("path":"C:\\x")"), std::string::npos) << out;
}

TEST_F(LoggerTest, DropsLinesBelowTheLevel) {
  Configure(Level::kWarn, file_);
  Logger("t").Info("hidden");
  Logger("t").Error("shown");
  std::string out = Output();
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_NE(out.find("shown"), std::string::npos);
}

TEST(LogLevel, ParsesNames) {
  EXPECT_EQ(ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(ParseLevel("error"), Level::kError);
  EXPECT_EQ(ParseLevel("whatever"), Level::kInfo);
}

TEST_F(LoggerTest, ScrubsCredentialsFromTheMessageContextAndEveryStringField) {
  Logger("runtime")
      .With({{"amqp", "amqp://worker:ctx-pw@127.0.0.1:5672/%2f"}})
      .Warn("GET http://h/2.0/?method=track.getInfo&api_key=msg-key: Timeout was reached",
            {{"error", "GET http://h/2.0/?api_key=field-key&format=json: reset"},
             {"header", "Authorization: Bearer field-token"},
             {"dsn", "host=db password=field-pw dbname=x"},
             {"attempt", 2}});
  std::string out = Output();
  for (const char* secret : {"ctx-pw", "msg-key", "field-key", "field-token", "field-pw"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " leaked: " << out;
  }
  EXPECT_NE(out.find("api_key=***&format=json"), std::string::npos) << out;
  EXPECT_NE(out.find("amqp://worker:***@127.0.0.1"), std::string::npos) << out;
  EXPECT_NE(out.find("\"attempt\":2"), std::string::npos) << out;
}

}  // namespace
}  // namespace logging
