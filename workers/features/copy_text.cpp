#include "workers/features/copy_text.hpp"

namespace features {

std::string UnescapeCopyText(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      out += c;
      continue;
    }
    char e = field[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      default:
        if (e >= '0' && e <= '7') {  // \ooo: PostgreSQL never writes these, but may
          int value = e - '0';
          for (int k = 0; k < 2 && i + 1 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '7'; ++k) {
            value = value * 8 + (field[++i] - '0');
          }
          out += static_cast<char>(value);
        } else {
          out += e;  // \\ and any other escaped character stand for themselves
        }
    }
  }
  return out;
}

std::string CsvField(std::string_view value) {
  bool quote = value.empty() || value.find_first_of(",\"\n\r") != std::string_view::npos;
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CopyTextToCsv(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 8);
  bool first = true;
  while (true) {
    auto tab = line.find('\t');
    std::string_view field = line.substr(0, tab);
    if (!first) out += ',';
    first = false;
    if (field != "\\N") {
      // Fast path: numbers and plain words need neither unescaping nor quoting.
      if (!field.empty() && field.find_first_of("\\,\"") == std::string_view::npos) {
        out += field;
      } else {
        out += CsvField(UnescapeCopyText(field));
      }
    }
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  return out;
}

}  // namespace features
