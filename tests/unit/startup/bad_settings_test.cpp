// A bad setting must stop a binary before it touches anything, with exactly one line on
// stderr naming the variable, and exit code 2. Runs the real worker binary; needs no services.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Outcome {
  int exit_code = -1;
  std::string stderr_text;
};

Outcome RunWithEnv(const std::string& binary, const std::vector<std::string>& extra_env) {
  std::string err_path = ::testing::TempDir() + "startup_stderr_" + std::to_string(::getpid());
  std::vector<std::string> env_storage;
  // The extra settings replace the caller's (a shell with the stack's TUNEFLEET_* exported
  // would otherwise win, and the worker would start for real).
  auto overridden = [&](const std::string& entry) {
    for (const auto& e : extra_env) {
      if (entry.compare(0, e.find('=') + 1, e, 0, e.find('=') + 1) == 0) return true;
    }
    return false;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) env_storage.emplace_back(*e);
  }
  for (const auto& e : extra_env) env_storage.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv = {const_cast<char*>(binary.c_str()), nullptr};
  pid_t pid = 0;
  Outcome out;
  if (posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) {
    ADD_FAILURE() << "cannot start " << binary;
    return out;
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_path);
  std::stringstream text;
  text << in.rdbuf();
  out.stderr_text = text.str();
  std::remove(err_path.c_str());
  return out;
}

class BadSettingTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(BadSettingTest, WorkerExitsWithOneLineNamingTheVariable) {
  const auto& [variable, value] = GetParam();
  Outcome out = RunWithEnv(std::string(TUNEFLEET_BINARY_DIR) + "/bin/tunefleet-noop",
                           {variable + "=" + value});
  EXPECT_EQ(out.exit_code, 2) << out.stderr_text;
  ASSERT_FALSE(out.stderr_text.empty());
  EXPECT_EQ(out.stderr_text.find('\n'), out.stderr_text.size() - 1) << "more than one line:\n" << out.stderr_text;
  EXPECT_NE(out.stderr_text.find(variable), std::string::npos) << out.stderr_text;
}

INSTANTIATE_TEST_SUITE_P(
    Worker, BadSettingTest,
    ::testing::Values(std::pair{"TUNEFLEET_METRICS_PORT", "abc"}, std::pair{"TUNEFLEET_METRICS_PORT", "70000"},
                      std::pair{"TUNEFLEET_AMQP_URL", "http://localhost:5672/"},
                      std::pair{"TUNEFLEET_LOG_LEVEL", "loud"}, std::pair{"TUNEFLEET_BATCH_SIZE", "0"},
                      std::pair{"TUNEFLEET_BATCH_MAX_WAIT", "soon"}, std::pair{"TUNEFLEET_PG_DSN", "garbage"},
                      std::pair{"TUNEFLEET_MAX_ATTEMPTS", "-1"}),
    [](const ::testing::TestParamInfo<std::pair<std::string, std::string>>& param_info) {
      std::string name = param_info.param.first.substr(10) + "_" + std::to_string(param_info.index);
      for (auto& c : name) if (c == '_') c = 'X';
      return name;
    });

}  // namespace
