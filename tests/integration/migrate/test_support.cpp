#include "tests/integration/migrate/test_support.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/db/connection.hpp"

extern char** environ;

namespace migrate_test {
namespace fs = std::filesystem;

namespace {

std::string RandomSuffix() {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  std::ostringstream out;
  out << std::hex << random() << getpid() << counter++;
  return out.str();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TempDir::TempDir() : path_(fs::temp_directory_path() / ("tf_migrate_" + RandomSuffix())) {
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void CopyRepositoryMigrations(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(TUNEFLEET_SOURCE_DIR "/migrations")) {
    fs::copy_file(entry.path(), dir / entry.path().filename());
  }
}

TunefleetProcess::TunefleetProcess(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env,
                                   const fs::path& scratch) {
  std::string id = RandomSuffix();
  out_path_ = scratch / ("tunefleet_" + id + ".out");
  err_path_ = scratch / ("tunefleet_" + id + ".err");

  std::vector<std::string> argv_storage = {TUNEFLEET_BINARY_DIR "/bin/tunefleet"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("TUNEFLEET_", 0) != 0) env_storage.emplace_back(*e);
  }
  for (const auto& [key, value] : env) env_storage.push_back(key + "=" + value);

  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    ADD_FAILURE() << "posix_spawn " << argv[0] << ": " << std::strerror(rc);
  }
}

TunefleetProcess::~TunefleetProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

ProcessResult TunefleetProcess::Wait(std::chrono::steady_clock::time_point deadline) {
  ProcessResult result;
  if (pid_ <= 0) return result;
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      ADD_FAILURE() << "tunefleet did not exit before the deadline";
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.out = ReadFile(out_path_);
  result.err = ReadFile(err_path_);
  return result;
}

ProcessResult RunTunefleet(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  TempDir scratch;
  TunefleetProcess process(args, env, scratch.path());
  return process.Wait(std::chrono::steady_clock::now() + std::chrono::seconds(30));
}

}  // namespace migrate_test
