#include "workers/features/copy_text.hpp"

#include <gtest/gtest.h>

namespace features {
namespace {

TEST(CopyTextToCsv, NumbersPassAndNullIsEmpty) {
  EXPECT_EQ(CopyTextToCsv("1\t2.5\t\\N\t-7"), "1,2.5,,-7");
  EXPECT_EQ(CopyTextToCsv("\\N"), "");
}

TEST(CopyTextToCsv, EmptyStringIsQuotedToTellItFromNull) {
  EXPECT_EQ(CopyTextToCsv("a\t\t\\N"), "a,\"\",");
}

TEST(CopyTextToCsv, CommasQuotesAndLineBreaksAreQuoted) {
  EXPECT_EQ(CopyTextToCsv("Hello, World\tsay \"hi\"\tline\\nbreak"),
            "\"Hello, World\",\"say \"\"hi\"\"\",\"line\nbreak\"");
}

TEST(CopyTextToCsv, BackslashEscapesAreUndone) {
  EXPECT_EQ(CopyTextToCsv("back\\\\slash\ttab\\there"), "back\\slash,tab\there");
}

TEST(UnescapeCopyText, UndoesEveryEscape) {
  EXPECT_EQ(UnescapeCopyText(R"({"a":"x\\"y"})"), R"({"a":"x\"y"})");
  EXPECT_EQ(UnescapeCopyText("\\b\\f\\n\\r\\t\\v\\101"), "\b\f\n\r\t\vA");
}

}  // namespace
}  // namespace features
