#include "common/normalize/genre_tree.hpp"

namespace normalize {

extern const std::string_view kGenreTree;  // data/genres-tree.yaml, embedded at build time

std::string_view GenreTreeText() { return kGenreTree; }

}  // namespace normalize
