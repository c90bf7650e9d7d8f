// HttpClient's bounds against provider-sim's hostile answers on loopback: a huge body (with
// and without Content-Length) stops at the size cap, a body dripping one byte per second
// stops at the total timeout.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/http/http_client.hpp"
#include "common/uv/handles.hpp"
#include "tests/integration/provider_sim/sim_process.hpp"

namespace http {
namespace {

using namespace std::chrono_literals;
using provider_sim_test::SimProcess;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint64_t kCap = 1 << 20;
constexpr const char* kVariable = "TUNEFLEET_LASTFM_MAX_RESPONSE_BYTES";
constexpr const char* kTrackInfo = "/lastfm/2.0/?method=track.getInfo&artist=Radiohead&track=Creep&api_key=k&format=json";

class ResponseBoundsTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }
  void TearDown() override {
    client_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  void StartSim(const std::string& fault, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--unlimited", "--lastfm-error-rate", "1", "--lastfm-error-kinds", fault};
    args.insert(args.end(), extra.begin(), extra.end());
    sim_ = std::make_unique<SimProcess>(std::move(args));
    ASSERT_GT(sim_->port(), 0) << "provider-sim did not start:\n" << sim_->Stderr();
  }

  HttpClient& Client(HttpClientSettings settings) {
    settings.name = "lastfm";
    settings.max_response_variable = kVariable;
    client_ = std::make_unique<HttpClient>(loop_, settings);
    return *client_;
  }

  // Sends one GET and runs the loop until it is answered; a guard closes the client (failing
  // the call) if it is not answered within `guard`, so a broken bound fails instead of hanging.
  core::Result<Response> Get(const std::string& path, std::chrono::milliseconds guard = 60s) {
    std::optional<core::Result<Response>> got;
    uv::Timer timer(loop_);
    timer.Start(guard, [&] {
      guard_fired_ = true;
      client_->Close();
    });
    started_ = SteadyClock::now();
    client_->Send({.url = sim_->Url(path)}, [&](core::Result<Response> r) {
      answered_ = SteadyClock::now();
      got = std::move(r);
      timer.Stop();
    });
    while (!got) uv_run(&loop_, UV_RUN_ONCE);
    timer.Close();
    return std::move(*got);
  }

  std::chrono::milliseconds Elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(answered_ - started_);
  }

  uv_loop_t loop_;
  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<HttpClient> client_;
  SteadyClock::time_point started_, answered_;
  bool guard_fired_ = false;
};

void ExpectOversizeError(const core::Result<Response>& got) {
  ASSERT_FALSE(got) << "a " << got->body.size() << "-byte body was accepted over a " << kCap << "-byte cap";
  EXPECT_EQ(got.error().kind, core::ErrorKind::kInvalidInput) << got.error().message;
  const std::string& message = got.error().message;
  EXPECT_NE(message.find("lastfm"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(kCap)), std::string::npos) << message;
  EXPECT_NE(message.find(kVariable), std::string::npos) << message;
  EXPECT_EQ(message.find("api_key=k&"), std::string::npos) << "the key is printed: " << message;
}

TEST_F(ResponseBoundsTest, AHugeBodyAnnouncedByContentLengthIsRefusedBeforeItIsRead) {
  StartSim("huge");  // 100 MiB
  Client({.max_response_bytes = kCap});
  auto got = Get(kTrackInfo);
  ExpectOversizeError(got);
  EXPECT_NE(got.error().message.find("announced 104857600 bytes"), std::string::npos) << got.error().message;
  EXPECT_LE(client_->most_body_bytes_received(), kCap);
}

TEST_F(ResponseBoundsTest, AHugeChunkedBodyIsCutAtTheCapPlusOneChunk) {
  StartSim("huge-chunked");  // 100 MiB, size unknown until read
  Client({.max_response_bytes = kCap});
  auto got = Get(kTrackInfo);
  ExpectOversizeError(got);
  EXPECT_GT(client_->most_body_bytes_received(), kCap);
  EXPECT_LE(client_->most_body_bytes_received(), kCap + CURL_MAX_WRITE_SIZE);
}

TEST_F(ResponseBoundsTest, TheSameHugeAnswersPassWithACapAboveThem) {
  StartSim("huge-chunked", {"--huge-body-bytes", std::to_string(kCap / 2)});
  Client({.max_response_bytes = kCap});
  auto got = Get(kTrackInfo);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body.size(), kCap / 2);
  EXPECT_EQ(got->body.rfind("{\"padding\":\"aaa", 0), 0u);
}

TEST_F(ResponseBoundsTest, ABodyDrippingOneBytePerSecondEndsAtTheTotalTimeout) {
  StartSim("drip");  // one byte per second of a body of several hundred bytes
  Client({.connect_timeout = 1000ms, .total_timeout = 2000ms});
  auto got = Get(kTrackInfo, 60s);
  EXPECT_FALSE(guard_fired_) << "the call was still running after 60 s";
  ASSERT_FALSE(got) << "a dripped body was read whole in " << Elapsed().count() << " ms";
  EXPECT_EQ(got.error().kind, core::ErrorKind::kTransient);
  // From the call's start: the 2 s bound, plus a generous margin for a loaded machine.
  EXPECT_GE(Elapsed(), 1900ms);
  EXPECT_LT(Elapsed(), 2000ms + 8000ms) << got.error().message;
}

}  // namespace
}  // namespace http
