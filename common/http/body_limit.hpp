#pragma once

#include <cstdint>
#include <string>

namespace http {

// Counts one response body against a size cap while it arrives. The chunk that would take the
// body past the cap is refused (and every chunk after it), so the body held in memory never
// exceeds the cap and what was read from the network exceeds it by at most that one chunk.
// Counts bytes as delivered to us, i.e. after decompression: a small compressed answer that
// inflates past the cap is refused too. Pure; one per transfer.
class BodyLimit {
 public:
  explicit BodyLimit(std::uint64_t max_bytes = 0) : max_bytes_(max_bytes) {}  // 0: no cap

  // Counts a chunk of `n` bytes; true while the body including it fits under the cap.
  bool Admit(std::uint64_t n) {
    received_ += n;
    if (max_bytes_ != 0 && received_ > max_bytes_) exceeded_ = true;
    return !exceeded_;
  }
  bool exceeded() const { return exceeded_; }
  std::uint64_t received() const { return received_; }  // including a refused chunk
  std::uint64_t max_bytes() const { return max_bytes_; }

 private:
  std::uint64_t max_bytes_;
  std::uint64_t received_ = 0;
  bool exceeded_ = false;
};

// The one-line error for an answer over the cap: whose answer (`owner`, e.g. "spotify"), the
// request (`what`: method and redacted URL), the limit, and how to raise it (`variable`, e.g.
// TUNEFLEET_SPOTIFY_MAX_RESPONSE_BYTES). `announced`: the Content-Length, when that alone
// gave the answer away (nothing of the body was read).
inline std::string OversizeMessage(const std::string& owner, const std::string& what, std::uint64_t max_bytes,
                                   const std::string& variable, std::uint64_t announced = 0) {
  std::string out = (owner.empty() ? std::string("response") : owner + " response") + " over the size limit: " + what +
                    (announced != 0 ? " announced " + std::to_string(announced) + " bytes"
                                    : " sent more than " + std::to_string(max_bytes) + " bytes") +
                    ", the limit is " + std::to_string(max_bytes);
  if (!variable.empty()) out += "; raise " + variable + " if answers this large are expected";
  return out;
}

}  // namespace http
