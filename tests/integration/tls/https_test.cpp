// The provider HTTP client (http::HttpClient) against TLS servers on loopback (openssl
// s_server started and stopped by each test): a certificate that does not verify is refused,
// with verification on by default.
#include <gtest/gtest.h>
#include <uv.h>

#include <memory>
#include <string>

#include "common/http/http_client.hpp"
#include "tests/integration/tls/tls_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace http {
namespace {

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& dir = temp_.path();
    ca_ = tls_test::MakeCa(dir, "ca").string();
    tls_test::MakeServerCert(dir, "localhost", "ca", "localhost");
    tls_test::MakeSelfSigned(dir, "selfsigned", "localhost");
    tls_test::MakeCa(dir, "other-ca");
    ASSERT_EQ(uv_loop_init(&loop_), 0);
  }
  void TearDown() override {
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  std::filesystem::path Pem(const std::string& name) const { return temp_.path() / (name + ".pem"); }
  std::filesystem::path Key(const std::string& name) const { return temp_.path() / (name + ".key"); }

  // GET `url` with a client made from `settings`; the result once the loop has run.
  core::Result<Response> Get(const std::string& url, const HttpClientSettings& settings) {
    core::Result<Response> got = core::Error::Transient("no answer");
    {
      HttpClient client(loop_, settings);
      client.Send({.url = url, .total_timeout = std::chrono::seconds(30)},
                  [&](core::Result<Response> r) { got = std::move(r); });
      uv_run(&loop_, UV_RUN_DEFAULT);
    }
    uv_run(&loop_, UV_RUN_DEFAULT);  // the client's handles close
    return got;
  }

  test_support::TempDir temp_;
  std::string ca_;
  uv_loop_t loop_;
};

TEST_F(HttpsTest, VerificationIsOnByDefault) {
  HttpClientSettings defaults;
  EXPECT_TRUE(defaults.verify_tls);
  EXPECT_TRUE(defaults.ca_file.empty());
}

TEST_F(HttpsTest, AcceptsACertificateSignedByTheGivenCaForTheHostName) {
  tls_test::TlsServer server(Pem("localhost"), Key("localhost"));
  auto got = Get("https://localhost:" + std::to_string(server.port()) + "/", {.ca_file = ca_});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, 200);
}

TEST_F(HttpsTest, DefaultSettingsRefuseACertificateFromAnUnknownCa) {
  tls_test::TlsServer server(Pem("localhost"), Key("localhost"));
  auto got = Get("https://localhost:" + std::to_string(server.port()) + "/", {});
  ASSERT_FALSE(got) << "a certificate signed by a private CA was accepted with the default settings";
  EXPECT_NE(got.error().message.find("certificate"), std::string::npos) << got.error().message;
  EXPECT_NE(got.error().message.find("https://localhost:" + std::to_string(server.port())), std::string::npos)
      << got.error().message;
}

TEST_F(HttpsTest, RefusesASelfSignedCertificate) {
  tls_test::TlsServer server(Pem("selfsigned"), Key("selfsigned"));
  auto got = Get("https://localhost:" + std::to_string(server.port()) + "/", {.ca_file = ca_});
  ASSERT_FALSE(got) << "a self-signed certificate was accepted";
  EXPECT_NE(got.error().message.find("certificate"), std::string::npos) << got.error().message;
}

TEST_F(HttpsTest, RefusesACertificateSignedByAnotherCa) {
  tls_test::TlsServer server(Pem("localhost"), Key("localhost"));
  auto got = Get("https://localhost:" + std::to_string(server.port()) + "/", {.ca_file = Pem("other-ca").string()});
  ASSERT_FALSE(got) << "a certificate from a CA the client was not given was accepted";
  EXPECT_NE(got.error().message.find("certificate"), std::string::npos) << got.error().message;
}

TEST_F(HttpsTest, RefusesACertificateForAnotherHostName) {
  // The certificate names localhost only; 127.0.0.1 is the same server under a name it lacks.
  tls_test::TlsServer server(Pem("localhost"), Key("localhost"));
  auto got = Get("https://127.0.0.1:" + std::to_string(server.port()) + "/", {.ca_file = ca_});
  ASSERT_FALSE(got) << "a certificate for another host name was accepted";
  EXPECT_NE(got.error().message.find("127.0.0.1"), std::string::npos) << got.error().message;
}

}  // namespace
}  // namespace http
