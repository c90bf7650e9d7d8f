#include "common/gateway/micro_batcher.hpp"

#include <uv.h>

#include <algorithm>
#include <memory>

namespace gateway {

MicroBatcher::MicroBatcher(uv_loop_s& loop, MicroBatcherSettings settings, Fetch fetch)
    : settings_(settings), fetch_(std::move(fetch)) {
  timer_ = new uv_timer_t;
  uv_timer_init(&loop, timer_);
  timer_->data = this;
}

MicroBatcher::~MicroBatcher() {
  uv_timer_stop(timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
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
  } else if (uv_is_active(reinterpret_cast<uv_handle_t*>(timer_)) == 0) {
    uv_timer_start(timer_, [](uv_timer_t* t) { static_cast<MicroBatcher*>(t->data)->Flush(); },
                   static_cast<std::uint64_t>(settings_.window.count()), 0);
  }
}

void MicroBatcher::Flush() {
  uv_timer_stop(timer_);
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
