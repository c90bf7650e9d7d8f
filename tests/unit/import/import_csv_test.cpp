#include "tools/tunefleet/import_csv.hpp"

#include <gtest/gtest.h>

namespace scrobbles {
namespace {

TEST(ParseCsvHeader, FindsColumnsCaseInsensitively) {
  auto columns = ParseCsvHeader({"Artist", " TRACK", "Album", "Timestamp"});
  ASSERT_TRUE(columns) << columns.error().message;
  EXPECT_EQ(columns->artist, 0);
  EXPECT_EQ(columns->track, 1);
  EXPECT_EQ(columns->album, 2);
  EXPECT_EQ(columns->timestamp, 3);
  EXPECT_EQ(columns->mbid, -1);
}

TEST(ParseCsvHeader, AcceptsExportNamesAndPrefersUts) {
  auto columns = ParseCsvHeader({"uts", "utc_time", "artist", "artist_mbid", "album", "album_mbid", "track", "track_mbid"});
  ASSERT_TRUE(columns) << columns.error().message;
  EXPECT_EQ(columns->timestamp, 0);
  EXPECT_EQ(columns->mbid, 7);
  EXPECT_EQ(columns->track, 6);
}

TEST(ParseCsvHeader, AlbumIsOptionalTimestampIsNot) {
  EXPECT_TRUE(ParseCsvHeader({"artist", "track", "timestamp"}));
  auto missing = ParseCsvHeader({"artist", "track", "album"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("timestamp"), std::string::npos);
}

TEST(ParseCsvRow, ReadsARow) {
  auto columns = *ParseCsvHeader({"artist", "track", "album", "timestamp"});
  auto row = ParseCsvRow(columns, {"Radiohead", "Karma Police", "OK Computer", "2023-11-14 22:13:20"});
  ASSERT_TRUE(row) << row.error().message;
  EXPECT_EQ(row->artist, "Radiohead");
  EXPECT_EQ(row->played_at, 1700000000);
}

TEST(ParseCsvRow, RejectsBadRowsWithAReason) {
  auto columns = *ParseCsvHeader({"artist", "track", "album", "timestamp"});
  EXPECT_EQ(ParseCsvRow(columns, {"A", "T", "X", "yesterday"}).error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_EQ(ParseCsvRow(columns, {"", "T", "X", "1700000000"}).error().message, "missing artist");
  EXPECT_EQ(ParseCsvRow(columns, {"A", "", "X", "1700000000"}).error().message, "missing track");
  EXPECT_EQ(ParseCsvRow(columns, {"A", "T", "1700000000"}).error().message, "expected 4 fields as in the header, got 3");
}

TEST(ParseScrobbleTime, AcceptsTheCommonForms) {
  EXPECT_EQ(*ParseScrobbleTime("1700000000"), 1700000000);
  EXPECT_EQ(*ParseScrobbleTime("1700000000123"), 1700000000);  // milliseconds
  EXPECT_EQ(*ParseScrobbleTime("2023-11-14T22:13:20Z"), 1700000000);
  EXPECT_EQ(*ParseScrobbleTime("2023-11-14T23:13:20+01:00"), 1700000000);
  EXPECT_EQ(*ParseScrobbleTime("2023-11-14T22:13:20.5Z"), 1700000000);
  EXPECT_EQ(*ParseScrobbleTime("2023-11-14 22:13:20"), 1700000000);
  EXPECT_EQ(*ParseScrobbleTime("14 Nov 2023, 22:13"), 1699999980);
  EXPECT_FALSE(ParseScrobbleTime("2023-02-31 00:00:00"));
  EXPECT_FALSE(ParseScrobbleTime("2023-11-14 25:00:00"));
  EXPECT_FALSE(ParseScrobbleTime("-5"));
  EXPECT_FALSE(ParseScrobbleTime(""));
}

TEST(CsvRecords, GivesFieldsLinesAndRaw) {
  auto lines = publish::LineReader::FromString("artist,track,timestamp\n\n\"A, B\",\"T\"\"x\",1\nbad,\"x\"y,2\nC,D,3");
  CsvRecords records(lines);
  CsvRecord record;
  ASSERT_TRUE(*records.Next(record));
  EXPECT_EQ(record.line, 1u);
  ASSERT_TRUE(*records.Next(record));
  EXPECT_EQ(record.line, 3u);
  ASSERT_EQ(record.fields.size(), 3u);
  EXPECT_EQ(record.fields[0], "A, B");
  EXPECT_EQ(record.fields[1], "T\"x");
  ASSERT_TRUE(*records.Next(record));
  EXPECT_EQ(record.line, 4u);
  EXPECT_FALSE(record.error.empty());
  EXPECT_EQ(record.raw, "bad,\"x\"y,2");
  ASSERT_TRUE(*records.Next(record));
  EXPECT_EQ(record.line, 5u);
  EXPECT_EQ(record.fields.size(), 3u);
  EXPECT_FALSE(*records.Next(record));
}

}  // namespace
}  // namespace scrobbles
