#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace test_support {

// How a process ended.
struct ExitStatus {
  int code = -1;    // exit code when it exited
  int signal = 0;   // the signal that ended it, else 0
  bool operator==(const ExitStatus&) const = default;
};
std::string Describe(const ExitStatus& status);

// A worker binary started with posix_spawn: the test process's environment minus every
// TUNEFLEET_* variable, plus `env`; stdout and stderr go to one log file in a temp folder
// of its own. The destructor SIGKILLs a process still running, prints the log's tail when
// the current test has failed, and removes the folder (kept when TUNEFLEET_TEST_KEEP_LOGS
// is set). Not thread safe.
class WorkerProcess {
 public:
  WorkerProcess(const std::filesystem::path& binary, const std::map<std::string, std::string>& env);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  // True until the process has exited (reaps it without blocking).
  bool Running();
  void Kill(int signal);
  void Terminate();  // SIGTERM: a graceful drain
  // Waits (polling) until the process exits or `timeout` passes; nullopt on timeout (the
  // process is left running).
  std::optional<ExitStatus> WaitExit(std::chrono::milliseconds timeout);
  const std::optional<ExitStatus>& exit_status() const { return status_; }

  std::string Log() const;
  std::string LogTail(std::size_t lines) const;
  const std::filesystem::path& log_path() const { return log_path_; }

 private:
  std::filesystem::path binary_;
  std::filesystem::path dir_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

// SIGTERM, then expect a clean exit (code 0) within `timeout`.
void StopGracefully(WorkerProcess& worker, std::chrono::milliseconds timeout = std::chrono::seconds{30});

// <build>/bin/tunefleet-noop.
std::filesystem::path NoopWorkerBinary();

}  // namespace test_support
