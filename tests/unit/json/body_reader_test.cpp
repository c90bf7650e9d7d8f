// json::Body and json::Node: what every provider parser reads bodies with.
#include "common/json/body_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace json {
namespace {

Body Parsed(std::string_view text) {
  auto parsed = Body::Parse(text, "test answer");
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message);
  return std::move(*parsed);
}

std::string ProblemOf(const Body& body) { return body.Problem() ? body.Problem()->message : "(no problem)"; }

TEST(BodyReader, BodiesThatAreNoJsonObjectAreTransientNamingWhy) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"", "test answer: empty body"},
      {" \r\n\t", "test answer: empty body"},
      {"  <html><body>502 Bad Gateway</body></html>", "test answer: an HTML page, not JSON (43 bytes starting \"<html>"},
      {R"({"a":[1,2)", "test answer: malformed JSON: body is not JSON (truncated?): "},
      {R"({"a":"cut)", "test answer: malformed JSON: body is not JSON (truncated?): "},
      {R"({"a":1}} trailing)", "test answer: malformed JSON: body is not JSON: The document root must not be followed by other values. at offset 7 of 17"},
      {"[1,2]", "test answer: the body is an array, expected a JSON object"},
      {"\"text\"", "test answer: the body is a string, expected a JSON object"},
  };
  for (const auto& c : cases) {
    auto parsed = Body::Parse(c.text, "test answer");
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error().kind, core::ErrorKind::kTransient) << c.text;
    EXPECT_EQ(parsed.error().message.rfind(c.message, 0), 0u) << parsed.error().message;
  }
  EXPECT_TRUE(Body::Parse(" {} ", "test answer").has_value());
}

// Found by reasoning about RapidJSON's recursive parser (the fuzz targets can reach it only with
// -max_len raised): a body nested a million levels deep overflowed the stack and crashed the
// worker. A provider, a proxy or anyone in between could send one.
TEST(BodyReader, DeeplyNestedBodiesAreTransientNotACrash) {
  constexpr std::size_t kLevels = 1'000'000;
  const std::string arrays = R"({"a":)" + std::string(kLevels, '[') + std::string(kLevels, ']') + "}";
  const std::string objects = [] {
    std::string text;
    for (std::size_t i = 0; i < kLevels; ++i) text += R"({"a":)";
    text += "1";
    text += std::string(kLevels, '}');
    return text;
  }();
  for (const std::string* text : {&arrays, &objects}) {
    auto parsed = Body::Parse(*text, "test answer");
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().kind, core::ErrorKind::kTransient);
    EXPECT_EQ(parsed.error().message.rfind("test answer: nested deeper than 256 levels", 0), 0u)
        << parsed.error().message;
  }
  // Brackets inside strings do not count; 256 levels are still read.
  const std::string in_string = R"({"a":")" + std::string(kLevels, '[') + R"("})";
  EXPECT_TRUE(Body::Parse(in_string, "test answer").has_value());
  std::string deep_enough = std::string(255, '[') + std::string(255, ']');
  EXPECT_TRUE(Body::Parse(R"({"a":)" + deep_enough + "}", "test answer").has_value());
  EXPECT_FALSE(Body::Parse(R"({"a":[)" + deep_enough + "]}", "test answer").has_value());
}

TEST(BodyReader, WrongTypesAreInvalidInputNamingTheJsonPointer) {
  Body body = Parsed(R"({"a":[{"b":[1,{"c":5}]}]})");
  EXPECT_FALSE(body.Root()["a"].At(0)["b"].At(1)["c"].OptString().has_value());
  ASSERT_TRUE(body.Problem().has_value());
  EXPECT_EQ(body.Problem()->kind, core::ErrorKind::kInvalidInput);
  EXPECT_EQ(body.Problem()->message, "test answer: /a/0/b/1/c is a number, expected a string");
}

TEST(BodyReader, ArraysInArraysGetEveryIndex) {
  Body body = Parsed(R"({"m":[[0,1],[2,[3,"x"]]]})");
  EXPECT_EQ(body.Root()["m"].At(1).At(1).At(1).Path(), "/m/1/1/1");
  EXPECT_EQ(body.Root()["m"].At(0).At(1).Path(), "/m/0/1");
  std::vector<std::string> paths;
  for (Node row : body.Root()["m"].Items()) paths.push_back(row.Path());
  EXPECT_EQ(paths, (std::vector<std::string>{"/m/0", "/m/1"}));
  EXPECT_EQ(body.Root()["m"].At(1).At(1).At(1).AsString(), "x");
}

TEST(BodyReader, PointerTokensAreEscaped) {
  Body body = Parsed(R"({"x/y~z":{"":true}})");
  body.Root()["x/y~z"][""].OptInt64();
  EXPECT_EQ(ProblemOf(body), "test answer: /x~1y~0z/ is a boolean, expected an integer");
}

TEST(BodyReader, MissingMembersNameWhereTheyWouldBe) {
  Body body = Parsed(R"({"a":[{"b":1}]})");
  EXPECT_EQ(body.Root()["a"].At(0)["nope"].RequireString(), "");
  EXPECT_EQ(ProblemOf(body), "test answer: /a/0/nope is missing");

  // Below a missing member, the missing member is what is missing.
  Body deeper = Parsed(R"({"a":{}})");
  EXPECT_FALSE(deeper.Root()["a"]["gone"]["deeper"].RequireArray().Present());
  EXPECT_EQ(ProblemOf(deeper), "test answer: /a/gone is missing");
}

