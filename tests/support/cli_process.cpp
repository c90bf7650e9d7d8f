#include "tests/support/cli_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "tests/support/endpoints.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace test_support {
namespace fs = std::filesystem;

fs::path TunefleetBinary() { return fs::path(TUNEFLEET_BINARY_DIR) / "bin" / "tunefleet"; }

CliProcess::CliProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                       const CliOptions& options)
    : name_(args.empty() ? "tunefleet" : "tunefleet " + args.front()), timeout_(options.timeout) {
  if (options.output_dir.empty()) {
    temp_dir_ = fs::temp_directory_path() / ("tf_cli_" + UniqueSuffix());
    fs::create_directories(temp_dir_);
    output_dir_ = temp_dir_;
  } else {
    output_dir_ = options.output_dir;
  }

  const std::string binary = TunefleetBinary().string();
  std::vector<std::string> arg_strings = {binary};
  arg_strings.insert(arg_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("TUNEFLEET_", 0) != 0) env_strings.emplace_back(*e);
  }
  for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
  std::vector<char*> argv;
  for (auto& s : arg_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  const std::string stdin_path = options.stdin_path.string();
  const std::string out_path = (output_dir_ / "stdout").string();
  const std::string err_path = (output_dir_ / "stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  deadline_ = std::chrono::steady_clock::now() + timeout_;
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    RemoveTempDir();
    throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
  }
}

CliProcess::~CliProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  RemoveTempDir();
}

void CliProcess::RemoveTempDir() {
  if (temp_dir_.empty()) return;
  std::error_code ignored;
  fs::remove_all(temp_dir_, ignored);
}

CliRun CliProcess::Wait() {
  CliRun run;
  if (pid_ <= 0) {
    ADD_FAILURE() << name_ << " was already waited for";
    return run;
  }
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      ADD_FAILURE() << name_ << " did not finish within " << timeout_.count() << " s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = ReadFile(output_dir_ / "stdout");
  run.err = ReadFile(output_dir_ / "stderr");
  return run;
}

CliRun RunTunefleet(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    const CliOptions& options) {
  return CliProcess(args, env, options).Wait();
}

}  // namespace test_support
