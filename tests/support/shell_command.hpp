#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

// Running a built binary through the shell from a unit test (header-only: unit
// tests do not link the integration tests' support library).
namespace test_support {

struct CommandOutput {
  int code = -1;   // the exit status; -1 when the command did not exit normally
  std::string out; // what it printed (stderr too, when the command folds it in
                   // with 2>&1)
};

// Runs `command` with /bin/sh (popen) and collects its standard output.
inline CommandOutput RunShellCommand(const std::string &command) {
  CommandOutput run;
  FILE *pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return run;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.out.append(buffer.data(), n);
  int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

} // namespace test_support
