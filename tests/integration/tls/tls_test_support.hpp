#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>

// Certificates and TLS servers of the TLS tests: made with the openssl command line tool
// (Debian's `openssl`) in the test's own folder, on loopback.
namespace tls_test {

// A CA: <dir>/<name>.pem (certificate) and <dir>/<name>.key. Throws std::runtime_error when
// openssl fails.
std::filesystem::path MakeCa(const std::filesystem::path& dir, const std::string& name);
// A server certificate for the DNS name `dns_name` signed by the CA `ca` (made by MakeCa in
// the same folder): <dir>/<name>.pem and <dir>/<name>.key.
std::filesystem::path MakeServerCert(const std::filesystem::path& dir, const std::string& name,
                                     const std::string& ca, const std::string& dns_name);
// A self-signed certificate for `dns_name`: <dir>/<name>.pem and <dir>/<name>.key.
std::filesystem::path MakeSelfSigned(const std::filesystem::path& dir, const std::string& name,
                                     const std::string& dns_name);

// `openssl s_server -www` on 127.0.0.1:port() with the given certificate and key, started by
// the constructor on a port nobody uses (it waits, bounded, until the port accepts
// connections) and killed by the destructor. Answers every GET with a 200 status page.
// Not copyable.
class TlsServer {
 public:
  TlsServer(const std::filesystem::path& cert, const std::filesystem::path& key);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  int port() const { return port_; }

 private:
  // Starts openssl on port_; false when it exited before listening (the port was taken).
  bool Start(const std::filesystem::path& cert, const std::filesystem::path& key);

  pid_t pid_ = -1;
  int port_ = 0;
};

// True when something accepts TCP connections on 127.0.0.1:`port`.
bool PortOpen(int port);

}  // namespace tls_test
