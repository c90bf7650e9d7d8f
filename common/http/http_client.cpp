#include "common/http/http_client.hpp"

#include <curl/curl.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>

#include "common/core/redact.hpp"
#include "common/http/body_limit.hpp"

namespace http {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && (s[start] == ' ' || s[start] == '\t')) ++start;
  return s.substr(start);
}

}  // namespace

std::string Response::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  Request request;
  Response response;
  ResponseCallback callback;
  BodyLimit limit;
  char error[CURL_ERROR_SIZE] = {0};

  ~Transfer() {
    if (headers != nullptr) curl_slist_free_all(headers);
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

// One poll per socket curl watches; owned through curl_multi_assign, deleted on CURL_POLL_REMOVE.
struct HttpClient::SocketWatch {
  SocketWatch(uv_loop_s& loop, HttpClient* owner, curl_socket_t socket) : poll(loop, socket), client(owner), fd(socket) {}
  uv::Poll poll;
  HttpClient* client = nullptr;
  curl_socket_t fd = CURL_SOCKET_BAD;
};

HttpClient::HttpClient(uv_loop_s& loop, HttpClientSettings settings)
    : loop_(loop), settings_(std::move(settings)), timer_(loop) {
  GlobalInit();
  CURLM* multi = curl_multi_init();
  multi_ = multi;
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &HttpClient::OnSocket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &HttpClient::OnTimer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, settings_.max_connections_per_host);
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, settings_.max_total_connections);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, settings_.max_total_connections);
}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (multi_ == nullptr) return;
  auto* multi = static_cast<CURLM*>(multi_);
  auto transfers = std::move(transfers_);
  transfers_.clear();
  for (auto& [easy, transfer] : transfers) {
    curl_multi_remove_handle(multi, transfer->easy);
    if (transfer->callback) transfer->callback(core::Error::Transient("HTTP client closed before the answer"));
  }
  transfers.clear();
  curl_multi_cleanup(multi);  // calls OnSocket with CURL_POLL_REMOVE for open sockets
  multi_ = nullptr;
  timer_.Close();
}

void HttpClient::Send(Request request, ResponseCallback callback) {
  if (multi_ == nullptr) {
    callback(core::Error::Transient("HTTP client is closed"));
    return;
  }
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->callback = std::move(callback);
  CURL* easy = curl_easy_init();
  transfer->easy = easy;
  Transfer* t = transfer.get();
  const Request& r = t->request;
  curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, settings_.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl supports
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, settings_.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, settings_.verify_tls ? 2L : 0L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, settings_.ca_file.c_str());
  auto connect = r.connect_timeout.count() > 0 ? r.connect_timeout : settings_.connect_timeout;
  auto total = r.total_timeout.count() > 0 ? r.total_timeout : settings_.total_timeout;
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
  t->limit = BodyLimit(settings_.max_response_bytes);
  if (settings_.max_response_bytes != 0) {
    // Refuses an announced Content-Length over the cap before any of the body is read; the
    // write callback below catches the rest (no Content-Length, chunked, compressed).
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(settings_.max_response_bytes));
  }
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* user) -> size_t {
    auto* receiving = static_cast<Transfer*>(user);
    if (!receiving->limit.Admit(size * n)) return 0;  // not size * n: curl aborts with CURLE_WRITE_ERROR
    receiving->response.body.append(data, size * n);
    return size * n;
  });
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, +[](char* data, size_t size, size_t n, void* user) -> size_t {
    std::string line(data, size * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      static_cast<Transfer*>(user)->response.headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
    }
    return size * n;
  });
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
  if (r.method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "POST" || !r.body.empty()) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
    }
  }
  for (const auto& [name, value] : r.headers) {
    t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
  }
  if (t->headers != nullptr) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
  transfers_.emplace(easy, std::move(transfer));
  CURLMcode rc = curl_multi_add_handle(static_cast<CURLM*>(multi_), easy);
  if (rc != CURLM_OK) {
    auto node = transfers_.extract(easy);
    node.mapped()->callback(core::Error::Transient(std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc)));
  }
}

