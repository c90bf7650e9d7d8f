#include "tests/integration/dlq/dlq_test_support.hpp"

#include <sstream>

#include "tests/support/endpoints.hpp"

namespace dlq_test {

std::map<std::string, std::string> CliEnv(const std::string& amqp_url) {
  return {{"TUNEFLEET_AMQP_URL", amqp_url}, {"TUNEFLEET_RABBITMQ_API_URL", test_support::RabbitApiUrl()}};
}

std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

}  // namespace dlq_test
