#pragma once

#include <cstdint>
#include <string>
#include <vector>

// A blocking Redis connection for tests: its own view of the database, independent of the
// code under test (common/redis), and a client whose every round trip can be timed. Speaks
// RESP over a plain socket to the stack's Redis (TUNEFLEET_REDIS_URL's host and port, no
// credentials). Throws std::runtime_error on any failure. Not thread safe: one per thread.
namespace cache_test {

struct RawReply {
  char type = 0;  // '+', '-', ':', '$', '*'; '$' with is_nil for a nil bulk string
  bool is_nil = false;
  std::string text{};
  std::int64_t integer = 0;
  std::vector<RawReply> elements{};
};

class RawRedis {
 public:
  explicit RawRedis(int db);  // connects and SELECTs db
  ~RawRedis();
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;

  // Queues a command (sent by Flush or Call).
  void Append(const std::vector<std::string>& argv);
  void Flush();
  RawReply Read();
  RawReply Call(const std::vector<std::string>& argv);

  // Every key of the database, by SCAN.
  std::vector<std::string> AllKeys();

 private:
  std::string ReadLine();
  std::string ReadBytes(std::size_t n);
  void Fill();

  int fd_ = -1;
  std::string out_{};
  std::string in_{};
  std::size_t in_pos_ = 0;
};

}  // namespace cache_test
