#include "common/runtime/fault_injection.hpp"

#ifdef TUNEFLEET_FAULT_INJECTION
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#endif

namespace runtime::fault {

#ifdef TUNEFLEET_FAULT_INJECTION
namespace {

struct Plan {
  std::string point;
  long at = 0;  // the pass that kills; 0: never
  long passes = 0;
};

// TUNEFLEET_TEST_KILL_AT as "<point>:<n>" (n >= 1); anything else plans nothing.
Plan& ThePlan() {
  static Plan plan = [] {
    Plan p;
    const char* value = std::getenv("TUNEFLEET_TEST_KILL_AT");
    if (value == nullptr) return p;
    std::string text = value;
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return p;
    p.point = text.substr(0, colon);
    p.at = std::strtol(text.c_str() + colon + 1, nullptr, 10);
    return p;
  }();
  return plan;
}

}  // namespace

void KillPoint(std::string_view point) {
  Plan& plan = ThePlan();
  if (plan.at <= 0 || point != plan.point) return;
  if (++plan.passes != plan.at) return;
  // The line the tests look for, written unbuffered before the kill.
  std::fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"test kill point reached\",\"point\":\"%s\"}\n", plan.point.c_str());
  std::fflush(stderr);
  ::kill(::getpid(), SIGKILL);
}
#else
void KillPoint(std::string_view) {}
#endif

}  // namespace runtime::fault
