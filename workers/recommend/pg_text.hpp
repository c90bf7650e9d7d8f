#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// PostgreSQL text forms the recommend statements exchange: array literals for parameters
// (libpqxx 6.4 has no array parameters) and tag lists joined by U+001F.
namespace recommend {

inline constexpr char kTagSeparator = '\x1f';

std::string BigintArray(const std::vector<std::int64_t>& values);  // {1,2,3}
std::string IntArray(const std::vector<std::int64_t>& values);
// Each value rounded to float (the column is real) and printed in its shortest exact form.
std::string RealArray(const std::vector<double>& values);
// Every element double-quoted with " and \ escaped: {"rock","hip hop"}.
std::string TextArray(const std::vector<std::string>& values);

std::vector<std::string> SplitTags(std::string_view joined);  // "" -> {}
std::string JoinTags(const std::vector<std::string>& tags);

}  // namespace recommend
