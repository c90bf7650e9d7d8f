#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

// The built `tunefleet` command-line tool run the way an operator runs it, for the tests of
// its subcommands (export, publish, status, dlq, migrate, similar).
namespace test_support {

// <build>/bin/tunefleet.
std::filesystem::path TunefleetBinary();

// How a run of `tunefleet` ended and what it printed.
struct CliRun {
  int exit_code = -1;  // the exit code; 128 + the signal when a signal ended it
  std::string out;     // everything it wrote to stdout
  std::string err;     // everything it wrote to stderr
};

struct CliOptions {
  // What the process reads as stdin: not a terminal.
  std::filesystem::path stdin_path = "/dev/null";
  // Where the files `stdout` and `stderr` go (each run overwrites them; they stay). Empty: a temp
  // folder of the process's own, removed with it.
  std::filesystem::path output_dir = {};  // `= {}`: designated initializers may leave it out
  // Counted from the start; then Wait() kills the process and records a test failure.
  std::chrono::seconds timeout = std::chrono::minutes(2);
};

// `tunefleet args...` started with posix_spawn and left running in the background, in the
// test's working directory. Environment: the test process's minus every TUNEFLEET_* variable,
// plus `env` (so a developer's settings never leak in). Stdout and stderr go to files (see
// CliOptions::output_dir). The destructor SIGKILLs a process still running.
// Throws std::runtime_error when the binary cannot be started. Not thread safe.
class CliProcess {
 public:
  CliProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
             const CliOptions& options = {});
  ~CliProcess();
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  // Waits (polling) until the process exits, or kills it when the timeout has passed, then
  // returns its exit code and output. Call it once.
  CliRun Wait();
  // The process id (to send it a signal, e.g. SIGINT as Ctrl-C would).
  pid_t pid() const { return pid_; }

 private:
  void RemoveTempDir();

  std::string name_;  // "tunefleet <subcommand>", for failure messages
  std::filesystem::path temp_dir_;    // empty when CliOptions::output_dir was given
  std::filesystem::path output_dir_;  // holds `stdout` and `stderr`
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::seconds timeout_;
  pid_t pid_ = -1;
};

// Starts `tunefleet args...` as CliProcess does and waits for it.
CliRun RunTunefleet(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    const CliOptions& options = {});

}  // namespace test_support
