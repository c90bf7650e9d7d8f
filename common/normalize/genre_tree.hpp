#pragma once

#include <string_view>

namespace normalize {

// beets' lastgenre genre tree as shipped (data/genres-tree.yaml, MIT, see data/SOURCE.md;
// embedded at build time): nested YAML lists, a parent genre as the key of its children's
// list, four spaces per level. The one copy in the tree; provider-sim builds its style
// families from it.
std::string_view GenreTreeText();

}  // namespace normalize
