#include "tools/tunefleet/import_csv.hpp"

#include <csv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <string_view>

namespace scrobbles {
namespace {

constexpr std::size_t kMaxRecordBytes = 64 * 1024;

std::string Lower(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

int FindColumn(const std::vector<std::string>& lowered, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    auto it = std::find(lowered.begin(), lowered.end(), name);
    if (it != lowered.end()) return static_cast<int>(it - lowered.begin());
  }
  return -1;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  return std::string(text);
}

bool Digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Reads `width` digits at `pos`; false if they are not there.
bool Read(std::string_view text, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > text.size() || !Digits(text.substr(pos, width))) return false;
  std::from_chars(text.data() + pos, text.data() + pos + width, out);
  pos += width;
  return true;
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<std::int64_t> FromFields(int year, int month, int day, int hour, int minute, int second) {
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = timegm(&tm);
  if (tm.tm_mday != day) return std::nullopt;  // 31 February
  return static_cast<std::int64_t>(t);
}

// "YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|±HH:MM]"
std::optional<std::int64_t> IsoTime(std::string_view text) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Read(text, pos, 4, year) || !Expect(text, pos, '-') || !Read(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !Read(text, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos < text.size()) {
    if (text[pos] != ' ' && text[pos] != 'T' && text[pos] != 't') return std::nullopt;
    ++pos;
    if (!Read(text, pos, 2, hour) || !Expect(text, pos, ':') || !Read(text, pos, 2, minute)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!Read(text, pos, 2, second)) return std::nullopt;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) ++pos;
      }
    }
  }
  std::int64_t offset = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' || text[pos] == 'z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      const int sign = text[pos] == '+' ? 1 : -1;
      ++pos;
      int oh = 0, om = 0;
      if (!Read(text, pos, 2, oh)) return std::nullopt;
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (!Read(text, pos, 2, om)) return std::nullopt;
      offset = sign * (oh * 3600 + om * 60);
    } else if (text.substr(pos) == " UTC") {
      pos = text.size();
    }
  }
  if (pos != text.size()) return std::nullopt;
  auto t = FromFields(year, month, day, hour, minute, second);
  if (!t) return std::nullopt;
  return *t - offset;
}

// Last.fm's date text: "14 Nov 2023, 22:13" (UTC).
std::optional<std::int64_t> LastfmTime(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                               "jul", "aug", "sep", "oct", "nov", "dec"};
  std::size_t pos = 0;
  int day = 0, year = 0, hour = 0, minute = 0;
  std::size_t day_digits = text.size() > 1 && std::isdigit(static_cast<unsigned char>(text[1])) != 0 ? 2 : 1;
  if (!Read(text, pos, day_digits, day) || !Expect(text, pos, ' ') || pos + 3 > text.size()) return std::nullopt;
  const std::string month_name = Lower(text.substr(pos, 3));
  auto month = std::find(kMonths.begin(), kMonths.end(), month_name);
  if (month == kMonths.end()) return std::nullopt;
  pos += 3;
  if (!Expect(text, pos, ' ') || !Read(text, pos, 4, year) || !Expect(text, pos, ',') || !Expect(text, pos, ' ') ||
      !Read(text, pos, 2, hour) || !Expect(text, pos, ':') || !Read(text, pos, 2, minute) || pos != text.size()) {
    return std::nullopt;
  }
  return FromFields(year, static_cast<int>(month - kMonths.begin()) + 1, day, hour, minute, 0);
}

}  // namespace

core::Result<std::int64_t> ParseScrobbleTime(std::string_view raw) {
  const std::string text = Trim(raw);
  if (text.empty()) return core::Error::InvalidInput("missing timestamp");
  if (Digits(text)) {
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc{} && ptr == text.data() + text.size()) {
      if (text.size() == 13) value /= 1000;  // milliseconds
      if (value > 0 && value < 32'503'680'000) return value;
    }
    return core::Error::InvalidInput("timestamp \"" + text + "\" is out of range (unix seconds)");
  }
  if (auto t = IsoTime(text)) return *t;
  if (auto t = LastfmTime(text)) return *t;
  return core::Error::InvalidInput("timestamp \"" + text +
                                   "\" is not unix seconds, RFC 3339, \"YYYY-MM-DD HH:MM:SS\" (UTC) or "
                                   "\"14 Nov 2023, 22:13\"");
}

