#include "tools/tunefleet/management_api.hpp"

#include <curl/curl.h>

#include <cctype>
#include <memory>

#include "common/config/settings.hpp"

namespace ops {
namespace {

constexpr const char* kVariable = "TUNEFLEET_RABBITMQ_API_URL";
constexpr std::size_t kBodyExcerpt = 200;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// The first line of an error body, short enough for a one-line message.
std::string Excerpt(const std::string& body) {
  std::string out = body.substr(0, body.find('\n'));
  if (out.size() > kBodyExcerpt) out = out.substr(0, kBodyExcerpt) + "...";
  return out;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += raw;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

core::Result<ApiEndpoint> ParseApiUrl(std::string_view url) {
  const auto bad = [&](const std::string& why) {
    return core::Error::InvalidInput(std::string(kVariable) + ": " + why +
                                     " (expected http://user:password@host:port)");
  };
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("no scheme");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return bad("scheme \"" + std::string(scheme) + "\" is not http or https");
  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);

  ApiEndpoint endpoint;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const std::size_t colon = userinfo.find(':');
    endpoint.user = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) endpoint.password = PercentDecode(userinfo.substr(colon + 1));
    authority = authority.substr(at + 1);
  }
  if (authority.empty() || authority.front() == ':') return bad("no host");
  endpoint.host_port = std::string(authority);
  // Show the port even when the URL leaves it implicit: the message must say where we looked.
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  const bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  if (!has_port) endpoint.host_port += scheme == "https" ? ":443" : ":80";
  endpoint.base_url = std::string(scheme) + "://" + std::string(authority) + std::string(path);
  return endpoint;
}

std::string VhostFromAmqpUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  const std::size_t slash = rest.find_first_of("/?#");
  if (slash == std::string_view::npos || rest[slash] != '/') return "/";
  std::string_view path = rest.substr(slash + 1);
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty()) return "/";
  return PercentDecode(path);
}

ApiTarget LoadApiTarget(const config::Env& env) {
  const auto management = config::LoadManagementSettings(env);
  const auto amqp = config::LoadAmqpSettings(env);
  auto endpoint = ParseApiUrl(management.url);
  if (!endpoint) throw config::ConfigError(endpoint.error().message);
  // Several nodes of one cluster share one vhost (checked): the first names it.
  const std::string first_node = config::ParseAmqpUrlList("TUNEFLEET_AMQP_URL", amqp.url).front();
  return {.endpoint = std::move(*endpoint), .vhost = VhostFromAmqpUrl(first_node), .amqp_url = amqp.url};
}

ManagementApi::ManagementApi(ApiEndpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

core::Result<std::string> ManagementApi::Get(const std::string& path) { return Request("GET", path, nullptr); }

core::Result<std::string> ManagementApi::Post(const std::string& path, const std::string& json_body) {
  return Request("POST", path, &json_body);
}

core::Result<std::string> ManagementApi::Put(const std::string& path, const std::string& json_body) {
  return Request("PUT", path, &json_body);
}

core::Result<std::string> ManagementApi::Request(const char* method, const std::string& path,
                                                 const std::string* json_body) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return core::Error::Transient(std::string("curl_global_init: ") + curl_easy_strerror(global));
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return core::Error::Transient("curl_easy_init failed");
  std::unique_ptr<curl_slist, SlistDeleter> headers(curl_slist_append(nullptr, "content-type: application/json"));
  const std::string url = endpoint_.base_url + "/api" + path;
  std::string response;
  CURL* c = curl.get();
  CURLcode rc = CURLE_OK;
  // Every setopt can fail (out of memory, an option this libcurl lacks); stop at the first.
  const auto set = [&rc](CURLcode result) {
    if (rc == CURLE_OK) rc = result;
  };
  set(curl_easy_setopt(c, CURLOPT_URL, url.c_str()));
  set(curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method));
  set(curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()));
  set(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody));
  set(curl_easy_setopt(c, CURLOPT_WRITEDATA, &response));
  set(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L));
  set(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count())));
  set(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
  if (!endpoint_.user.empty()) {
    set(curl_easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC)));
    set(curl_easy_setopt(c, CURLOPT_USERNAME, endpoint_.user.c_str()));
    set(curl_easy_setopt(c, CURLOPT_PASSWORD, endpoint_.password.c_str()));
  }
  if (json_body != nullptr) {
    set(curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body->c_str()));
    set(curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(json_body->size())));
  }
  if (rc != CURLE_OK) return core::Error::Transient(std::string("libcurl: ") + curl_easy_strerror(rc));
  rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return core::Error::Transient("cannot reach the RabbitMQ management API at " + endpoint_.host_port + ": " +
                                  curl_easy_strerror(rc) +
                                  " (is RabbitMQ running with its management plugin? scripts/stack up; or set " +
                                  kVariable + ")");
  }
  long status = 0;
  if (rc = curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status); rc != CURLE_OK) {
    return core::Error::Transient(std::string("libcurl: ") + curl_easy_strerror(rc));
  }
  if (status >= 200 && status < 300) return response;
  const std::string where = "RabbitMQ management API at " + endpoint_.host_port;
  if (status == 401 || status == 403) {
    return core::Error::InvalidInput(where + " refused the credentials (HTTP " + std::to_string(status) +
                                     "): check the user and password in " + kVariable);
  }
  if (status == 404) return core::Error::NotFound(where + ": " + method + " " + path + " not found (HTTP 404)");
  return core::Error::Transient(where + ": " + method + " " + path + " answered HTTP " + std::to_string(status) + " " +
                                Excerpt(response));
}

}  // namespace ops
