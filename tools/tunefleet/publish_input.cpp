#include "tools/tunefleet/publish_input.hpp"

#include <csv.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

namespace publish {
namespace {

constexpr Field kTrackFields[] = {Field::kArtist, Field::kTitle,     Field::kAlbum,    Field::kIsrc,
                                  Field::kMbid,   Field::kSpotifyId, Field::kDiscogsId};
constexpr Field kAlbumFields[] = {Field::kArtist,    Field::kAlbum,     Field::kUpc, Field::kMbid,
                                  Field::kSpotifyId, Field::kDiscogsId, Field::kYear};

// A record that never ends is an unterminated quote swallowing the file: cut it off here so
// memory stays bounded. Legitimate records are far smaller (the schemas cap text at 1000
// characters per field).
constexpr std::size_t kMaxRecordBytes = 64 * 1024;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

bool IsBlankLine(std::string_view line) { return std::all_of(line.begin(), line.end(), IsBlank); }

// The line without its line break ("\n" or "\r\n").
std::string_view WithoutBreak(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string KnownNames(Kind kind) {
  std::string out;
  for (const Field field : FieldsOf(kind)) {
    if (!out.empty()) out += ", ";
    out += FieldName(field);
  }
  return out;
}

std::optional<Field> FindField(Kind kind, std::string_view name) {
  for (const Field field : FieldsOf(kind)) {
    if (FieldName(field) == name) return field;
  }
  return std::nullopt;
}

bool IsIntegerField(Field field) { return field == Field::kDiscogsId || field == Field::kYear; }

// Checks each present value is valid UTF-8; names the first bad one.
std::string CheckUtf8(const Record& record) {
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (!record.values[i]) continue;
    const std::size_t offset = FindInvalidUtf8(*record.values[i]);
    if (offset != std::string_view::npos) {
      return "invalid UTF-8 in " + std::string(FieldName(static_cast<Field>(i))) + " at byte " +
             std::to_string(offset);
    }
  }
  return {};
}

// ----------------------------------------------------------------------------------------------
// CSV

class CsvReader final : public RecordReader {
 public:
  CsvReader(LineReader& lines, Kind kind) : lines_(lines), kind_(kind) { Init(); }
  ~CsvReader() override { csv_free(&parser_); }
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  core::Result<void> ReadHeader() {
    auto got = ReadRow();
    if (!got) return got.error();
    if (!*got) return core::Error::InvalidInput("the input is empty: expected a CSV header row");
    if (!row_error_.empty()) return core::Error::InvalidInput("header (line " + std::to_string(row_line_) + "): " + row_error_);
    std::vector<std::string> unknown;
    std::vector<std::string> repeated;
    for (std::size_t i = 0; i < field_count_; ++i) {
      std::string name = fields_[i];
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const auto field = FindField(kind_, name);
      if (!field) {
        unknown.push_back('"' + fields_[i] + '"');
      } else if (std::find(columns_.begin(), columns_.end(), field) != columns_.end()) {
        repeated.push_back('"' + name + '"');
      }
      columns_.push_back(field);
    }
    auto join = [](const std::vector<std::string>& names) {
      std::string out;
      for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
      return out;
    };
    if (!unknown.empty()) {
      return core::Error::InvalidInput(std::string(unknown.size() == 1 ? "unknown column " : "unknown columns ") +
                                       join(unknown) + " in the header for --kind " + std::string(ToString(kind_)) +
                                       " (known: " + KnownNames(kind_) + ")");
    }
    if (!repeated.empty()) {
      return core::Error::InvalidInput("column " + join(repeated) + " appears more than once in the header");
    }
    for (const Field required : {Field::kArtist, NameField(kind_)}) {
      if (std::find(columns_.begin(), columns_.end(), required) == columns_.end()) {
        return core::Error::InvalidInput("the header has no \"" + std::string(FieldName(required)) +
                                         "\" column (required for --kind " + std::string(ToString(kind_)) + ")");
      }
    }
    return core::Ok();
  }

