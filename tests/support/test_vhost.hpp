#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/amqp/connection.hpp"
#include "common/amqp/message.hpp"

namespace test_support {

// What the management API says about a queue. Its figures are refreshed by the broker's
// statistics timer (every few seconds), so poll them; Depth() below is exact.
struct QueueStats {
  std::int64_t messages = 0;
  std::int64_t ready = 0;
  std::int64_t unacked = 0;
  std::int64_t consumers = 0;
};

// RabbitMQ isolation for one test: a vhost tf_<test>_<random> created through the
// management API (with every permission for guest) on construction and deleted, with
// everything in it, on destruction. Throws when RabbitMQ or its management API is not
// reachable. The blocking helpers keep one AMQP connection to the vhost and reopen it after
// an error (the broker may have restarted); they throw std::runtime_error on failure.
// Not thread safe.
class TestVhost {
 public:
  TestVhost();
  ~TestVhost();
  TestVhost(const TestVhost&) = delete;
  TestVhost& operator=(const TestVhost&) = delete;

  const std::string& name() const { return name_; }
  // TUNEFLEET_AMQP_URL with this vhost (URL-encoded) as its path.
  const std::string& amqp_url() const { return amqp_url_; }

  // Declares what every tunefleet binary declares (runtime::FleetTopology), so messages
  // published before a worker starts are routed and kept.
  void DeclareFleetTopology();
  void Declare(const amqp::Topology& topology);

  // Publishes with publisher confirms, in chunks; returns once the broker confirmed every
  // message. A chunk not wholly confirmed is sent again on a new connection (up to 3 times),
  // so after a broker restart some messages may arrive twice.
  void Publish(const std::vector<amqp::OutgoingMessage>& messages);
  // Publishes track jobs "<prefix>-<i>" for i in [first, first + count) to tunefleet.jobs
  // with routing key track.noop (see TrackJob below), in confirmed chunks.
  void PublishTrackJobs(const std::string& prefix, int first, int count);

  // A policy on this vhost's queues whose names match `pattern` (a regex), `definition` a JSON
  // object such as {"max-length":1,"overflow":"reject-publish"}; replaces one of that name.
  void SetPolicy(const std::string& name, const std::string& pattern, const std::string& definition);
  void ClearPolicy(const std::string& name);
  // Publishes filler messages straight to `queue` until the broker refuses one (a policy such as
  // the above applies a moment after it is set); throws when none is refused within `timeout`.
  void FillUntilRefused(const std::string& queue, std::chrono::milliseconds timeout);

  // Ready messages in `queue` (queue.declare passive): exact, but without unacked ones.
  std::uint32_t Depth(const std::string& queue);
  // The management API's figures for `queue` (see QueueStats).
  QueueStats Stats(const std::string& queue);
  // Consumes up to `count` messages from `queue` on a connection of its own, acks them and
  // returns them; stops early when `timeout` passes (returning what arrived).
  std::vector<amqp::Delivery> Take(const std::string& queue, std::size_t count, std::chrono::milliseconds timeout);

 private:
  amqp::Connection& Connection();
  template <typename T, typename F>
  T WithConnection(const std::string& what, F&& call);

  std::string name_;
  std::string amqp_url_;
  bool created_ = false;
  std::unique_ptr<amqp::Connection> connection_;
};

// The JSON of a track job with these fields (strings escaped as JSON requires, UTF-8 kept).
std::string TrackJobJson(const std::string& job_id, const std::string& artist, const std::string& title);
// A message for tunefleet.jobs / track.noop with `body` and message_id `job_id`.
amqp::OutgoingMessage JobMessage(const std::string& job_id, std::string body,
                                 const std::string& routing_key = "track.noop");
// The job "<prefix>-<i>": artist "Artist <i % 97>", title "<prefix> title <i>".
amqp::OutgoingMessage TrackJob(const std::string& prefix, int i);

// Management API calls: `path` below /api, e.g. "/vhosts/x". Returns the HTTP status and
// sets `body`; throws when the API cannot be reached.
long ManagementRequest(const std::string& method, const std::string& path, const std::string& request_body,
                       std::string* body);

}  // namespace test_support
