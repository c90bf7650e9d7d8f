#include "tests/integration/tls/tls_test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/metrics_probe.hpp"
#include "tests/support/shell_command.hpp"

extern char** environ;

namespace tls_test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void Openssl(const fs::path& dir, const std::string& args) {
  auto run = test_support::RunShellCommand("cd '" + dir.string() + "' && openssl " + args + " 2>&1");
  if (run.code != 0) throw std::runtime_error("openssl " + args + " failed: " + run.out);
}

}  // namespace

fs::path MakeCa(const fs::path& dir, const std::string& name) {
  Openssl(dir, "req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + name + "' -keyout " + name + ".key -out " +
                   name + ".pem");
  return dir / (name + ".pem");
}

fs::path MakeServerCert(const fs::path& dir, const std::string& name, const std::string& ca,
                        const std::string& dns_name) {
  Openssl(dir, "req -newkey rsa:2048 -nodes -subj '/CN=" + dns_name + "' -keyout " + name + ".key -out " + name +
                   ".csr");
  auto ext = test_support::RunShellCommand("printf 'subjectAltName=DNS:" + dns_name + "\\n' > '" +
                                           (dir / (name + ".ext")).string() + "'");
  if (ext.code != 0) throw std::runtime_error("cannot write " + name + ".ext");
  Openssl(dir, "x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -CAcreateserial -days 2 -extfile " +
                   name + ".ext -out " + name + ".pem");
  return dir / (name + ".pem");
}

fs::path MakeSelfSigned(const fs::path& dir, const std::string& name, const std::string& dns_name) {
  Openssl(dir, "req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + dns_name + "' -addext 'subjectAltName=DNS:" +
                   dns_name + "' -keyout " + name + ".key -out " + name + ".pem");
  return dir / (name + ".pem");
}

bool PortOpen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return open;
}

TlsServer::TlsServer(const fs::path& cert, const fs::path& key) {
  // Between picking the port and openssl binding it, an outgoing connection of another test
  // may take it as its local port: openssl then exits at once and we try another port.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    port_ = test_support::FreePort();
    if (Start(cert, key)) return;
    if (attempt == kAttempts) {
      throw std::runtime_error("openssl s_server exited at start on " + std::to_string(kAttempts) +
                               " free ports in a row (last: " + std::to_string(port_) + ")");
    }
  }
}

bool TlsServer::Start(const fs::path& cert, const fs::path& key) {
  std::vector<std::string> args = {"openssl", "s_server", "-quiet", "-www", "-accept", "127.0.0.1:" + std::to_string(port_),
                                   "-cert", cert.string(), "-key", key.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawnp(&pid_, "openssl", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start openssl s_server");
  // Bounded wait for the listener; the machine may be loaded.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!PortOpen(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      throw std::runtime_error("openssl s_server did not listen on port " + std::to_string(port_) + " within 30 s");
    }
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TlsServer::~TlsServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace tls_test
