// tunefleet similar: placeholder until the recommend builder lands (issue 7).
#include <cstdio>

#include "tools/tunefleet/commands.hpp"

namespace cli {
int RunSimilar(int, char*[]) {
  std::fprintf(stderr, "tunefleet similar: not available yet\n");
  return kExitFailure;
}
}  // namespace cli
