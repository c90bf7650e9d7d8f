#include "tests/support/test_vhost.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/config/settings.hpp"
#include "common/json/job.hpp"
#include "common/json/job_writer.hpp"
#include "common/runtime/topology.hpp"
#include "tests/support/endpoints.hpp"
#include "workers/fleet/fleet.hpp"

namespace test_support {
namespace {

constexpr std::size_t kPublishChunk = 500;
constexpr std::chrono::seconds kConfirmTimeout{30};
constexpr int kPublishAttempts = 3;

std::string PercentEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char raw : text) {
    auto c = static_cast<unsigned char>(raw);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// amqp://user:pass@host:port/<vhost>: the configured URL with its path replaced.
std::string UrlForVhost(const std::string& vhost) {
  std::string base = AmqpUrl();
  auto scheme = base.find("://");
  auto path = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path != std::string::npos) base.resize(path);
  return base + "/" + PercentEncode(vhost);
}

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

void ExpectStatus(long status, const std::string& what, const std::string& body) {
  if (status < 200 || status >= 300) {
    throw std::runtime_error(what + ": HTTP " + std::to_string(status) + " " + body);
  }
}

std::int64_t IntMember(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

// `text` as a JSON string literal, quotes and escapes included.
std::string JsonString(const std::string& text) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  writer.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
  return out.GetString();
}

}  // namespace

long ManagementRequest(const std::string& method, const std::string& path, const std::string& request_body,
                       std::string* body) {
  static const bool initialized = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!initialized) throw std::runtime_error("curl_global_init failed");
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  std::string url = RabbitApiUrl() + "/api" + path;
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "content-type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (method != "GET" && method != "DELETE") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request_body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request_body.size()));
  }
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    throw std::runtime_error(method + " " + path + " on the RabbitMQ management API failed: " +
                             curl_easy_strerror(rc) + " (is the stack up? scripts/stack up; or set "
                             "TUNEFLEET_RABBITMQ_API_URL)");
  }
  if (body != nullptr) *body = std::move(response);
  return status;
}

TestVhost::TestVhost() {
  std::string suffix = UniqueSuffix();
  name_ = "tf_" + CurrentTestSlug(60 - suffix.size()) + "_" + suffix;
  amqp_url_ = UrlForVhost(name_);
  std::string body;
  std::string path = "/vhosts/" + PercentEncode(name_);
  ExpectStatus(ManagementRequest("PUT", path, "{}", &body), "creating vhost " + name_, body);
  created_ = true;
  ExpectStatus(ManagementRequest("PUT", "/permissions/" + PercentEncode(name_) + "/guest",
                                 R"({"configure":".*","write":".*","read":".*"})", &body),
               "granting guest access to vhost " + name_, body);
}

TestVhost::~TestVhost() {
  connection_.reset();
  if (!created_) return;
  try {
    std::string body;
    long status = ManagementRequest("DELETE", "/vhosts/" + PercentEncode(name_), "", &body);
    if (status != 204 && status != 404) ADD_FAILURE() << "deleting vhost " << name_ << ": HTTP " << status << body;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "deleting vhost " << name_ << ": " << e.what();
  }
}

amqp::Connection& TestVhost::Connection() {
  if (connection_ && connection_->is_open()) return *connection_;
  // No heartbeats: a test may leave this connection idle for minutes while workers run, and
  // nothing pumps it in between, so the broker would close it for missed heartbeats.
  connection_ = std::make_unique<amqp::Connection>(amqp::ConnectionSettings{
      .url = amqp_url_, .heartbeat = std::chrono::seconds{0}, .connection_name = "tunefleet-test"});
  if (auto r = connection_->Open(); !r) {
    connection_.reset();
    throw std::runtime_error(r.error().message);
  }
  return *connection_;
}

template <typename T, typename F>
T TestVhost::WithConnection(const std::string& what, F&& call) {
  for (int attempt = 1;; ++attempt) {
    const bool reused = connection_ != nullptr;
    auto result = call(Connection());
    if (result) {
      if constexpr (!std::is_void_v<T>) return *result;
      else return;
    }
    // The channel or the connection is unusable after an error: start over next time. A
    // connection kept from before a broker restart fails once with a transient error: the
    // call is tried again at once on a new one.
    connection_.reset();
    if (!reused || attempt > 1 || result.error().kind != core::ErrorKind::kTransient) {
      throw std::runtime_error(what + ": " + result.error().message);
    }
  }
}

void TestVhost::DeclareFleetTopology() { Declare(runtime::FleetTopology(fleet::Names())); }

void TestVhost::Declare(const amqp::Topology& topology) {
  WithConnection<void>("declaring topology", [&](amqp::Connection& c) { return c.Declare(topology); });
}

void TestVhost::Publish(const std::vector<amqp::OutgoingMessage>& messages) {
  for (std::size_t start = 0; start < messages.size(); start += kPublishChunk) {
    std::size_t end = std::min(messages.size(), start + kPublishChunk);
    // A chunk that was not wholly confirmed is published again on a new connection (the
    // broker may have restarted): at least once, like any publisher.
    for (int attempt = 1;; ++attempt) {
      std::size_t refused = 0;
      std::string why;
      try {
        WithConnection<void>("publishing", [&](amqp::Connection& c) -> core::Result<void> {
          for (std::size_t i = start; i < end; ++i) {
            auto r = c.Publish(messages[i], [&](core::Result<void> confirmed) {
              if (!confirmed) {
                ++refused;
                why = confirmed.error().message;
              }
            });
            if (!r) return r;
          }
          return c.WaitForConfirms(kConfirmTimeout);
        });
        if (refused == 0) break;
        why = std::to_string(refused) + " messages not confirmed: " + why;
      } catch (const std::runtime_error& e) {
        why = e.what();
      }
      if (attempt == kPublishAttempts) throw std::runtime_error(why);
      connection_.reset();
    }
  }
}

