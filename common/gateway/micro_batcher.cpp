#include "common/gateway/micro_batcher.hpp"

#include <algorithm>
#include <memory>

namespace gateway {

MicroBatcher::MicroBatcher(uv_loop_s& loop, MicroBatcherSettings settings, Fetch fetch)
    : settings_(settings), fetch_(std::move(fetch)), timer_(loop) {}

MicroBatcher::~MicroBatcher() {
  timer_.Close();
  auto waiting = std::move(waiting_);
  for (auto& [id, callbacks] : waiting) {
    for (auto& done : callbacks) done(core::Error::Transient("micro-batcher closed"));
  }
}

void MicroBatcher::Get(const std::string& id, GetDone done) {
  auto [it, inserted] = waiting_.try_emplace(id);
  it->second.push_back(std::move(done));
  if (inserted) order_.push_back(id);
  if (order_.size() >= settings_.max_ids) {
    Flush();
  } else if (!timer_.active()) {
    timer_.Start(settings_.window, [this] { Flush(); });
  }
}

void MicroBatcher::Flush() {
  timer_.Stop();
  while (!order_.empty()) {
    std::size_t n = std::min(order_.size(), settings_.max_ids);
    std::vector<std::string> ids(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(n));
    order_.erase(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(n));
    auto callbacks = std::make_shared<std::map<std::string, std::vector<GetDone>>>();
    for (const auto& id : ids) {
      auto node = waiting_.extract(id);
      (*callbacks)[id] = std::move(node.mapped());
    }
    ++calls_;
    fetch_(ids, [callbacks](core::Result<Values> result) {
      for (auto& [id, dones] : *callbacks) {
        for (auto& done : dones) {
          if (!result) {
            done(result.error());
            continue;
          }
          auto found = result->find(id);
          if (found == result->end()) done(std::optional<std::string>{});
          else done(std::optional<std::string>{found->second});
        }
      }
    });
  }
}

}  // namespace gateway
