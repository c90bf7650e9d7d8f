#include "tests/integration/provider_sim/sim_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace provider_sim_test {
namespace {

using Clock = std::chrono::steady_clock;

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* out) {
  std::string line(data, size * count);
  std::size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * count;
}

struct Transfer {
  CURL* handle = nullptr;
  curl_slist* headers = nullptr;
  HttpResult result;
  Clock::time_point started;
};

void Prepare(Transfer& t, const HttpRequest& request) {
  curl_easy_setopt(t.handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(t.handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST") {
    curl_easy_setopt(t.handle, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(t.handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  } else {
    curl_easy_setopt(t.handle, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(t.handle, CURLOPT_CUSTOMREQUEST, nullptr);
  }
  for (const auto& header : request.headers) t.headers = curl_slist_append(t.headers, header.c_str());
  curl_easy_setopt(t.handle, CURLOPT_HTTPHEADER, t.headers);
  curl_easy_setopt(t.handle, CURLOPT_USERAGENT, "tunefleet-provider-sim-test/1.0");
  curl_easy_setopt(t.handle, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(t.handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(t.handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(t.handle, CURLOPT_WRITEDATA, &t.result.body);
  curl_easy_setopt(t.handle, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(t.handle, CURLOPT_HEADERDATA, &t.result.headers);
  t.started = Clock::now();
}

void Collect(Transfer& t, CURLcode code) {
  t.result.code = code;
  t.result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t.started);
  curl_easy_getinfo(t.handle, CURLINFO_RESPONSE_CODE, &t.result.status);
  curl_easy_getinfo(t.handle, CURLINFO_NUM_CONNECTS, &t.result.connects);
  char* type = nullptr;
  curl_easy_getinfo(t.handle, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) t.result.content_type = type;
  curl_slist_free_all(t.headers);
  t.headers = nullptr;
}

}  // namespace

std::string SimBinary() { return std::string(TUNEFLEET_BINARY_DIR) + "/bin/provider-sim"; }

SimProcess::SimProcess(std::vector<std::string> args) {
  char stderr_template[] = "/tmp/provider-sim-test-XXXXXX";
  int err_fd = mkstemp(stderr_template);
  if (err_fd < 0) throw std::runtime_error("mkstemp failed");
  stderr_path_ = stderr_template;
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string binary = SimBinary();
  std::vector<char*> argv{binary.data()};
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err_fd);
  if (rc != 0) {
    close(out[0]);
    throw std::runtime_error("cannot start " + binary);
  }
  // The first stdout line names the port; a process that exits first (bad flags) leaves it 0.
  std::string line;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
    pollfd pfd{out[0], POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  const std::string prefix = "listening on 127.0.0.1:";
  if (line.rfind(prefix, 0) == 0) port_ = std::stoi(line.substr(prefix.size()));
}

SimProcess::~SimProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGTERM);
    if (!WaitExit(std::chrono::seconds(5))) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (::testing::Test::HasFailure()) std::fprintf(stderr, "provider-sim stderr:\n%s\n", Stderr().c_str());
  std::remove(stderr_path_.c_str());
}

std::optional<int> SimProcess::WaitExit(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string SimProcess::Stderr() const {
  std::ifstream in(stderr_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

HttpResult Fetch(const HttpRequest& request, CURL* handle) {
  Transfer t;
  bool own = handle == nullptr;
  t.handle = own ? curl_easy_init() : handle;
  Prepare(t, request);
  CURLcode code = curl_easy_perform(t.handle);
  Collect(t, code);
  if (own) curl_easy_cleanup(t.handle);
  return t.result;
}

std::vector<HttpResult> FetchConcurrently(const std::vector<HttpRequest>& requests) {
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
  std::vector<std::unique_ptr<Transfer>> transfers;
  for (const auto& request : requests) {
    auto t = std::make_unique<Transfer>();
    t->handle = curl_easy_init();
    Prepare(*t, request);
    curl_easy_setopt(t->handle, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(t->handle, CURLOPT_FORBID_REUSE, 1L);
    curl_multi_add_handle(multi, t->handle);
    transfers.push_back(std::move(t));
  }
  int running = 1;
  while (running > 0) {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
      Collect(*t, msg->data.result);
    }
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  std::vector<HttpResult> results;
  for (auto& t : transfers) {
    curl_multi_remove_handle(multi, t->handle);
    curl_easy_cleanup(t->handle);
    results.push_back(std::move(t->result));
  }
  curl_multi_cleanup(multi);
  return results;
}

SimStats ProviderStats(const SimProcess& sim, const std::string& provider) {
  auto result = Fetch({.method = "GET", .url = sim.Url("/_sim/stats"), .timeout_ms = 5000});
  if (result.status != 200) throw std::runtime_error("GET /_sim/stats: status " + std::to_string(result.status));
  rapidjson::Document doc;
  doc.Parse(result.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(provider.c_str())) {
    throw std::runtime_error("GET /_sim/stats: no \"" + provider + "\" in " + result.body.substr(0, 200));
  }
  const auto& p = doc[provider.c_str()];
  SimStats s;
  s.requests = p["requests"].GetInt64();
  s.limited = p["limited"].GetInt64();
  s.not_found = p["not_found"].GetInt64();
  s.faults = p["faults_injected"].GetInt64();
  s.excused = p["excused_by_loop_lag"].GetInt64();
  for (const auto& m : p["faults_by_kind"].GetObject()) s.faults_by_kind[m.name.GetString()] = m.value.GetInt64();
  for (const auto& m : p["by_endpoint"].GetObject()) s.by_endpoint[m.name.GetString()] = m.value.GetInt64();
  for (const auto& m : p["by_status"].GetObject()) s.by_status[m.name.GetString()] = m.value.GetInt64();
  if (doc.HasMember("uptime_s") && doc["uptime_s"].IsNumber()) s.uptime_s = doc["uptime_s"].GetDouble();
  if (doc.HasMember("since_first_request_s") && doc["since_first_request_s"].IsNumber()) {
    s.since_first_request_s = doc["since_first_request_s"].GetDouble();
  }
  return s;
}

std::string Describe(const SimStats& s) {
  std::ostringstream out;
  out << "requests=" << s.requests << " limited=" << s.limited << " not_found=" << s.not_found
      << " faults=" << s.faults << " excused=" << s.excused << " faults_by_kind={";
  for (const auto& [k, v] : s.faults_by_kind) out << k << ":" << v << " ";
  out << "} by_endpoint={";
  for (const auto& [k, v] : s.by_endpoint) out << k << ":" << v << " ";
  out << "} by_status={";
  for (const auto& [k, v] : s.by_status) out << k << ":" << v << " ";
  out << "} uptime_s=" << s.uptime_s;
  return out.str();
}

}  // namespace provider_sim_test
