// bench-prefill: declares the fleet topology and publishes N track jobs to tunefleet.jobs with
// routing key track.noop (so they land in tunefleet.noop), waiting for publisher confirms.
//
//   bench-prefill --url amqp://guest:guest@127.0.0.1:35672/bench-x --jobs 200000
//
// Job i: {"type":"tunefleet.track_job/1","job_id":"b-<i>","trace_id":"b-<i>",
//         "artist":"Artist <i % 5000>","title":"Title <i>"}, message_id = job_id.
// Exit 0 when every message is confirmed and the queue holds at least N messages; 1 otherwise.
#include <getopt.h>
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/amqp/connection.hpp"
#include "common/config/settings.hpp"
#include "common/json/job.hpp"
#include "common/json/job_writer.hpp"
#include "common/runtime/topology.hpp"
#include "workers/fleet/fleet.hpp"

namespace {

constexpr const char* kUsage =
    "usage: bench-prefill --url AMQP_URL [--jobs N] [--window W]\n"
    "  --url      amqp://user:pass@host:port/vhost (required)\n"
    "  --jobs     messages to publish (default 200000)\n"
    "  --window   unconfirmed messages allowed before waiting for confirms (default 5000)\n";

int Fail(const std::string& why) {
  std::fprintf(stderr, "bench-prefill: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::string url;
  long jobs = 200000;
  long window = 5000;
  static const option kLong[] = {{"url", required_argument, nullptr, 'u'},
                                 {"jobs", required_argument, nullptr, 'n'},
                                 {"window", required_argument, nullptr, 'w'},
                                 {"help", no_argument, nullptr, 'h'},
                                 {nullptr, 0, nullptr, 0}};
  int c = 0;
  while ((c = getopt_long(argc, argv, "h", kLong, nullptr)) != -1) {
    switch (c) {
      case 'u': url = optarg; break;
      case 'n': jobs = std::strtol(optarg, nullptr, 10); break;
      case 'w': window = std::strtol(optarg, nullptr, 10); break;
      case 'h': std::fputs(kUsage, stdout); return 0;
      default: std::fputs(kUsage, stderr); return 2;
    }
  }
  if (url.empty() || jobs < 1 || window < 1) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  amqp::Connection connection(amqp::ConnectionSettings{.url = url, .connection_name = "bench-prefill"});
  if (auto r = connection.Open(); !r) return Fail(r.error().message);
  if (auto r = connection.Declare(runtime::FleetTopology(fleet::Names())); !r) {
    return Fail(r.error().message);
  }

  auto start = std::chrono::steady_clock::now();
  long refused = 0;
  auto on_confirm = [&refused](core::Result<void> confirmed) {
    if (!confirmed) ++refused;
  };
  amqp::OutgoingMessage message;
  message.exchange = runtime::kJobsExchange;
  message.routing_key = runtime::ProviderRoutingKey("track", "noop");
  for (long i = 0; i < jobs; ++i) {
    std::string n = std::to_string(i);
    json::TrackJob job{.job_id = "b-" + n,
                       .trace_id = "b-" + n,
                       .artist = "Artist " + std::to_string(i % 5000),
                       .title = "Title " + n};
    message.message_id = job.job_id;
    message.body = json::Serialize(job);
    if (auto r = connection.Publish(message, on_confirm); !r) return Fail(r.error().message);
    if (static_cast<long>(connection.unconfirmed()) >= window) {
      // Keep at most `window` unconfirmed: wait until half of them are confirmed.
      while (static_cast<long>(connection.unconfirmed()) > window / 2) {
        if (auto r = connection.Pump({}); !r) return Fail(r.error().message);
        if (static_cast<long>(connection.unconfirmed()) <= window / 2) break;
        pollfd fd{connection.socket_fd(), POLLIN, 0};
        ::poll(&fd, 1, 100);
      }
    }
  }
  if (auto r = connection.WaitForConfirms(std::chrono::seconds(120)); !r) return Fail(r.error().message);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (refused > 0) return Fail(std::to_string(refused) + " messages refused by the broker");
  auto depth = connection.QueueDepth(runtime::JobQueue("noop"));
  if (!depth) return Fail(depth.error().message);
  std::printf("published %ld jobs in %.2f s (%.0f/s); tunefleet.noop holds %u\n", jobs, seconds,
              static_cast<double>(jobs) / seconds, *depth);
  connection.Close();
  if (static_cast<long>(*depth) < jobs) return Fail("the queue holds fewer messages than were published");
  return 0;
}
