#include "tools/provider_sim/query.hpp"

#include <gtest/gtest.h>

namespace provider_sim {
namespace {

TEST(UrlDecode, DecodesPercentEscapesAndPlusInQueries) {
  EXPECT_EQ(UrlDecode("Mr.%20Brightside+live", true), "Mr. Brightside live");
  EXPECT_EQ(UrlDecode("a+b", false), "a+b");
  EXPECT_EQ(UrlDecode("caf%C3%A9", true), "caf\xC3\xA9");
}

TEST(UrlDecode, KeepsMalformedEscapesLiterally) {
  EXPECT_EQ(UrlDecode("100%", true), "100%");
  EXPECT_EQ(UrlDecode("%zz%4", true), "%zz%4");
}

TEST(ParseTarget, SplitsPathAndDecodedQuery) {
  Target t = ParseTarget("/spotify/v1/search?q=track%3A%22Happy%22+artist%3APharrell&type=track&limit=5#frag");
  EXPECT_EQ(t.path, "/spotify/v1/search");
  EXPECT_EQ(t.query.GetOr("q", ""), "track:\"Happy\" artist:Pharrell");
  EXPECT_EQ(t.query.GetOr("type", ""), "track");
  EXPECT_EQ(t.query.GetOr("limit", ""), "5");
  EXPECT_FALSE(t.query.Get("offset").has_value());
}

TEST(ParseQueryString, KeepsEmptyValuesAndFirstOfRepeatedNames) {
  QueryParams q = ParseQueryString("a=&b&c=1&c=2&&");
  EXPECT_EQ(q.Get("a"), "");
  EXPECT_EQ(q.Get("b"), "");
  EXPECT_EQ(q.Get("c"), "1");
  EXPECT_EQ(q.items().size(), 4u);
}

TEST(ParseFieldQuery, ReadsIsrcField) {
  FieldQuery q = ParseFieldQuery("isrc:USUM71703861");
  EXPECT_EQ(q.Field("isrc"), "USUM71703861");
  EXPECT_TRUE(q.text.empty());
}

TEST(ParseFieldQuery, ReadsQuotedFieldsWithEscapes) {
  FieldQuery q = ParseFieldQuery(R"(track:"Mr. \"Bright\" side" artist:"The Killers")");
  EXPECT_EQ(q.Field("track"), "Mr. \"Bright\" side");
  EXPECT_EQ(q.Field("artist"), "The Killers");
}

TEST(ParseFieldQuery, DropsLuceneOperatorsGroupsAndSuffixes) {
  FieldQuery q = ParseFieldQuery(R"((recording:"Creep"~2 AND artist:(radio head)) AND NOT country:XX^2)");
  EXPECT_EQ(q.Field("recording"), "Creep");
  EXPECT_EQ(q.Field("artist"), "radio head");
  EXPECT_EQ(q.Field("country"), "XX");
  EXPECT_TRUE(q.text.empty()) << q.text;
}

TEST(ParseFieldQuery, LowerCasesFieldNamesAndKeepsFreeText) {
  FieldQuery q = ParseFieldQuery("Happy ARTIST:Pharrell now && AC\\/DC");
  EXPECT_EQ(q.Field("artist"), "Pharrell");
  EXPECT_EQ(q.text, "Happy now AC/DC");
}

TEST(Normalize, LowerCasesTrimsAndCollapsesSpaces) {
  EXPECT_EQ(Normalize("  The   Killers \t"), "the killers");
}

}  // namespace
}  // namespace provider_sim
