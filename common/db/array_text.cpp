#include "common/db/array_text.hpp"

#include <charconv>

namespace db {

std::string BigintArray(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

std::string RealArray(const std::vector<float>& values) {
  std::string out = "{";
  char buffer[32];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, values[i]);
    (void)ec;  // 32 bytes always hold the shortest form of a float
    out.append(buffer, end);
  }
  return out + "}";
}

std::string RealArray(const std::vector<double>& values) {
  return RealArray(std::vector<float>(values.begin(), values.end()));
}

std::string BoolArray(const std::vector<bool>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += values[i] ? 't' : 'f';
  }
  return out + "}";
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
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
  if (joined.empty()) return {};
  return SplitTags(joined, 1);
}

std::vector<std::string> SplitTags(std::string_view joined, std::size_t count) {
  std::vector<std::string> tags;
  if (count == 0) return tags;
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
    if (i > 0) out += kTagSeparator;
    out += tags[i];
  }
  return out;
}

}  // namespace db
