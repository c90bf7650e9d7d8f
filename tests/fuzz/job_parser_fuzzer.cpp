// libFuzzer target: json::JobParser::Parse on any message body (what a publisher, or anyone
// who can write to tunefleet.jobs, sends a worker). A job it accepts must survive the round
// trip through json::Serialize unchanged (the writer's contract in job_writer.hpp).
#include <cstdlib>

#include "common/json/job_parser.hpp"
#include "common/json/job_writer.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const json::JobParser parser;
  auto job = parser.Parse(fuzz::Text(data, size));
  if (!job) return 0;
  const std::string text = json::Serialize(*job);
  auto again = parser.Parse(text);
  if (!again || !(*again == *job)) std::abort();  // Serialize broke a job the parser accepted
  return 0;
}
