#include "common/db/array_text.hpp"

#include <gtest/gtest.h>

namespace db {
namespace {

TEST(ArrayText, TextArrayQuotesEveryElement) {
  EXPECT_EQ(TextArray({"hip hop", "a\"b", "c\\d", ""}), R"({"hip hop","a\"b","c\\d",""})");
  EXPECT_EQ(TextArray({}), "{}");
  EXPECT_EQ(TextArray({"r&b", "a \"b\"", "c\\d"}), R"({"r&b","a \"b\"","c\\d"})");
}

TEST(ArrayText, TagsRoundTripThroughTheSeparator) {
  EXPECT_TRUE(SplitTags("").empty());
  EXPECT_EQ(SplitTags(JoinTags({"rock", "hip hop"})), (std::vector<std::string>{"rock", "hip hop"}));
}

TEST(ArrayText, TheCountTellsAnEmptyListFromOneEmptyTag) {
  EXPECT_TRUE(SplitTags("", 0).empty());
  EXPECT_EQ(SplitTags("", 1), (std::vector<std::string>{""}));
  EXPECT_EQ(SplitTags("a\x1f\x1f" "b", 3), (std::vector<std::string>{"a", "", "b"}));
}

TEST(ArrayText, RealsReadBackExactlyAndBoolsAreTF) {
  EXPECT_EQ(RealArray(std::vector<float>{212000.0F, 0.1F, -7.5F, 0.0F}), "{212000,0.1,-7.5,0}");
  EXPECT_EQ(RealArray(std::vector<float>{}), "{}");
  EXPECT_EQ(RealArray(std::vector<double>{0.5, 1.0 / 3.0}), "{0.5,0.33333334}");
  EXPECT_EQ(BoolArray({true, false}), "{t,f}");
  EXPECT_EQ(BigintArray({1, 22, 333}), "{1,22,333}");
}

}  // namespace
}  // namespace db