int HttpClient::OnTimer(void*, long timeout_ms, void* self) {
  auto* client = static_cast<HttpClient*>(self);
  if (timeout_ms < 0) {
    client->timer_.Stop();
    return 0;
  }
  // curl wants "as soon as possible" for 0; the callback may not call back into curl directly.
  client->timer_.Start(std::chrono::milliseconds{timeout_ms}, [client] { client->Perform(CURL_SOCKET_TIMEOUT, 0); });
  return 0;
}

int HttpClient::OnSocket(void*, int fd, int what, void* self, void* socket_data) {
  auto* client = static_cast<HttpClient*>(self);
  auto* watch = static_cast<SocketWatch*>(socket_data);
  if (what == CURL_POLL_REMOVE) {
    if (watch != nullptr) {
      delete watch;  // closes its poll
      if (client->multi_ != nullptr) curl_multi_assign(static_cast<CURLM*>(client->multi_), fd, nullptr);
    }
    return 0;
  }
  if (watch == nullptr) {
    watch = new SocketWatch(client->loop_, client, fd);
    curl_multi_assign(static_cast<CURLM*>(client->multi_), fd, watch);
  }
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= uv::Poll::kReadable;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= uv::Poll::kWritable;
  watch->poll.Start(events, [w = watch](int status, int ready) {
    int flags = 0;
    if (status < 0) flags = CURL_CSELECT_ERR;
    if ((ready & uv::Poll::kReadable) != 0) flags |= CURL_CSELECT_IN;
    if ((ready & uv::Poll::kWritable) != 0) flags |= CURL_CSELECT_OUT;
    w->client->Perform(w->fd, flags);
  });
  return 0;
}

void HttpClient::Perform(int fd, int events) {
  if (multi_ == nullptr) return;
  int running = 0;
  curl_multi_socket_action(static_cast<CURLM*>(multi_), fd, events, &running);
  CheckFinished();
}

void HttpClient::CheckFinished() {
  int pending = 0;
  while (multi_ != nullptr) {
    CURLMsg* message = curl_multi_info_read(static_cast<CURLM*>(multi_), &pending);
    if (message == nullptr) break;
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    CURLcode result = message->data.result;
    curl_multi_remove_handle(static_cast<CURLM*>(multi_), easy);
    auto node = transfers_.extract(easy);
    if (node.empty()) continue;
    Transfer& t = *node.mapped();
    double seconds = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME, &seconds);
    most_body_bytes_received_ = std::max(most_body_bytes_received_, t.limit.received());
    if (t.limit.exceeded() || result == CURLE_FILESIZE_EXCEEDED) {
      // Permanent: the same request gets the same oversized answer on every try, and each try
      // would read up to the cap again (and spend the provider's quota); see docs/GATEWAY.md.
      // curl refuses an announced size before it records it (CURLINFO_CONTENT_LENGTH_DOWNLOAD_T
      // stays -1): the header callback kept it.
      std::uint64_t announced = 0;
      if (!t.limit.exceeded()) announced = std::strtoull(t.response.Header("content-length").c_str(), nullptr, 10);
      t.callback(core::Error::InvalidInput(OversizeMessage(settings_.name, t.request.method + " " + core::Redact(t.request.url),
                                                           t.limit.max_bytes(), settings_.max_response_variable,
                                                           announced)));
      continue;
    }
    if (result != CURLE_OK) {
      std::string why = t.error[0] != '\0' ? t.error : curl_easy_strerror(result);
      // The URL may carry a key (Last.fm: api_key in the query) and curl's own text may repeat it.
      t.callback(core::Error::Transient(core::Redact(t.request.method + " " + t.request.url + ": " + why)));
      continue;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t.response.status);
    t.response.seconds = seconds;
    t.callback(std::move(t.response));
  }
}

}  // namespace http
