#pragma once

#include "common/json/utf8.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

// Reading `tunefleet publish` input: physical lines, then records (CSV through libcsv, or JSON
// Lines through RapidJSON) with their line numbers and raw text. Streaming: a reader keeps one
// record at a time, whatever the input size. Pure: no broker, no clock (docs/PUBLISH.md).
namespace publish {

enum class Kind { kTrack, kAlbum };
enum class Format { kCsv, kJsonl };

std::string_view ToString(Kind kind);  // "track", "album": the routing key's entity

// Every input field of either kind; FieldsOf(kind) says which ones a kind accepts.
enum class Field : std::uint8_t { kArtist, kTitle, kAlbum, kIsrc, kUpc, kMbid, kSpotifyId, kDiscogsId, kYear };
inline constexpr std::size_t kFieldCount = 9;

std::string_view FieldName(Field field);  // "spotify_id"
// The fields `kind` accepts, in documentation order (artist first).
std::span<const Field> FieldsOf(Kind kind);
// The field naming the thing itself: title for tracks, album for albums.
Field NameField(Kind kind);

// One input record. Views point into the reader and stay valid until its next Next().
struct Record {
  std::uint64_t line = 0;  // 1-based line the record starts on (a quoted CSV field may span lines)
  std::string_view raw;    // the record's text, without its final line break
  // Present and non-empty values; an empty CSV field or a JSON null is absent.
  std::array<std::optional<std::string_view>, kFieldCount> values{};
  std::string error;  // non-empty: why the record must be rejected (found while reading it)

  const std::optional<std::string_view>& operator[](Field field) const {
    return values[static_cast<std::size_t>(field)];
  }
};

// Physical lines from a byte stream, through one reusable buffer that grows only for a line
// longer than it. A UTF-8 byte order mark at the very start is skipped. Not thread safe.
class LineReader {
 public:
  // Fills up to `size` bytes; 0 at end of input.
  using ReadFn = std::function<core::Result<std::size_t>(char* buffer, std::size_t size)>;

  explicit LineReader(ReadFn read, std::size_t buffer_size = 1 << 20);
  static LineReader FromFd(int fd);  // the caller keeps the descriptor open
  static LineReader FromString(std::string text);

  // The next line including its '\n' (the last one may lack it); false at end of input.
  // `line` stays valid until the next call.
  core::Result<bool> Next(std::string_view& line);
  // The first byte that is not ASCII whitespace, without consuming anything; nullopt when
  // the input is blank.
  core::Result<std::optional<char>> PeekFirstNonBlank();
  // 1-based number of the line Next() returned last.
  std::uint64_t line_number() const { return line_number_; }
  // Bytes handed out by Next() so far (for progress against the file size).
  std::uint64_t bytes_consumed() const { return bytes_consumed_; }

 private:
  core::Result<bool> Fill();  // reads more; false at end of input

  ReadFn read_;
  std::string buffer_;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last valid byte
  bool eof_ = false;
  bool at_start_ = true;
  std::uint64_t line_number_ = 0;
  std::uint64_t bytes_consumed_ = 0;
};

// Yields the data records of one input.
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Fills `record` with the next data record; false at end of input. Blank lines are
  // skipped (they still count for line numbers). An Error is an I/O failure, not a bad record:
  // a bad record comes back with `record.error` set.
  virtual core::Result<bool> Next(Record& record) = 0;
};

// Reads the header row (column names in any order, case-insensitive, surrounding blanks
// ignored) and fails with InvalidInput naming every unknown, repeated or missing column.
// Records follow RFC 4180 (strict quoting); unquoted fields have blanks trimmed.
core::Result<std::unique_ptr<RecordReader>> OpenCsv(LineReader& lines, Kind kind);
// One JSON object per line with the field names of `kind`; integers may be numbers or strings.
std::unique_ptr<RecordReader> OpenJsonl(LineReader& lines, Kind kind);

// --format auto: .csv is CSV; .jsonl and .ndjson are JSON Lines; otherwise JSON Lines when
// the first non-blank byte is '{', else CSV. `path` "-" is stdin (no extension).
core::Result<Format> DetectFormat(std::string_view path, LineReader& lines);

// Byte offset of the first byte of `text` that is not well-formed UTF-8, or npos.
using json::FindInvalidUtf8;

}  // namespace publish
