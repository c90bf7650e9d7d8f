#include "common/amqp/message.hpp"

namespace amqp {

std::int64_t HeaderInt(const Headers& headers, const std::string& key, std::int64_t fallback) {
  auto it = headers.find(key);
  if (it == headers.end()) return fallback;
  if (const auto* value = std::get_if<std::int64_t>(&it->second)) return *value;
  return fallback;
}

std::string HeaderString(const Headers& headers, const std::string& key) {
  auto it = headers.find(key);
  if (it == headers.end()) return {};
  if (const auto* value = std::get_if<std::string>(&it->second)) return *value;
  return std::to_string(std::get<std::int64_t>(it->second));
}

}  // namespace amqp
