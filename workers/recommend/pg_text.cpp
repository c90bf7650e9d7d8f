#include "workers/recommend/pg_text.hpp"

#include <charconv>

namespace recommend {

std::string BigintArray(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

std::string IntArray(const std::vector<std::int64_t>& values) { return BigintArray(values); }

std::string RealArray(const std::vector<double>& values) {
  std::string out = "{";
  char buffer[64];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(values[i]));
    out.append(buffer, ec == std::errc{} ? end : buffer);
  }
  return out + "}";
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::vector<std::string> SplitTags(std::string_view joined) {
  std::vector<std::string> tags;
  if (joined.empty()) return tags;
  std::size_t start = 0;
  while (true) {
    std::size_t end = joined.find(kTagSeparator, start);
    tags.emplace_back(joined.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return tags;
}

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string out;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (i) out += kTagSeparator;
    out += tags[i];
  }
  return out;
}

}  // namespace recommend
