// provider-sim: a local stand-in for the Spotify, Last.fm, MusicBrainz and Discogs APIs
// (docs/PROVIDER_SIM.md). The first stdout line is "listening on 127.0.0.1:<port>".
#include <sys/resource.h>
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/config/env.hpp"
#include "common/logging/logger.hpp"
#include "common/resilience/clock.hpp"
#include "common/uv/handles.hpp"
#include "tools/provider_sim/server.hpp"
#include "tools/provider_sim/settings.hpp"
#include "tools/provider_sim/simulator.hpp"

namespace {

// Thousands of concurrent connections need more descriptors than the usual soft limit.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// SIGINT or SIGTERM closes the server and the signal handles; the loop then runs out.
struct Shutdown {
  provider_sim::Server* server;
  std::vector<std::unique_ptr<uv::Signal>> signals;

  void Run() {
    server->Close();
    signals.clear();
  }
};

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(provider_sim::Usage().c_str(), stdout);
      return 0;
    }
  }
  provider_sim::SimSettings settings;
  try {
    settings = provider_sim::ParseSettings(args, config::Env{});
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "provider-sim: configuration error: %s\n", e.what());
    return 2;
  }
  logging::Configure(logging::ParseLevel(settings.log_level));
  logging::Logger log("provider-sim");
  std::signal(SIGPIPE, SIG_IGN);
  RaiseFileLimit();

  uv_loop_t loop;
  if (int rc = uv_loop_init(&loop); rc != 0) {
    std::fprintf(stderr, "provider-sim: uv_loop_init: %s\n", uv_strerror(rc));
    return 1;
  }
  resilience::SteadyClock clock;
  provider_sim::Simulator simulator(settings, clock);
  provider_sim::Server server(loop, simulator);
  int port = 0;
  try {
    port = server.Listen(settings.port);
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "provider-sim: %s\n", e.what());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  log.Info("listening", {{"port", port},
                         {"seed", static_cast<std::int64_t>(settings.seed)},
                         {"not_found_share", settings.not_found_share},
                         {"unlimited", settings.unlimited}});

  Shutdown shutdown{&server, {}};
  for (int signum : {SIGINT, SIGTERM}) {
    shutdown.signals.push_back(std::make_unique<uv::Signal>(loop));
    shutdown.signals.back()->Start(signum, [&shutdown](int) { shutdown.Run(); });
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&loop);
  log.Info("stopped", {{"loop_close", rc}});
  return 0;
}
