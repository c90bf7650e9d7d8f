#include "common/config/env.hpp"

#include <curl/curl.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace config {
namespace {

std::string JoinComma(std::initializer_list<std::string_view> items) {
  std::string out;
  for (auto item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value.substr(0, 80)) out += (c == '\n' ? ' ' : c);
  if (value.size() > 80) out += "...";
  return out + "\"";
}

}  // namespace

std::int64_t ParseInt(std::string_view text, std::string_view what) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    throw ConfigError(std::string(what) + "=" + Quote(text) + " is not a whole number");
  }
  return value;
}

std::chrono::milliseconds ParseDuration(std::string_view text, std::string_view what) {
  std::size_t digits = 0;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) != 0 ||
                                  text[digits] == '.')) {
    ++digits;
  }
  std::string_view number = text.substr(0, digits);
  std::string_view unit = text.substr(digits);
  double amount = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), amount);
  double scale = -1;
  if (unit.empty() || unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m" || unit == "min") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || scale < 0) {
    throw ConfigError(std::string(what) + "=" + Quote(text) +
                      " is not a duration; expected e.g. 250ms, 5s, 2m, 1h");
  }
  return std::chrono::milliseconds{static_cast<std::int64_t>(amount * scale)};
}

Env::Env()
    : lookup_([](const std::string& key) -> std::optional<std::string> {
        const char* value = std::getenv(key.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      }) {}

Env::Env(Lookup lookup) : lookup_(std::move(lookup)) {}

std::optional<std::string> Env::Raw(const std::string& key) const {
  auto value = lookup_(key);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::string Env::String(const std::string& key, std::string_view fallback) const {
  auto value = Raw(key);
  return value ? *value : std::string(fallback);
}

std::string Env::Secret(const std::string& key, std::string_view fallback) const {
  auto direct = Raw(key);
  auto file = Raw(key + "_FILE");
  if (direct && file) {
    throw ConfigError(key + " and " + key + "_FILE are both set; set only one of them");
  }
  if (!file) return direct ? *direct : std::string(fallback);
  std::ifstream in(*file);
  if (!in) {
    throw ConfigError(key + "_FILE=" + Quote(*file) + " cannot be read: " +
                      std::strerror(errno));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  std::string secret = contents.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

std::int64_t Env::Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                      std::int64_t max) const {
  auto value = Raw(key);
  if (!value) return fallback;
  std::int64_t parsed = ParseInt(*value, key);
  if (parsed < min || parsed > max) {
    throw ConfigError(key + "=" + Quote(*value) + " is out of range; expected " +
                      std::to_string(min) + ".." + std::to_string(max));
  }
  return parsed;
}

double Env::Double(const std::string& key, double fallback, double min, double max) const {
  auto value = Raw(key);
  if (!value) return fallback;
  double parsed = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
  if (ec != std::errc{} || end != value->data() + value->size()) {
    throw ConfigError(key + "=" + Quote(*value) + " is not a number");
  }
  if (parsed < min || parsed > max) {
    std::ostringstream range;
    range << min << ".." << max;
    throw ConfigError(key + "=" + Quote(*value) + " is out of range; expected " + range.str());
  }
  return parsed;
}

bool Env::Bool(const std::string& key, bool fallback) const {
  auto value = Raw(key);
  if (!value) return fallback;
  if (*value == "1" || *value == "true" || *value == "yes" || *value == "on") return true;
  if (*value == "0" || *value == "false" || *value == "no" || *value == "off") return false;
  throw ConfigError(key + "=" + Quote(*value) + " is not a boolean; expected true or false");
}

std::chrono::milliseconds Env::Duration(const std::string& key, std::chrono::milliseconds fallback,
                                        std::chrono::milliseconds min) const {
  auto value = Raw(key);
  if (!value) return fallback;
  auto parsed = ParseDuration(*value, key);
  if (parsed < min) {
    throw ConfigError(key + "=" + Quote(*value) + " is too short; expected at least " +
                      std::to_string(min.count()) + "ms");
  }
  return parsed;
}

std::string Env::Url(const std::string& key, std::string_view fallback,
                     std::initializer_list<std::string_view> schemes) const {
  // URLs carry passwords: each may come from KEY_FILE like any secret.
  std::string value = Secret(key, fallback);
  // libcurl's URL parser accepts any scheme when asked to, so it checks amqp://, redis://
  // and postgresql:// URLs as well as http ones.
  CURLU* url = curl_url();
  CURLUcode rc = curl_url_set(url, CURLUPART_URL, value.c_str(), CURLU_NON_SUPPORT_SCHEME);
  char* scheme = nullptr;
  char* host = nullptr;
  if (rc == CURLUE_OK) rc = curl_url_get(url, CURLUPART_SCHEME, &scheme, 0);
  if (rc == CURLUE_OK) rc = curl_url_get(url, CURLUPART_HOST, &host, 0);
  std::string scheme_text = scheme != nullptr ? scheme : "";
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(url);
  bool scheme_ok = false;
  for (auto allowed : schemes) scheme_ok = scheme_ok || scheme_text == allowed;
  if (rc != CURLUE_OK || !scheme_ok) {
    // Never echo the value: URLs carry passwords.
    std::string expected;
    for (auto allowed : schemes) expected += (expected.empty() ? "" : " or ") + std::string(allowed) + "://";
    throw ConfigError(key + " is not a valid URL; expected a " + expected + " URL such as " +
                      std::string(fallback.substr(0, fallback.find("://") + 3)) + "host:port/..." +
                      (rc != CURLUE_OK ? std::string(" (") + curl_url_strerror(rc) + ")" : ""));
  }
  return value;
}

std::string Env::OneOf(const std::string& key, std::string_view fallback,
                       std::initializer_list<std::string_view> choices) const {
  std::string value = String(key, fallback);
  for (auto choice : choices) {
    if (value == choice) return value;
  }
  throw ConfigError(key + "=" + Quote(value) + " is not one of: " + JoinComma(choices));
}

}  // namespace config