  core::Result<bool> Next(Record& record) override {
    auto got = ReadRow();
    if (!got || !*got) return got;
    record.line = row_line_;
    record.raw = WithoutBreak(raw_);
    record.values.fill(std::nullopt);
    record.error = std::move(row_error_);
    row_error_.clear();
    if (!record.error.empty()) return true;
    if (field_count_ != columns_.size()) {
      record.error = "expected " + std::to_string(columns_.size()) + " fields as in the header, got " +
                     std::to_string(field_count_);
      return true;
    }
    for (std::size_t i = 0; i < field_count_; ++i) {
      if (fields_[i].empty()) continue;
      record.values[static_cast<std::size_t>(*columns_[i])] = std::string_view(fields_[i]);
    }
    record.error = CheckUtf8(record);
    return true;
  }

 private:
  static constexpr unsigned char kOptions = CSV_STRICT | CSV_STRICT_FINI;

  void Init() {
    csv_init(&parser_, kOptions);
    // Only '\n' ends a record; '\r' (of "\r\n") counts as a blank and is trimmed like one, so
    // a physical line holds at most one record end and line numbers stay exact.
    csv_set_term_func(&parser_, [](unsigned char c) { return c == '\n' ? 1 : 0; });
    csv_set_space_func(&parser_, [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' ? 1 : 0; });
  }

  void Reset() {
    csv_free(&parser_);
    Init();
  }

  static void OnField(void* data, std::size_t size, void* self_ptr) {
    auto& self = *static_cast<CsvReader*>(self_ptr);
    if (self.field_count_ == self.fields_.size()) self.fields_.emplace_back();
    // assign() reuses the string's buffer: no allocation per field once warmed up.
    self.fields_[self.field_count_++].assign(static_cast<const char*>(data), size);
  }

  static void OnRowEnd(int, void* self_ptr) { static_cast<CsvReader*>(self_ptr)->row_done_ = true; }

  // Reads physical lines until a row is complete: its fields in fields_[0, field_count_), its
  // text in raw_, its first line in row_line_, or a reason to reject it in row_error_.
  core::Result<bool> ReadRow() {
    field_count_ = 0;
    raw_.clear();
    row_done_ = false;
    row_error_.clear();
    for (;;) {
      std::string_view line;
      auto got = lines_.Next(line);
      if (!got) return got.error();
      if (!*got) {
        if (raw_.empty()) return false;
        // The last line had no line break (or a quoted field never closed).
        if (csv_fini(&parser_, OnField, OnRowEnd, this) != 0) {
          row_error_ = "unterminated quoted field (RFC 4180) at end of input";
          Reset();
        }
        return true;
      }
      if (raw_.empty()) {
        if (IsBlankLine(line)) continue;
        row_line_ = lines_.line_number();
      }
      raw_.append(line);
      const std::size_t parsed = csv_parse(&parser_, line.data(), line.size(), OnField, OnRowEnd, this);
      if (parsed != line.size()) {
        row_error_ = "malformed quoting (RFC 4180) at byte " + std::to_string(raw_.size() - line.size() + parsed) +
                     " of the record";
        Reset();
        return true;
      }
      if (row_done_) return true;
      if (raw_.size() > kMaxRecordBytes) {
        row_error_ = "record is longer than " + std::to_string(kMaxRecordBytes / 1024) +
                     " KiB without ending (unterminated quoted field?)";
        Reset();
        return true;
      }
    }
  }

  LineReader& lines_;
  Kind kind_;
  csv_parser parser_{};
  std::vector<std::optional<Field>> columns_;  // by column index; nullopt never survives the header
  std::vector<std::string> fields_;            // reused across rows
  std::size_t field_count_ = 0;
  bool row_done_ = false;
  std::string raw_;
  std::uint64_t row_line_ = 0;
  std::string row_error_;
};

// ----------------------------------------------------------------------------------------------
// JSON Lines

class JsonlReader final : public RecordReader {
 public:
  JsonlReader(LineReader& lines, Kind kind) : lines_(lines), kind_(kind) {}

  core::Result<bool> Next(Record& record) override {
    std::string_view line;
    for (;;) {
      auto got = lines_.Next(line);
      if (!got || !*got) return got;
      if (!IsBlankLine(line)) break;
    }
    record.line = lines_.line_number();
    record.raw = WithoutBreak(line);
    record.values.fill(std::nullopt);
    record.error.clear();
    if (const std::size_t offset = FindInvalidUtf8(record.raw); offset != std::string_view::npos) {
      record.error = "invalid UTF-8 at byte " + std::to_string(offset);
      return true;
    }
    record.error = Convert(record);
    return true;
  }

 private:
  using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>>;

  std::string Convert(Record& record) {
    // Parsed in place from a reused copy, with a reused pool: no allocation per line.
    scratch_.assign(record.raw);
    scratch_.push_back('\0');
    document_.SetNull();
    pool_.Clear();
    document_.ParseInsitu<rapidjson::kParseValidateEncodingFlag>(scratch_.data());
    if (document_.HasParseError()) {
      return "invalid JSON at byte " + std::to_string(document_.GetErrorOffset()) + ": " +
             rapidjson::GetParseError_En(document_.GetParseError());
    }
    if (!document_.IsObject()) return "not a JSON object";
    std::array<bool, kFieldCount> seen{};
    for (const auto& member : document_.GetObject()) {
      const std::string_view name(member.name.GetString(), member.name.GetStringLength());
      const auto field = FindField(kind_, name);
      if (!field) {
        return "unknown field \"" + std::string(name) + "\" for --kind " + std::string(ToString(kind_)) +
               " (known: " + KnownNames(kind_) + ")";
      }
      const auto index = static_cast<std::size_t>(*field);
      if (seen[index]) return "field \"" + std::string(name) + "\" appears more than once";
      seen[index] = true;
      const auto& value = member.value;
      if (value.IsNull()) continue;
      if (value.IsString()) {
        if (value.GetStringLength() > 0) record.values[index] = std::string_view(value.GetString(), value.GetStringLength());
        continue;
      }
      if (IsIntegerField(*field) && value.IsNumber()) {
        if (!value.IsInt64()) return std::string(name) + " must be an integer";
        std::string& text = numbers_[index];
        text.resize(24);
        const auto result = std::to_chars(text.data(), text.data() + text.size(), value.GetInt64());
        text.resize(static_cast<std::size_t>(result.ptr - text.data()));
        record.values[index] = std::string_view(text);
        continue;
      }
      return std::string(name) + (IsIntegerField(*field) ? " must be an integer" : " must be a string");
    }
    return {};
  }

  LineReader& lines_;
  Kind kind_;
  std::string scratch_;
  char pool_buffer_[16 * 1024] = {};
  rapidjson::MemoryPoolAllocator<> pool_{pool_buffer_, sizeof pool_buffer_};
  Document document_{&pool_};
  std::array<std::string, kFieldCount> numbers_;
};

}  // namespace

std::string_view ToString(Kind kind) { return kind == Kind::kTrack ? "track" : "album"; }

std::string_view FieldName(Field field) {
  switch (field) {
    case Field::kArtist: return "artist";
    case Field::kTitle: return "title";
    case Field::kAlbum: return "album";
    case Field::kIsrc: return "isrc";
    case Field::kUpc: return "upc";
    case Field::kMbid: return "mbid";
    case Field::kSpotifyId: return "spotify_id";
    case Field::kDiscogsId: return "discogs_id";
    case Field::kYear: return "year";
  }
  return "?";
}

std::span<const Field> FieldsOf(Kind kind) {
  if (kind == Kind::kTrack) return kTrackFields;
  return kAlbumFields;
}

Field NameField(Kind kind) { return kind == Kind::kTrack ? Field::kTitle : Field::kAlbum; }

// ----------------------------------------------------------------------------------------------
// LineReader

LineReader::LineReader(ReadFn read, std::size_t buffer_size) : read_(std::move(read)), buffer_(buffer_size, '\0') {}

LineReader LineReader::FromFd(int fd) {
  return LineReader([fd](char* buffer, std::size_t size) -> core::Result<std::size_t> {
    for (;;) {
      const ssize_t n = ::read(fd, buffer, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      return core::Error::Transient(std::string("cannot read the input: ") + std::strerror(errno));
    }
  });
}

LineReader LineReader::FromString(std::string text) {
  auto offset = std::make_shared<std::size_t>(0);
  auto source = std::make_shared<std::string>(std::move(text));
  // A small buffer, so tests cross buffer boundaries and exercise growing.
  return LineReader(
      [source, offset](char* buffer, std::size_t size) -> core::Result<std::size_t> {
        const std::size_t n = std::min(size, source->size() - *offset);
        std::memcpy(buffer, source->data() + *offset, n);
        *offset += n;
        return n;
      },
      16);
}

core::Result<bool> LineReader::Fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  auto n = read_(buffer_.data() + end_, buffer_.size() - end_);
  if (!n) return n.error();
  if (*n == 0) {
    eof_ = true;
    return false;
  }
  end_ += *n;
  return true;
}

core::Result<bool> LineReader::Next(std::string_view& line) {
  while (at_start_) {
    if (end_ - begin_ >= 3 || eof_) {
      if (end_ - begin_ >= 3 && std::memcmp(buffer_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
        begin_ += 3;
        bytes_consumed_ += 3;
      }
      at_start_ = false;
      break;
    }
    if (auto got = Fill(); !got) return got.error();
  }
  std::size_t scanned = begin_;
  for (;;) {
    const void* newline = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    if (newline != nullptr) {
      const auto stop = static_cast<std::size_t>(static_cast<const char*>(newline) - buffer_.data()) + 1;
      line = std::string_view(buffer_.data() + begin_, stop - begin_);
      break;
    }
    if (eof_) {
      if (begin_ == end_) return false;
      line = std::string_view(buffer_.data() + begin_, end_ - begin_);
      break;
    }
    const std::size_t searched = end_ - begin_;
    if (auto got = Fill(); !got) return got.error();
    scanned = begin_ + searched;  // Fill moved the pending bytes to the front
  }
  begin_ += line.size();
  bytes_consumed_ += line.size();
  ++line_number_;
  return true;
}

core::Result<std::optional<char>> LineReader::PeekFirstNonBlank() {
  std::size_t scanned = begin_;
  for (;;) {
    for (; scanned < end_; ++scanned) {
      const char c = buffer_[scanned];
      // Skip a byte order mark as well: it is not content.
      if (at_start_ && scanned == begin_ && end_ - begin_ >= 3 &&
          std::memcmp(buffer_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
        scanned += 2;
        continue;
      }
      if (!IsBlank(c)) return std::optional<char>(c);
    }
    if (eof_) return std::optional<char>();
    const std::size_t searched = scanned - begin_;
    auto got = Fill();
    if (!got) return got.error();
    scanned = begin_ + searched;
  }
}

// ----------------------------------------------------------------------------------------------

core::Result<std::unique_ptr<RecordReader>> OpenCsv(LineReader& lines, Kind kind) {
  auto reader = std::make_unique<CsvReader>(lines, kind);
  if (auto header = reader->ReadHeader(); !header) return header.error();
  return std::unique_ptr<RecordReader>(std::move(reader));
}

std::unique_ptr<RecordReader> OpenJsonl(LineReader& lines, Kind kind) {
  return std::make_unique<JsonlReader>(lines, kind);
}

core::Result<Format> DetectFormat(std::string_view path, LineReader& lines) {
  std::string lower(path);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.ends_with(".csv")) return Format::kCsv;
  if (lower.ends_with(".jsonl") || lower.ends_with(".ndjson")) return Format::kJsonl;
  auto first = lines.PeekFirstNonBlank();
  if (!first) return first.error();
  return *first == '{' ? Format::kJsonl : Format::kCsv;
}

}  // namespace publish
