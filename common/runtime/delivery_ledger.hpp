#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/amqp/broker.hpp"
#include "common/metrics/worker_metrics.hpp"
#include "common/runtime/ack_tracker.hpp"

namespace runtime {

// A delivery a consumer holds: received, not yet acked, requeued or forgotten.
struct HeldDelivery {
  amqp::Delivery delivery;
  std::chrono::steady_clock::time_point received;
  std::string job_id;    // the message id until the body is parsed, then the job's id
  std::string trace_id;
  std::string entity;    // "track" or "album" for provider jobs; empty for follow-ups
};

// The deliveries one consumer (provider worker or builder) holds, numbered in arrival order,
// and how they are settled: acked with as few basic.ack calls as possible, only on the
// connection that delivered them (after a reconnect the broker redelivers them anyway), or
// requeued. Keeps tunefleet_jobs_in_flight, the job duration histogram and the completed
// counter up to date. Loop thread only.
class DeliveryLedger {
 public:
  explicit DeliveryLedger(metrics::WorkerMetrics& metrics) : metrics_(metrics) {}

  // The broker whose connection the deliveries come from; set before the first delivery.
  void Attach(amqp::Broker& broker) { broker_ = &broker; }

  std::uint64_t Add(amqp::Delivery delivery);
  HeldDelivery* Find(std::uint64_t seq);
  HeldDelivery& At(std::uint64_t seq) { return held_.at(seq); }
  std::size_t size() const { return held_.size(); }
  bool empty() const { return held_.empty(); }

  // Acks every delivery of `seqs` still held (counted under `outcome`) and forgets it.
  void Ack(const std::vector<std::uint64_t>& seqs, const std::string& outcome);
  // Puts the delivery back in its queue (when its connection is still open) and forgets it.
  void Requeue(std::uint64_t seq);
  // A new connection: earlier delivery tags are void.
  void OnConnected() { tracker_.Reset(); }
  // The connection is gone: forgets the deliveries of it that `forget` selects (the broker
  // redelivers them), keeps the others.
  void OnConnectionLost(const std::function<bool(std::uint64_t seq)>& forget);

 private:
  void UpdateGauge();

  metrics::WorkerMetrics& metrics_;
  amqp::Broker* broker_ = nullptr;
  AckTracker tracker_;
  std::map<std::uint64_t, HeldDelivery> held_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace runtime
