#pragma once

#include <cstddef>
#include <string_view>

namespace test_support {

// How often `needle` (not empty) occurs in `text`, overlaps counted: log lines of a kind, a
// message repeated on stderr.
inline std::size_t CountOccurrences(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

}  // namespace test_support
