#include "common/amqp/endpoints.hpp"

namespace amqp {

std::vector<std::string> SplitUrls(std::string_view text) {
  std::vector<std::string> urls;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    const std::size_t first = item.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos) {
      const std::size_t last = item.find_last_not_of(" \t\r\n");
      urls.emplace_back(item.substr(first, last - first + 1));
    }
    start = comma + 1;
  }
  return urls;
}

EndpointRotation::EndpointRotation(std::size_t count, std::size_t start)
    : count_(count), start_(count == 0 ? 0 : start % count) {}

std::vector<std::size_t> EndpointRotation::Order() const {
  std::vector<std::size_t> order;
  order.reserve(count_);
  for (std::size_t i = 0; i < count_; ++i) order.push_back((start_ + i) % count_);
  return order;
}

void EndpointRotation::Connected(std::size_t index) {
  if (count_ != 0) start_ = (index + 1) % count_;
}

}  // namespace amqp
