#pragma once

#include <map>
#include <string>
#include <vector>

// Runs the built `tunefleet` binary the way an operator would, for the status and dlq tests.
namespace dlq_test {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// <build>/bin/tunefleet `args` with the test's environment minus TUNEFLEET_* plus `env`,
// stdin from /dev/null (not a terminal); waits at most two minutes (then kills it and records
// a failure).
CliRun RunTunefleet(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);

// TUNEFLEET_AMQP_URL of `amqp_url` and TUNEFLEET_RABBITMQ_API_URL of the stack.
std::map<std::string, std::string> CliEnv(const std::string& amqp_url);

// Lines of `text` that contain `needle`.
std::vector<std::string> LinesWith(const std::string& text, const std::string& needle);

}  // namespace dlq_test