TEST(BodyReader, NullIsPresentButReadsAsAbsent) {
  Body body = Parsed(R"({"n":null})");
  Node n = body.Root()["n"];
  EXPECT_TRUE(n.Present());
  EXPECT_FALSE(n.Given());
  EXPECT_TRUE(n.IsNull());
  EXPECT_FALSE(body.Root()["absent"].Present());
  EXPECT_FALSE(n.OptString().has_value());
  EXPECT_FALSE(n.OptInt64().has_value());
  EXPECT_FALSE(n.OptArray().Present());
  EXPECT_FALSE(body.Problem().has_value()) << ProblemOf(body);
  n.RequireString();
  EXPECT_EQ(ProblemOf(body), "test answer: /n is missing");
}

TEST(BodyReader, OnlyTheFirstProblemIsKept) {
  Body body = Parsed(R"({"a":1,"b":2,"s":"fine"})");
  body.Root()["a"].OptString();
  body.Root()["b"].OptBool();
  body.Fail("a problem without a path");
  auto finished = body.Finish(std::string("value"));
  ASSERT_FALSE(finished.has_value());
  EXPECT_EQ(finished.error().message, "test answer: /a is a number, expected a string");

  Body clean = Parsed(R"({"s":"fine"})");
  auto value = clean.Finish(*clean.Root()["s"].OptString());
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "fine");
}

TEST(BodyReader, LenientReadsRecordNoProblem) {
  Body body = Parsed(R"({"n":7,"d":7.5,"s":"t","b":false,"o":{},"a":[]})");
  Node root = body.Root();
  EXPECT_FALSE(root["n"].AsString().has_value());
  EXPECT_FALSE(root["s"].AsInt64().has_value());
  EXPECT_FALSE(root["d"].AsInt64().has_value());
  EXPECT_FALSE(root["s"].AsDouble().has_value());
  EXPECT_FALSE(root["n"].AsBool().has_value());
  EXPECT_FALSE(root["s"]["x"].Present());
  EXPECT_FALSE(root["o"].At(0).Present());
  EXPECT_FALSE(body.Problem().has_value()) << ProblemOf(body);
}

TEST(BodyReader, NumbersKeepIntegersApartFromDoubles) {
  Body body = Parsed(R"({"i":7,"f":7.0,"h":1.5,"big":18446744073709551615,"t":true})");
  Node root = body.Root();
  EXPECT_TRUE(root["i"].IsInt64());
  EXPECT_FALSE(root["f"].IsInt64());
  EXPECT_FALSE(root["big"].IsInt64());
  EXPECT_EQ(root["i"].OptInt64(), 7);
  EXPECT_EQ(root["i"].OptDouble(), 7.0);
  EXPECT_EQ(root["h"].AsDouble(), 1.5);
  EXPECT_EQ(root["t"].OptBool(), true);
  EXPECT_FALSE(body.Problem().has_value()) << ProblemOf(body);
  EXPECT_FALSE(root["h"].OptInt64().has_value());
  EXPECT_EQ(ProblemOf(body), "test answer: /h is not an integer, expected an integer");
}

TEST(BodyReader, ProblemsOfTheBodyItselfCallItTheBody) {
  Body body = Parsed(R"({"x":1})");
  body.Root().OptArray("an artist list");
  EXPECT_EQ(ProblemOf(body), "test answer: the body is an object, expected an artist list");
  Body empty = Parsed(R"({})");
  empty.Root().Problem("has none of the fields");
  EXPECT_EQ(ProblemOf(empty), "test answer: the body has none of the fields");
}

TEST(BodyReader, ContainersReadAsThemselvesOrAsAbsent) {
  Body body = Parsed(R"({"list":["a","b"],"obj":{"k":1},"str":"s"})");
  Node root = body.Root();
  EXPECT_EQ(root["list"].OptArray().Size(), 2u);
  EXPECT_EQ(root["obj"].RequireObject().Size(), 1u);
  std::vector<std::string> items;
  for (Node item : root["list"].Items()) items.emplace_back(*item.AsString());
  EXPECT_EQ(items, (std::vector<std::string>{"a", "b"}));
  int seen = 0;
  for (Node item : root["obj"].Items()) {
    (void)item;
    ++seen;
  }
  EXPECT_EQ(seen, 0) << "an object has no items";
  EXPECT_FALSE(body.Problem().has_value()) << ProblemOf(body);
  EXPECT_FALSE(root["str"].OptObject().Present());
  EXPECT_EQ(ProblemOf(body), "test answer: /str is a string, expected an object");
}

TEST(BodyReader, JsonLeavesOutDroppedMembersAtAnyDepth) {
  Body body = Parsed(R"({"a":1,"images":[1],"b":{"images":2,"c":[{"images":3,"d":"\u00e9"}]}})");
  EXPECT_EQ(body.Root().Json({"images"}), "{\"a\":1,\"b\":{\"c\":[{\"d\":\"\xc3\xa9\"}]}}");
  EXPECT_EQ(body.Root()["b"]["c"].At(0).Json(), "{\"images\":3,\"d\":\"\xc3\xa9\"}");
  EXPECT_EQ(body.Root()["nope"].Json(), "");
}

TEST(BodyReader, NodesOutliveAMoveOfTheirBody) {
  Body body = Parsed(R"({"a":{"b":"x"}})");
  Node b = body.Root()["a"]["b"];
  Body moved = std::move(body);
  EXPECT_EQ(b.AsString(), "x");
  b.OptInt64();
  EXPECT_EQ(ProblemOf(moved), "test answer: /a/b is a string, expected an integer");
}

}  // namespace
}  // namespace json
