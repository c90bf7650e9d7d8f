#include "common/json/schema_text.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace json {
namespace {

std::string ReadSchema(const std::string& name) {
  std::ifstream file(std::string(TUNEFLEET_SOURCE_DIR) + "/schemas/" + name, std::ios::binary);
  EXPECT_TRUE(file) << name;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(SchemaText, IsTheSchemaFileByteForByte) {
  EXPECT_EQ(SchemaText("tunefleet.track_job/1"), ReadSchema("track_job.schema.json"));
  EXPECT_EQ(SchemaText("tunefleet.album_job/1"), ReadSchema("album_job.schema.json"));
  EXPECT_EQ(SchemaText("tunefleet.followup/1"), ReadSchema("followup.schema.json"));
}

TEST(SchemaText, IsEmptyForUnknownType) {
  EXPECT_TRUE(SchemaText("tunefleet.track_job/2").empty());
  EXPECT_TRUE(SchemaText("").empty());
}

TEST(SchemaText, KnownTypesListsEveryMessageType) {
  ASSERT_EQ(KnownTypes().size(), 3U);
  for (const std::string_view type : KnownTypes()) EXPECT_FALSE(SchemaText(type).empty()) << type;
}

}  // namespace
}  // namespace json
