#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/db/listen_store.hpp"
#include "tools/tunefleet/publish_input.hpp"

// `tunefleet import csv`'s reading: a scrobble export with a header row, parsed with libcsv
// (RFC 4180, like `tunefleet publish`). Pure apart from the LineReader it reads.
namespace scrobbles {

// The columns an export uses; -1 when absent. Names are case-insensitive; each role takes the
// first of its names present: artist (artist, artist_name), track (track, title, track_name,
// name), album (album, album_name), timestamp (timestamp, uts, played_at, date, utc_time,
// time), mbid (mbid, track_mbid). Other columns are ignored.
struct CsvColumns {
  int artist = -1;
  int track = -1;
  int album = -1;
  int timestamp = -1;
  int mbid = -1;
  std::size_t count = 0;  // fields in the header
};
// kInvalidInput naming what is missing (artist, track and a timestamp are required).
core::Result<CsvColumns> ParseCsvHeader(const std::vector<std::string>& fields);
// One data row; kInvalidInput with the reason (wrong field count, missing artist or track,
// bad timestamp).
core::Result<db::ScrobbleRow> ParseCsvRow(const CsvColumns& columns, const std::vector<std::string>& fields);

// Unix seconds (13 digits: milliseconds), RFC 3339 ("2023-11-14T22:13:20Z", "+01:00",
// fractions), "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" (UTC), Last.fm's "14 Nov 2023, 22:13".
core::Result<std::int64_t> ParseScrobbleTime(std::string_view text);

// Records of a CSV input: fields, first line number, raw text; `error` set when the record's
// quoting is malformed.
struct CsvRecord {
  std::uint64_t line = 0;
  std::string raw;
  std::vector<std::string> fields;
  std::string error;
};
class CsvRecords {
 public:
  explicit CsvRecords(publish::LineReader& lines);
  ~CsvRecords();
  CsvRecords(const CsvRecords&) = delete;
  CsvRecords& operator=(const CsvRecords&) = delete;
  // false at end of input; blank lines are skipped (they still count).
  core::Result<bool> Next(CsvRecord& record);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace scrobbles