void TestVhost::PublishTrackJobs(const std::string& prefix, int first, int count) {
  std::vector<amqp::OutgoingMessage> messages;
  messages.reserve(static_cast<std::size_t>(count));
  for (int i = first; i < first + count; ++i) messages.push_back(TrackJob(prefix, i));
  Publish(messages);
}

void TestVhost::SetPolicy(const std::string& name, const std::string& pattern, const std::string& definition) {
  std::string body;
  ExpectStatus(ManagementRequest("PUT", "/policies/" + PercentEncode(name_) + "/" + PercentEncode(name),
                                 R"({"pattern":)" + JsonString(pattern) +
                                     R"(,"apply-to":"queues","priority":10,"definition":)" + definition + "}",
                                 &body),
               "setting policy " + name, body);
}

void TestVhost::ClearPolicy(const std::string& name) {
  std::string body;
  ExpectStatus(ManagementRequest("DELETE", "/policies/" + PercentEncode(name_) + "/" + PercentEncode(name), "", &body),
               "clearing policy " + name, body);
}

void TestVhost::FillUntilRefused(const std::string& queue, std::chrono::milliseconds timeout) {
  const std::string request = R"({"properties":{},"routing_key":)" + JsonString(queue) +
                              R"(,"payload":"filler","payload_encoding":"string"})";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string body;
  while (std::chrono::steady_clock::now() < deadline) {
    ManagementRequest("POST", "/exchanges/" + PercentEncode(name_) + "/amq.default/publish", request, &body);
    if (body.find("rejected") != std::string::npos) return;
    ::poll(nullptr, 0, 50);
  }
  throw std::runtime_error("queue " + queue + " still takes messages after " + std::to_string(timeout.count()) +
                           " ms (last answer: " + body + ")");
}

std::uint32_t TestVhost::Depth(const std::string& queue) {
  return WithConnection<std::uint32_t>("depth of " + queue, [&](amqp::Connection& c) { return c.QueueDepth(queue); });
}

QueueStats TestVhost::Stats(const std::string& queue) {
  std::string body;
  long status = ManagementRequest("GET", "/queues/" + PercentEncode(name_) + "/" + PercentEncode(queue), "", &body);
  ExpectStatus(status, "queue " + queue, body);
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("unexpected management API answer: " + body);
  return {IntMember(doc, "messages"), IntMember(doc, "messages_ready"), IntMember(doc, "messages_unacknowledged"),
          IntMember(doc, "consumers")};
}

std::vector<amqp::Delivery> TestVhost::Take(const std::string& queue, std::size_t count,
                                            std::chrono::milliseconds timeout) {
  std::vector<amqp::Delivery> out;
  if (count == 0) return out;
  amqp::Connection consumer(amqp::ConnectionSettings{.url = amqp_url_, .connection_name = "tunefleet-test-take"});
  auto fail = [&](const core::Error& error) { throw std::runtime_error("taking from " + queue + ": " + error.message); };
  if (auto r = consumer.Open(); !r) fail(r.error());
  auto prefetch = static_cast<std::uint16_t>(std::min<std::size_t>(count, 1000));
  if (auto r = consumer.Consume(queue, prefetch); !r) fail(r.error());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count) {
    std::vector<amqp::Delivery> batch;
    if (auto r = consumer.Pump([&](amqp::Delivery d) { batch.push_back(std::move(d)); }); !r) fail(r.error());
    for (auto& d : batch) {
      if (out.size() >= count) break;  // beyond what was asked: left unacked, so requeued on close
      if (auto r = consumer.Ack(d.delivery_tag, false); !r) fail(r.error());
      out.push_back(std::move(d));
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (out.size() >= count || left.count() <= 0) break;
    pollfd fd{consumer.socket_fd(), POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 100)));
  }
  // Make sure the acks reached the broker before closing: a passive declare is a round trip
  // on the same channel, which the broker answers after handling the acks sent before it.
  (void)consumer.QueueDepth(queue);
  consumer.Close();
  return out;
}

std::string TrackJobJson(const std::string& job_id, const std::string& artist, const std::string& title) {
  return json::Serialize(json::Job{json::TrackJob{.job_id = job_id, .trace_id = "trace-" + job_id, .artist = artist,
                                                  .title = title}});
}

amqp::OutgoingMessage JobMessage(const std::string& job_id, std::string body, const std::string& routing_key) {
  return amqp::OutgoingMessage{runtime::kJobsExchange, routing_key, job_id, std::move(body), {}};
}

amqp::OutgoingMessage TrackJob(const std::string& prefix, int i) {
  std::string id = prefix + "-" + std::to_string(i);
  return JobMessage(id, TrackJobJson(id, "Artist " + std::to_string(i % 97), prefix + " title " + std::to_string(i)));
}

}  // namespace test_support
