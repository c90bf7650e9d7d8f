# Turns data/genres.txt into a C++ source with the text as a raw string literal.
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}" "// Generated from common/normalize/data/genres.txt; do not edit.\n"
  "#include <string_view>\nnamespace normalize {\nextern const std::string_view kGenreList;\n"
  "const std::string_view kGenreList = R\"GENRES(${content})GENRES\";\n}  // namespace normalize\n")
