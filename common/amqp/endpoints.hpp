#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace amqp {

// TUNEFLEET_AMQP_URL names one RabbitMQ node, or several nodes of one cluster as full URLs
// separated by commas: "amqp://u:p@10.0.0.1:5672/%2f,amqp://u:p@10.0.0.2:5672/%2f". Blanks
// around each URL are ignored and empty items dropped; a comma inside a URL (in a vhost name)
// must be percent-encoded (%2C). One URL gives a list of one.
std::vector<std::string> SplitUrls(std::string_view text);

// The order in which a connection tries the nodes of its list. Each attempt tries every node
// once, from the current start (random in production, so a fleet spreads over the cluster).
// A connection made to node k moves the start to k + 1: the next attempt, after that connection
// is lost (most likely because node k died), tries k last. Not thread safe.
class EndpointRotation {
 public:
  EndpointRotation(std::size_t count, std::size_t start);

  // The node indexes the next attempt tries, in order; empty when the list is.
  std::vector<std::size_t> Order() const;
  void Connected(std::size_t index);

 private:
  std::size_t count_;
  std::size_t start_;
};

}  // namespace amqp
