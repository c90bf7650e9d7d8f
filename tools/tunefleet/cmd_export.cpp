// tunefleet export: placeholder until the features builder lands (issue 7).
#include <cstdio>

#include "tools/tunefleet/commands.hpp"

namespace cli {
int RunExport(int, char*[]) {
  std::fprintf(stderr, "tunefleet export: not available yet\n");
  return kExitFailure;
}
}  // namespace cli
