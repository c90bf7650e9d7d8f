// runtime::NormalizeCommand's one output shape, outcome and exit codes, with a fake parser.
#include "common/runtime/normalize_command.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace runtime {
namespace {

TEST(NormalizeCommand, OutcomeFollowsTheErrorKindOrTheRecord) {
  EXPECT_EQ(OutcomeOf({.shape = "track", .record_json = "{}"}), "record");
  EXPECT_EQ(OutcomeOf({.shape = "search"}), "not_found");
  EXPECT_EQ(OutcomeOf({.shape = "error", .error = core::Error::NotFound("gone")}), "not_found");
  EXPECT_EQ(OutcomeOf({.shape = "error", .error = core::Error::Transient("later")}), "transient");
  EXPECT_EQ(OutcomeOf({.shape = "error", .error = core::Error::InvalidInput("bad key")}), "permanent");
}

TEST(NormalizeCommand, WritesAnErrorWithItsCodeAndNoRecord) {
  NormalizedAnswer answer{.shape = "error", .error = core::Error::NotFound("Track not found"), .error_code = 6};
  EXPECT_EQ(NormalizedAnswerJson("lastfm", answer),
            "{\n"
            "  \"provider\": \"lastfm\",\n"
            "  \"shape\": \"error\",\n"
            "  \"outcome\": \"not_found\",\n"
            "  \"error\": {\n"
            "    \"code\": 6,\n"
            "    \"kind\": \"not_found\",\n"
            "    \"message\": \"Track not found\"\n"
            "  }\n"
            "}\n");
}

TEST(NormalizeCommand, EmbedsTheRecordAndTheCandidates) {
  NormalizedAnswer answer{.shape = "search", .record_json = R"({"a":[1,2],"b":null})", .candidates = 3};
  EXPECT_EQ(NormalizedAnswerJson("x", answer),
            "{\n"
            "  \"provider\": \"x\",\n"
            "  \"shape\": \"search\",\n"
            "  \"outcome\": \"record\",\n"
            "  \"candidates\": 3,\n"
            "  \"record\": {\n"
            "    \"a\": [\n"
            "      1,\n"
            "      2\n"
            "    ],\n"
            "    \"b\": null\n"
            "  }\n"
            "}\n");
}

TEST(NormalizeCommand, ReturnsTwoForUsageOneForUnreadableOrRefusedFiles) {
  int calls = 0;
  NormalizeBody refuse = [&calls](std::string_view body) -> core::Result<NormalizedAnswer> {
    ++calls;
    EXPECT_EQ(body, "{\"x\":1}");
    return core::Error::Transient("malformed JSON at offset 3");
  };
  char* none[] = {nullptr};
  EXPECT_EQ(NormalizeCommand("x", refuse, 0, none), 2);
  std::string missing = "/nonexistent/answer.json";
  char* missing_args[] = {missing.data(), nullptr};
  EXPECT_EQ(NormalizeCommand("x", refuse, 1, missing_args), 1);
  EXPECT_EQ(calls, 0);

  auto path = std::filesystem::temp_directory_path() / ("normalize-command-" + std::to_string(getpid()) + ".json");
  {
    std::ofstream out(path, std::ios::binary);
    out << "{\"x\":1}";
  }
  std::string file = path.string();
  char* file_args[] = {file.data(), nullptr};
  EXPECT_EQ(NormalizeCommand("x", refuse, 1, file_args), 1);
  std::filesystem::remove(path);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace runtime
