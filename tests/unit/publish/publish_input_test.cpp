#include "tools/tunefleet/publish_input.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace publish {
namespace {

struct Row {
  std::uint64_t line;
  std::string raw;
  std::string error;
  std::array<std::optional<std::string>, kFieldCount> values;
  std::optional<std::string> operator[](Field f) const { return values[static_cast<std::size_t>(f)]; }
};

std::vector<Row> ReadAll(RecordReader& reader) {
  std::vector<Row> rows;
  Record record;
  for (;;) {
    auto got = reader.Next(record);
    EXPECT_TRUE(got.has_value());
    if (!got || !*got) break;
    Row row{record.line, std::string(record.raw), record.error, {}};
    for (std::size_t i = 0; i < kFieldCount; ++i) {
      if (record.values[i]) row.values[i] = std::string(*record.values[i]);
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<Row> Csv(const std::string& text, Kind kind = Kind::kTrack) {
  LineReader lines = LineReader::FromString(text);
  auto reader = OpenCsv(lines, kind);
  EXPECT_TRUE(reader.has_value()) << (reader ? "" : reader.error().message);
  if (!reader) return {};
  return ReadAll(**reader);
}

std::string CsvHeaderError(const std::string& text, Kind kind = Kind::kTrack) {
  LineReader lines = LineReader::FromString(text);
  auto reader = OpenCsv(lines, kind);
  return reader ? "" : reader.error().message;
}

std::vector<Row> Jsonl(const std::string& text, Kind kind = Kind::kTrack) {
  LineReader lines = LineReader::FromString(text);
  auto reader = OpenJsonl(lines, kind);
  return ReadAll(*reader);
}

TEST(LineReader, ReturnsLinesWithBreaksAcrossBufferRefills) {
  LineReader lines = LineReader::FromString("\xEF\xBB\xBF" "first line is longer than sixteen bytes\nb\r\nlast");
  std::string_view line;
  ASSERT_TRUE(*lines.Next(line));
  EXPECT_EQ(line, "first line is longer than sixteen bytes\n");
  ASSERT_TRUE(*lines.Next(line));
  EXPECT_EQ(line, "b\r\n");
  ASSERT_TRUE(*lines.Next(line));
  EXPECT_EQ(line, "last");
  EXPECT_EQ(lines.line_number(), 3u);
  EXPECT_FALSE(*lines.Next(line));
}

TEST(CsvReader, MapsColumnsInAnyOrderAndSkipsBlankLines) {
  auto rows = Csv("Title, ARTIST ,isrc\nCreep,Radiohead,GBAYE9200070\n\nHey Jude,The Beatles,\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[0][Field::kArtist], "Radiohead");
  EXPECT_EQ(rows[0][Field::kTitle], "Creep");
  EXPECT_EQ(rows[0][Field::kIsrc], "GBAYE9200070");
  EXPECT_EQ(rows[0].error, "");
  EXPECT_EQ(rows[1].line, 4u);
  EXPECT_EQ(rows[1][Field::kIsrc], std::nullopt);  // empty field: absent
}

TEST(CsvReader, FollowsRfc4180Quoting) {
  auto rows = Csv("artist,title\r\n\"Beatles, The\",\"Say \"\"Hi\"\"\"\r\n\"Multi\nline\",T\r\nlast,no break");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][Field::kArtist], "Beatles, The");
  EXPECT_EQ(rows[0][Field::kTitle], "Say \"Hi\"");
  EXPECT_EQ(rows[0].raw, "\"Beatles, The\",\"Say \"\"Hi\"\"\"");
  EXPECT_EQ(rows[1].line, 3u);  // the line it starts on
  EXPECT_EQ(rows[1][Field::kArtist], "Multi\nline");
  EXPECT_EQ(rows[1].raw, "\"Multi\nline\",T");
  EXPECT_EQ(rows[2].line, 5u);
  EXPECT_EQ(rows[2][Field::kTitle], "no break");
}

TEST(CsvReader, RejectsWrongFieldCountWithItsLine) {
  auto rows = Csv("artist,title\na,b,c\nd\ne,f\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[0].error, "expected 2 fields as in the header, got 3");
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_EQ(rows[1].error, "expected 2 fields as in the header, got 1");
  EXPECT_EQ(rows[2].error, "");
}

TEST(CsvReader, RejectsMalformedQuotingAndRecovers) {
  auto rows = Csv("artist,title\n\"a\"x,b\nc,d\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_NE(rows[0].error.find("malformed quoting"), std::string::npos) << rows[0].error;
  EXPECT_EQ(rows[1][Field::kArtist], "c");
}

TEST(CsvReader, RejectsUnterminatedQuoteAtEnd) {
  auto rows = Csv("artist,title\nc,d\n\"open,e\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_NE(rows[1].error.find("unterminated quoted field"), std::string::npos) << rows[1].error;
}

TEST(CsvReader, RejectsInvalidUtf8NamingTheField) {
  auto rows = Csv("artist,title\nok,b\xC3(d\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, "invalid UTF-8 in title at byte 1");
}

TEST(CsvReader, HeaderWithUnknownColumnsNamesThem) {
  EXPECT_EQ(CsvHeaderError("artist,title,year,genre\n"),
            "unknown columns \"year\", \"genre\" in the header for --kind track (known: artist, title, album, "
            "isrc, mbid, spotify_id, discogs_id)");
  EXPECT_EQ(CsvHeaderError("artist,album,year,upc\n", Kind::kAlbum), "");
}

TEST(CsvReader, HeaderNeedsArtistAndTitleOnce) {
  EXPECT_EQ(CsvHeaderError("artist,isrc\n"), "the header has no \"title\" column (required for --kind track)");
  EXPECT_EQ(CsvHeaderError("artist,title,Artist\n"), "column \"artist\" appears more than once in the header");
  EXPECT_EQ(CsvHeaderError(""), "the input is empty: expected a CSV header row");
  EXPECT_EQ(CsvHeaderError("artist,title\n", Kind::kAlbum),
            "unknown column \"title\" in the header for --kind album (known: artist, album, upc, mbid, spotify_id, "
            "discogs_id, year)");
}

TEST(JsonlReader, ReadsObjectsWithLineNumbers) {
  auto rows = Jsonl("{\"artist\":\"A\",\"title\":\"T\",\"discogs_id\":42,\"isrc\":null}\n\n{\"artist\":\"B\",\"title\":\"U\",\"album\":\"\"}\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[0][Field::kDiscogsId], "42");
  EXPECT_EQ(rows[0][Field::kIsrc], std::nullopt);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_EQ(rows[1][Field::kAlbum], std::nullopt);
}

TEST(JsonlReader, RejectsBadLinesWithReasons) {
  auto rows = Jsonl(
      "{\"artist\":\"A\",\"title\":\"T\",\"year\":1999}\n"
      "{\"artist\":\"A\"\n"
      "[1]\n"
      "{\"artist\":1,\"title\":\"T\"}\n"
      "{\"artist\":\"A\",\"artist\":\"B\",\"title\":\"T\"}\n"
      "{\"artist\":\"A\",\"title\":\"T\",\"discogs_id\":1.5}\n"
      "{\"artist\":\"\xFF\",\"title\":\"T\"}\n");
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0].error,
            "unknown field \"year\" for --kind track (known: artist, title, album, isrc, mbid, spotify_id, discogs_id)");
  EXPECT_EQ(rows[1].error, "invalid JSON at byte 13: Missing a comma or '}' after an object member.");
  EXPECT_EQ(rows[2].error, "not a JSON object");
  EXPECT_EQ(rows[3].error, "artist must be a string");
  EXPECT_EQ(rows[4].error, "field \"artist\" appears more than once");
  EXPECT_EQ(rows[5].error, "discogs_id must be an integer");
  EXPECT_EQ(rows[6].error, "invalid UTF-8 at byte 11");
  EXPECT_EQ(rows[6].line, 7u);
}

TEST(JsonlReader, AlbumKindReadsAlbumFields) {
  auto rows = Jsonl("{\"artist\":\"A\",\"album\":\"OK Computer\",\"year\":\"1997\",\"upc\":\"0724385522925\"}\n",
                    Kind::kAlbum);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, "");
  EXPECT_EQ(rows[0][Field::kAlbum], "OK Computer");
  EXPECT_EQ(rows[0][Field::kYear], "1997");
  EXPECT_EQ(rows[0][Field::kUpc], "0724385522925");
}

TEST(DetectFormat, UsesTheExtensionThenTheFirstByte) {
  LineReader csv_lines = LineReader::FromString("{\"x\":1}\n");
  EXPECT_EQ(*DetectFormat("jobs.CSV", csv_lines), Format::kCsv);
  EXPECT_EQ(*DetectFormat("jobs.ndjson", csv_lines), Format::kJsonl);
  EXPECT_EQ(*DetectFormat("", csv_lines), Format::kJsonl);
  LineReader header = LineReader::FromString("\n  artist,title\n");
  EXPECT_EQ(*DetectFormat("jobs.txt", header), Format::kCsv);
  std::string_view line;
  ASSERT_TRUE(*header.Next(line));  // peeking consumed nothing
  EXPECT_EQ(line, "\n");
}

TEST(FindInvalidUtf8, AcceptsUtf8AndNamesTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii, longer than eight bytes"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("Bj\xC3\xB6rk \xF0\x9F\x8E\xB5"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("abc\xC0\xAF"), 3u);           // overlong
  EXPECT_EQ(FindInvalidUtf8("abcdefghij\xED\xA0\x80"), 10u);  // surrogate
  EXPECT_EQ(FindInvalidUtf8("ab\xE2\x82"), 2u);            // truncated
}

}  // namespace
}  // namespace publish
