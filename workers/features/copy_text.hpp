#pragma once

#include <string>
#include <string_view>

// PostgreSQL's COPY text format (what pqxx::stream_from reads: tab-separated, \N for NULL,
// backslash escapes) turned into what `tunefleet export` writes. Pure.
namespace features {

// One COPY text line (no line break) as one CSV record (no line break): fields separated by
// commas, NULL as an empty field, an empty string as "", a field quoted (with "" for ") when
// it holds a comma, a quote, a line break or is empty.
std::string CopyTextToCsv(std::string_view line);
// A CSV field for a text value (the quoting rule above).
std::string CsvField(std::string_view value);
// A one-column COPY text line as the value it holds (backslash escapes undone).
std::string UnescapeCopyText(std::string_view field);

}  // namespace features
