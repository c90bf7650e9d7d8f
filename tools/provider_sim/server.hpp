#pragma once

#include <cstddef>
#include <memory>

struct uv_loop_s;

namespace provider_sim {

class Simulator;

// The HTTP/1.1 front of the simulator: one libuv loop, nodejs http-parser, keep-alive and
// pipelining (answers go out in request order: a connection parses its next request only
// once the current one is answered). Latency is a uv_timer per waiting request, never a
// sleeping thread. Listens on 127.0.0.1 only. Not thread safe: everything runs on `loop`.
// Call Close() and let the loop run until it ends before destroying the Server.
class Server {
 public:
  Server(uv_loop_s& loop, Simulator& simulator);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds 127.0.0.1:`port` (0 = ephemeral) and starts accepting; returns the bound port.
  // Throws std::runtime_error naming the libuv error.
  int Listen(int port);
  // Stops accepting and closes every connection; the loop then ends by itself.
  void Close();
  std::size_t connection_count() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace provider_sim
