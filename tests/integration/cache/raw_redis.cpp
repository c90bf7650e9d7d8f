#include "tests/integration/cache/raw_redis.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tests/support/redis_db.hpp"

namespace cache_test {

RawRedis::RawRedis(int db) {
  // redis://host:port/db, as the tests' helper builds it.
  const std::string url = test_support::RedisDbUrl(db);
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  const auto colon = rest.rfind(':');
  std::string host = rest.substr(0, colon);
  const int port = std::stoi(rest.substr(colon + 1));
  if (host == "localhost") host = "127.0.0.1";
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    throw std::runtime_error("redis at " + host + ":" + std::to_string(port) + " is not reachable (scripts/stack up)");
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto selected = Call({"SELECT", std::to_string(db)});
  if (selected.type != '+') throw std::runtime_error("SELECT " + std::to_string(db) + " answered " + selected.text);
}

RawRedis::~RawRedis() {
  if (fd_ >= 0) close(fd_);
}

void RawRedis::Append(const std::vector<std::string>& argv) {
  out_ += "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& arg : argv) {
    out_ += "$" + std::to_string(arg.size()) + "\r\n";
    out_ += arg;
    out_ += "\r\n";
  }
}

void RawRedis::Flush() {
  std::size_t sent = 0;
  while (sent < out_.size()) {
    ssize_t n = write(fd_, out_.data() + sent, out_.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("write to redis failed: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  out_.clear();
}

void RawRedis::Fill() {
  if (in_pos_ > 0 && in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  }
  char buf[64 * 1024];
  ssize_t n = 0;
  do {
    n = read(fd_, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) throw std::runtime_error("redis closed the connection or the read failed");
  in_.append(buf, static_cast<std::size_t>(n));
}

std::string RawRedis::ReadLine() {
  for (;;) {
    const auto end = in_.find("\r\n", in_pos_);
    if (end != std::string::npos) {
      std::string line = in_.substr(in_pos_, end - in_pos_);
      in_pos_ = end + 2;
      return line;
    }
    Fill();
  }
}

std::string RawRedis::ReadBytes(std::size_t n) {
  while (in_.size() - in_pos_ < n + 2) Fill();
  std::string bytes = in_.substr(in_pos_, n);
  in_pos_ += n + 2;
  return bytes;
}

RawReply RawRedis::Read() {
  const std::string line = ReadLine();
  if (line.empty()) throw std::runtime_error("empty RESP line");
  RawReply reply;
  reply.type = line[0];
  const std::string rest = line.substr(1);
  switch (reply.type) {
    case '+':
    case '-': reply.text = rest; break;
    case ':': reply.integer = std::stoll(rest); break;
    case '$': {
      const long long size = std::stoll(rest);
      if (size < 0) reply.is_nil = true;
      else reply.text = ReadBytes(static_cast<std::size_t>(size));
      break;
    }
    case '*': {
      const long long size = std::stoll(rest);
      for (long long i = 0; i < size; ++i) reply.elements.push_back(Read());
      break;
    }
    default: throw std::runtime_error("unexpected RESP line: " + line);
  }
  return reply;
}

RawReply RawRedis::Call(const std::vector<std::string>& argv) {
  Append(argv);
  Flush();
  return Read();
}

std::vector<std::string> RawRedis::AllKeys() {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto page = Call({"SCAN", cursor, "COUNT", "10000"});
    if (page.type != '*' || page.elements.size() != 2) throw std::runtime_error("SCAN answered " + page.text);
    cursor = page.elements[0].text;
    for (auto& key : page.elements[1].elements) keys.push_back(std::move(key.text));
  } while (cursor != "0");
  return keys;
}

}  // namespace cache_test
