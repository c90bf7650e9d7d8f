#include "tests/support/worker_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/endpoints.hpp"

extern char** environ;

namespace test_support {
namespace fs = std::filesystem;

std::string Describe(const ExitStatus& status) {
  if (status.signal != 0) return "killed by signal " + std::to_string(status.signal);
  return "exit code " + std::to_string(status.code);
}

fs::path NoopWorkerBinary() { return fs::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet-noop"; }

WorkerProcess::WorkerProcess(const fs::path& binary, const std::map<std::string, std::string>& env)
    : binary_(binary) {
  dir_ = fs::temp_directory_path() / ("tf_worker_" + UniqueSuffix());
  fs::create_directories(dir_);
  log_path_ = dir_ / (binary.filename().string() + ".log");

  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("TUNEFLEET_", 0) != 0) env_storage.emplace_back(*e);
  }
  for (const auto& [key, value] : env) env_storage.push_back(key + "=" + value);
  std::string program = binary_.string();
  std::vector<char*> argv = {program.data(), nullptr};
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("posix_spawn " + program + ": " + std::strerror(rc));
  }
}

WorkerProcess::~WorkerProcess() {
  if (Running()) {
    kill(pid_, SIGKILL);
    (void)WaitExit(std::chrono::seconds(10));
  }
  if (testing::Test::HasFailure()) {
    std::cerr << "----- last lines of " << binary_.filename().string() << " (pid " << pid_ << ", "
              << (status_ ? Describe(*status_) : "still running") << ") -----\n"
              << LogTail(40) << "-----\n";
  }
  if (const char* keep = std::getenv("TUNEFLEET_TEST_KEEP_LOGS"); keep != nullptr && *keep != '\0') {
    std::cerr << "kept worker log " << log_path_.string() << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

bool WorkerProcess::Running() {
  if (pid_ <= 0 || status_) return false;
  int raw = 0;
  pid_t done = waitpid(pid_, &raw, WNOHANG);
  if (done == 0) return true;
  ExitStatus status;
  if (done == pid_ && WIFEXITED(raw)) status.code = WEXITSTATUS(raw);
  if (done == pid_ && WIFSIGNALED(raw)) status.signal = WTERMSIG(raw);
  status_ = status;
  return false;
}

void WorkerProcess::Kill(int signal) {
  if (Running()) kill(pid_, signal);
}

void WorkerProcess::Terminate() { Kill(SIGTERM); }

std::optional<ExitStatus> WorkerProcess::WaitExit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

std::string WorkerProcess::Log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string WorkerProcess::LogTail(std::size_t lines) const {
  std::string text = Log();
  std::size_t pos = text.size();
  // Skip a trailing newline, then walk back `lines` line starts.
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (std::size_t seen = 0; pos > 0 && seen < lines; ++seen) {
    std::size_t nl = text.rfind('\n', pos - 1);
    pos = nl == std::string::npos ? 0 : nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

void StopGracefully(WorkerProcess& worker, std::chrono::milliseconds timeout) {
  worker.Terminate();
  auto status = worker.WaitExit(timeout);
  ASSERT_TRUE(status.has_value()) << "the worker did not exit within " << timeout.count() << " ms of SIGTERM";
  EXPECT_EQ(*status, (ExitStatus{0, 0})) << Describe(*status);
}

}  // namespace test_support
