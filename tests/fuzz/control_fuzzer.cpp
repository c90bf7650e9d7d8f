// libFuzzer target: the control channel's parsers on any body (what anyone who may publish to
// tunefleet.control, or answer on tunefleet.control.replies, sends). A command ParseCommand
// accepts must survive ToJson unchanged, and so must a status and a reply.
#include <cstdlib>

#include "common/control/protocol.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::Text(data, size);
  if (auto command = control::ParseCommand(text)) {
    const std::string json = control::ToJson(*command);
    auto again = control::ParseCommand(json);
    if (!again || control::ToJson(*again) != json) std::abort();  // ToJson broke an accepted command
  }
  if (auto status = control::ParseStatus(text)) {
    const std::string json = control::ToJson(*status);
    auto again = control::ParseStatus(json);
    if (!again || control::ToJson(*again) != json) std::abort();
  }
  if (auto reply = control::ParseReply(text)) {
    const std::string json = control::ToJson(*reply);
    auto again = control::ParseReply(json);
    if (!again || control::ToJson(*again) != json) std::abort();
  }
  return 0;
}
