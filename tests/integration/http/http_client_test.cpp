// HttpClient against a real HTTP server (civetweb) on loopback.
#include "common/http/http_client.hpp"

#include <civetweb.h>
#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace http {
namespace {

using namespace std::chrono_literals;

int Handle(mg_connection* conn, void*) {
  const mg_request_info* info = mg_get_request_info(conn);
  std::string uri = info->local_uri;
  if (uri == "/slow") std::this_thread::sleep_for(1500ms);
  std::string body = "{\"uri\":\"" + uri + "\",\"method\":\"" + info->request_method + "\"}";
  int status = uri == "/missing" ? 404 : (uri == "/limited" ? 429 : 200);
  mg_printf(conn,
            "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nRetry-After: 7\r\nContent-Length: %zu\r\n\r\n",
            status, body.size());
  mg_write(conn, body.data(), body.size());
  return status;
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mg_init_library(0);
    const char* options[] = {"listening_ports", "127.0.0.1:0", "num_threads", "64", "enable_keep_alive", "yes", nullptr};
    mg_callbacks callbacks{};
    server_ = mg_start(&callbacks, nullptr, options);
    ASSERT_NE(server_, nullptr);
    mg_set_request_handler(server_, "/", Handle, nullptr);
    mg_server_port ports[1];
    ASSERT_EQ(mg_get_server_ports(server_, 1, ports), 1);
    base_ = "http://127.0.0.1:" + std::to_string(ports[0].port);
    uv_loop_init(&loop_);
  }
  void TearDown() override {
    client_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    mg_stop(server_);
  }
  HttpClient& Client(HttpClientSettings settings = {}) {
    client_ = std::make_unique<HttpClient>(loop_, settings);
    return *client_;
  }

  uv_loop_t loop_;
  mg_context* server_ = nullptr;
  std::string base_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(HttpClientTest, ReturnsStatusBodyAndLowerCasedHeaders) {
  core::Result<Response> got = core::Error::Transient("no answer");
  Client().Send({.url = base_ + "/limited"}, [&](core::Result<Response> r) { got = std::move(r); });
  uv_run(&loop_, UV_RUN_DEFAULT);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, 429);
  EXPECT_EQ(got->Header("retry-after"), "7");
  EXPECT_EQ(got->body, R"({"uri":"/limited","method":"GET"})");
}

TEST_F(HttpClientTest, RunsTwoHundredRequestsConcurrentlyOnOneThread) {
  auto& client = Client({.max_connections_per_host = 64});
  int ok = 0;
  for (int i = 0; i < 200; ++i) {
    client.Send({.url = base_ + "/item/" + std::to_string(i)}, [&ok, i](core::Result<Response> r) {
      if (r && r->status == 200 && r->body.find("/item/" + std::to_string(i) + "\"") != std::string::npos) ++ok;
    });
  }
  EXPECT_EQ(client.in_flight(), 200u);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST_F(HttpClientTest, PostsABody) {
  core::Result<Response> got = core::Error::Transient("no answer");
  Client().Send({.method = "POST", .url = base_ + "/token", .body = "grant_type=client_credentials"},
                [&](core::Result<Response> r) { got = std::move(r); });
  uv_run(&loop_, UV_RUN_DEFAULT);
  ASSERT_TRUE(got);
  EXPECT_NE(got->body.find("\"method\":\"POST\""), std::string::npos);
}

TEST_F(HttpClientTest, TotalTimeoutIsATransientError) {
  core::Result<Response> got = Response{};
  Client().Send({.url = base_ + "/slow", .total_timeout = 200ms}, [&](core::Result<Response> r) { got = std::move(r); });
  uv_run(&loop_, UV_RUN_DEFAULT);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::kTransient);
  EXPECT_NE(got.error().message.find("/slow"), std::string::npos) << got.error().message;
}

TEST_F(HttpClientTest, RefusedConnectionIsATransientErrorNamingTheUrl) {
  core::Result<Response> got = Response{};
  Client().Send({.url = "http://127.0.0.1:1/x"}, [&](core::Result<Response> r) { got = std::move(r); });
  uv_run(&loop_, UV_RUN_DEFAULT);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, core::ErrorKind::kTransient);
  EXPECT_NE(got.error().message.find("127.0.0.1:1"), std::string::npos) << got.error().message;
}

TEST_F(HttpClientTest, CloseFailsTransfersInFlight) {
  auto& client = Client();
  int failed = 0;
  client.Send({.url = base_ + "/slow"}, [&](core::Result<Response> r) { failed += r ? 0 : 1; });
  uv_run(&loop_, UV_RUN_NOWAIT);
  client.Close();
  EXPECT_EQ(failed, 1);
}

}  // namespace
}  // namespace http
