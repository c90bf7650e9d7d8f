# Turns a data/ file into a C++ source with the text as a raw string literal:
#   cmake -DINPUT=data/genres.txt -DOUTPUT=genre_list.cpp -DVAR=kGenreList -P embed.cmake
# VAR is the name of the `extern const std::string_view` in namespace normalize.
if(NOT VAR)
  set(VAR kGenreList)
endif()
get_filename_component(input_name "${INPUT}" NAME)
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}" "// Generated from common/normalize/data/${input_name}; do not edit.\n"
  "#include <string_view>\nnamespace normalize {\nextern const std::string_view ${VAR};\n"
  "const std::string_view ${VAR} = R\"GENRES(${content})GENRES\";\n}  // namespace normalize\n")
