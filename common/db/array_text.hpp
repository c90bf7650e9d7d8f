#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// PostgreSQL text forms our batched statements exchange: array literals for parameters
// (libpqxx 6.4 binds no arrays; statements cast them, `$1::bigint[]`), and tag lists read back
// with array_to_string(..., chr(31)). Pure: no connection needed.
namespace db {

inline constexpr char kTagSeparator = '\x1f';

std::string BigintArray(const std::vector<std::int64_t>& values);  // {1,2,3}
// Each value in its shortest text that reads back as the same float (the columns are real).
std::string RealArray(const std::vector<float>& values);
// The same for doubles, each rounded to float first.
std::string RealArray(const std::vector<double>& values);
std::string BoolArray(const std::vector<bool>& values);  // {t,f}
// Every element double-quoted with " and \ escaped: {"rock","hip hop"}.
std::string TextArray(const std::vector<std::string>& values);

std::vector<std::string> SplitTags(std::string_view joined);  // "" -> {}
// The same for a list whose length is known (cardinality(...) beside array_to_string), which
// tells {} from {""}: `count` 0 gives {}, otherwise every piece, empty ones included.
std::vector<std::string> SplitTags(std::string_view joined, std::size_t count);
std::string JoinTags(const std::vector<std::string>& tags);

}  // namespace db
