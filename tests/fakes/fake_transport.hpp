#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/http/transport.hpp"

namespace fakes {

// An HTTP transport that answers from scripts, keyed by the URL's path. Like a real one it
// never answers inside Send: every request is held until the test releases it, so tests can
// look at what is in flight. Records every request. Loop (test) thread only.
class FakeTransport final : public http::Transport {
 public:
  using Answer = core::Result<http::Response>;

  static http::Response Status(long status, std::string body = "{}",
                               std::map<std::string, std::string> headers = {}) {
    http::Response response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
  }
  // "/v1/search" of "https://host/v1/search?q=x".
  static std::string PathOf(const std::string& url) {
    auto scheme = url.find("://");
    auto start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (start == std::string::npos) return "/";
    return url.substr(start, url.find('?', start) - start);
  }

  // Answers for `path`, one per request in order; the last one repeats. Paths without a
  // script answer 200 "{}".
  void Script(const std::string& path, std::vector<Answer> answers) { scripts_[path] = std::move(answers); }

  // http::Transport
  void Send(http::Request request, http::ResponseCallback callback) override {
    std::string path = PathOf(request.url);
    int n = counts_[path]++;
    Answer answer = Status(200);
    auto it = scripts_.find(path);
    if (it != scripts_.end() && !it->second.empty()) {
      answer = it->second[std::min(static_cast<std::size_t>(n), it->second.size() - 1)];
    }
    requests_.push_back(request);
    held_.push_back({path, std::move(answer), std::move(callback)});
  }

  const std::vector<http::Request>& requests() const { return requests_; }
  int Count(const std::string& path) const {
    auto it = counts_.find(path);
    return it == counts_.end() ? 0 : it->second;
  }
  std::size_t held() const { return held_.size(); }
  // Answers the oldest held request (of `path`, when given); false when there is none.
  bool ReleaseOne(const std::string& path = {}) {
    for (auto it = held_.begin(); it != held_.end(); ++it) {
      if (!path.empty() && it->path != path) continue;
      Held next = std::move(*it);
      held_.erase(it);
      next.callback(std::move(next.answer));
      return true;
    }
    return false;
  }
  // Answers the requests held now (not those sent while answering them); returns how many.
  std::size_t ReleaseAll() {
    std::deque<Held> now;
    now.swap(held_);
    std::size_t n = now.size();
    for (auto& held : now) held.callback(std::move(held.answer));
    return n;
  }

 private:
  struct Held {
    std::string path;
    Answer answer;
    http::ResponseCallback callback;
  };
  std::map<std::string, std::vector<Answer>> scripts_;
  std::map<std::string, int> counts_;
  std::vector<http::Request> requests_;
  std::deque<Held> held_;
};

}  // namespace fakes
