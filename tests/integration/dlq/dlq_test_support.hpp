#pragma once

#include <map>
#include <string>
#include <vector>

// What the status and dlq tests share; they run `tunefleet` with tests/support/cli_process.hpp.
namespace dlq_test {

// TUNEFLEET_AMQP_URL of `amqp_url` and TUNEFLEET_RABBITMQ_API_URL of the stack.
std::map<std::string, std::string> CliEnv(const std::string& amqp_url);

// Lines of `text` that contain `needle`.
std::vector<std::string> LinesWith(const std::string& text, const std::string& needle);

}  // namespace dlq_test