core::Result<CsvColumns> ParseCsvHeader(const std::vector<std::string>& fields) {
  std::vector<std::string> lowered;
  for (const auto& field : fields) lowered.push_back(Lower(field));
  CsvColumns columns;
  columns.count = fields.size();
  columns.artist = FindColumn(lowered, {"artist", "artist_name", "artistname"});
  columns.track = FindColumn(lowered, {"track", "title", "track_name", "trackname", "name"});
  columns.album = FindColumn(lowered, {"album", "album_name", "albumname"});
  columns.timestamp = FindColumn(lowered, {"timestamp", "uts", "played_at", "date", "utc_time", "time"});
  columns.mbid = FindColumn(lowered, {"mbid", "track_mbid"});
  std::string missing;
  if (columns.artist < 0) missing += "\"artist\"";
  if (columns.track < 0) missing += std::string(missing.empty() ? "" : ", ") + "\"track\"";
  if (columns.timestamp < 0) missing += std::string(missing.empty() ? "" : ", ") + "\"timestamp\" (or uts, utc_time)";
  if (!missing.empty()) {
    return core::Error::InvalidInput("the header has no " + missing +
                                     " column; expected artist, track, album (optional), timestamp");
  }
  return columns;
}

core::Result<db::ScrobbleRow> ParseCsvRow(const CsvColumns& columns, const std::vector<std::string>& fields) {
  if (fields.size() != columns.count) {
    return core::Error::InvalidInput("expected " + std::to_string(columns.count) + " fields as in the header, got " +
                                     std::to_string(fields.size()));
  }
  const auto at = [&](int column) { return column < 0 ? std::string() : Trim(fields[static_cast<std::size_t>(column)]); };
  db::ScrobbleRow row;
  row.artist = at(columns.artist);
  row.title = at(columns.track);
  row.album = at(columns.album);
  row.mbid = at(columns.mbid);
  if (row.artist.empty()) return core::Error::InvalidInput("missing artist");
  if (row.title.empty()) return core::Error::InvalidInput("missing track");
  if (std::size_t bad = publish::FindInvalidUtf8(row.artist + row.title + row.album); bad != std::string::npos) {
    return core::Error::InvalidInput("invalid UTF-8 in artist, track or album");
  }
  auto played = ParseScrobbleTime(at(columns.timestamp));
  if (!played) return played.error();
  row.played_at = *played;
  return row;
}

struct CsvRecords::Parser {
  explicit Parser(publish::LineReader& l) : lines(l) { Init(); }
  ~Parser() { csv_free(&parser); }

  void Init() {
    csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI);
    // Only '\n' ends a record, so a physical line holds at most one record end.
    csv_set_term_func(&parser, [](unsigned char c) { return c == '\n' ? 1 : 0; });
    csv_set_space_func(&parser, [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' ? 1 : 0; });
  }
  void Reset() {
    csv_free(&parser);
    Init();
  }
  static void OnField(void* data, std::size_t size, void* self) {
    static_cast<Parser*>(self)->record->fields.emplace_back(static_cast<const char*>(data), size);
  }
  static void OnRowEnd(int, void* self) { static_cast<Parser*>(self)->row_done = true; }

  publish::LineReader& lines;
  csv_parser parser{};
  CsvRecord* record = nullptr;
  bool row_done = false;
};

CsvRecords::CsvRecords(publish::LineReader& lines) : parser_(std::make_unique<Parser>(lines)) {}
CsvRecords::~CsvRecords() = default;

core::Result<bool> CsvRecords::Next(CsvRecord& record) {
  Parser& p = *parser_;
  record.fields.clear();
  record.raw.clear();
  record.error.clear();
  p.record = &record;
  p.row_done = false;
  for (;;) {
    std::string_view line;
    auto got = p.lines.Next(line);
    if (!got) return got.error();
    if (!*got) {
      if (record.raw.empty()) return false;
      if (csv_fini(&p.parser, Parser::OnField, Parser::OnRowEnd, &p) != 0) {
        record.error = "unterminated quoted field (RFC 4180) at end of input";
        p.Reset();
      }
      return true;
    }
    if (record.raw.empty()) {
      if (std::all_of(line.begin(), line.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
        continue;
      }
      record.line = p.lines.line_number();
    }
    record.raw.append(line);
    const std::size_t parsed = csv_parse(&p.parser, line.data(), line.size(), Parser::OnField, Parser::OnRowEnd, &p);
    if (parsed != line.size()) {
      record.error = "malformed quoting (RFC 4180)";
      p.Reset();
    }
    if (!record.error.empty() || p.row_done || record.raw.size() > kMaxRecordBytes) {
      if (record.error.empty() && !p.row_done) {
        record.error = "record is longer than 64 KiB without ending (unterminated quoted field?)";
        p.Reset();
      }
      while (!record.raw.empty() && (record.raw.back() == '\n' || record.raw.back() == '\r')) record.raw.pop_back();
      return true;
    }
  }
}

}  // namespace scrobbles
