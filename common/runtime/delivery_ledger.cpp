#include "common/runtime/delivery_ledger.hpp"

namespace runtime {

std::uint64_t DeliveryLedger::Add(amqp::Delivery delivery) {
  const std::uint64_t seq = next_seq_++;
  metrics_.JobsConsumed().Increment();
  tracker_.Received(delivery.delivery_tag);
  HeldDelivery held;
  held.received = std::chrono::steady_clock::now();
  held.job_id = delivery.message_id;
  held.delivery = std::move(delivery);
  held_.emplace(seq, std::move(held));
  UpdateGauge();
  return seq;
}

HeldDelivery* DeliveryLedger::Find(std::uint64_t seq) {
  auto it = held_.find(seq);
  return it == held_.end() ? nullptr : &it->second;
}

void DeliveryLedger::Ack(const std::vector<std::uint64_t>& seqs, const std::string& outcome) {
  std::map<std::uint64_t, std::vector<std::uint64_t>> tags_by_generation;
  const auto now = std::chrono::steady_clock::now();
  std::size_t acked = 0;
  for (auto seq : seqs) {
    auto it = held_.find(seq);
    if (it == held_.end()) continue;
    tags_by_generation[it->second.delivery.generation].push_back(it->second.delivery.delivery_tag);
    metrics_.JobDuration().Observe(std::chrono::duration<double>(now - it->second.received).count());
    held_.erase(it);
    ++acked;
  }
  metrics_.JobsDone(outcome).Increment(static_cast<double>(acked));
  for (auto& [generation, tags] : tags_by_generation) {
    if (generation != broker_->generation()) continue;  // that connection is gone: redelivered
    for (const auto& call : tracker_.Finish(tags)) broker_->Ack(generation, call.delivery_tag, call.multiple);
  }
  UpdateGauge();
}

void DeliveryLedger::Requeue(std::uint64_t seq) {
  auto it = held_.find(seq);
  if (it == held_.end()) return;
  if (it->second.delivery.generation == broker_->generation()) {
    tracker_.Drop(it->second.delivery.delivery_tag);
    broker_->Requeue(it->second.delivery.generation, it->second.delivery.delivery_tag);
  }
  held_.erase(it);
  UpdateGauge();
}

void DeliveryLedger::OnConnectionLost(const std::function<bool(std::uint64_t seq)>& forget) {
  const std::uint64_t generation = broker_->generation();
  std::erase_if(held_, [&](const auto& entry) {
    return entry.second.delivery.generation == generation && forget(entry.first);
  });
  tracker_.Reset();
  UpdateGauge();
}

void DeliveryLedger::UpdateGauge() { metrics_.InFlight().Set(static_cast<double>(held_.size())); }

}  // namespace runtime
