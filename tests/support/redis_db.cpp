#include "tests/support/redis_db.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace test_support {
namespace {

std::pair<std::string, int> RedisHostPort() {
  const char* env = std::getenv("TUNEFLEET_REDIS_URL");
  std::string url = env != nullptr && *env != '\0' ? env : "redis://127.0.0.1:36379";
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return {rest, 6379};
  return {rest.substr(0, colon), std::stoi(rest.substr(colon + 1))};
}

}  // namespace

std::string RedisDbUrl(int db) {
  auto [host, port] = RedisHostPort();
  return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

void FlushRedisDb(int db) {
  auto [host, port] = RedisHostPort();
  const std::string where = "redis at " + host + ":" + std::to_string(port);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error(where + " is not reachable (scripts/stack up)");
  }
  std::string command = "SELECT " + std::to_string(db) + "\r\nFLUSHDB\r\n";
  if (write(fd, command.data(), command.size()) != static_cast<ssize_t>(command.size())) {
    close(fd);
    throw std::runtime_error(where + ": cannot send SELECT + FLUSHDB");
  }
  std::string reply;
  char buf[64];
  while (reply.size() < 10) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  if (reply != "+OK\r\n+OK\r\n") {
    throw std::runtime_error(where + ": SELECT " + std::to_string(db) + " + FLUSHDB answered " + reply);
  }
}

}  // namespace test_support
