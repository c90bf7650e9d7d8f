#include "tests/support/endpoints.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <random>
#include <sstream>

namespace test_support {
namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

std::string AmqpUrl() { return EnvOr("TUNEFLEET_AMQP_URL", "amqp://guest:guest@127.0.0.1:35672/%2f"); }

std::string RabbitApiUrl() {
  std::string url = EnvOr("TUNEFLEET_RABBITMQ_API_URL", "http://guest:guest@127.0.0.1:35673");
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string PgDsn() {
  return EnvOr("TUNEFLEET_PG_ADMIN_DSN",
               EnvOr("TUNEFLEET_PG_DSN", "postgresql://tunefleet:tunefleet@127.0.0.1:35432/tunefleet").c_str());
}

PgRoleDsns PgRoles() {
  const std::string admin = PgDsn();
  if (EnvOr("TUNEFLEET_PG_ADMIN_DSN", "").empty()) return {admin, admin, admin, false};
  return {EnvOr("TUNEFLEET_PG_OWNER_DSN", admin.c_str()), EnvOr("TUNEFLEET_PG_DSN", admin.c_str()),
          EnvOr("TUNEFLEET_PG_READER_DSN", admin.c_str()), true};
}

std::string UniqueSuffix() {
  static std::atomic<unsigned> counter{0};
  static const unsigned seed = std::random_device{}();
  std::ostringstream out;
  out << std::hex << (seed & 0xffffu) << static_cast<unsigned>(getpid()) << counter++;
  return out.str();
}

std::string CurrentTestSlug(std::size_t max_length) {
  std::string test = "test";
  if (const auto* info = testing::UnitTest::GetInstance()->current_test_info()) {
    test = std::string(info->test_suite_name()) + "_" + info->name();
  }
  std::string clean;
  for (char c : test) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) clean += static_cast<char>(std::tolower(c));
    if (c == '_' || c == '/') clean += '_';
  }
  if (clean.size() > max_length) clean.resize(max_length);
  return clean;
}

}  // namespace test_support
