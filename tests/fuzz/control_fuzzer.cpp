// libFuzzer target: the control channel's parsers on any body (what anyone who may publish to
// tunefleet.control, or answer on tunefleet.control.replies, sends). A message a parser
// accepts must survive ToJson and parse back the same: numbers within 1e-9 (RapidJSON's
// default parse may land a few ULPs from the writer's shortest form), everything else equal.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "common/control/protocol.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

bool Near(double a, double b) { return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b)); }

bool Near(const std::optional<double>& a, const std::optional<double>& b) {
  return a.has_value() == b.has_value() && (!a || Near(*a, *b));
}

bool Same(const control::Command& a, const control::Command& b) {
  return a.action == b.action && Near(a.rate_per_second, b.rate_per_second) && a.log_level == b.log_level &&
         a.duration == b.duration;
}

bool Same(const control::Status& a, const control::Status& b) {
  return a.who.kind == b.who.kind && a.who.name == b.who.name && a.who.host == b.who.host && a.who.pid == b.who.pid &&
         a.who.version == b.who.version && Near(a.uptime_seconds, b.uptime_seconds) && a.in_flight == b.in_flight &&
         a.paused == b.paused && a.log_level == b.log_level && a.heartbeat_ms == b.heartbeat_ms &&
         a.breaker == b.breaker && (a.breaker.empty() || a.breaker_held_open == b.breaker_held_open) &&
         Near(a.rate_per_second, b.rate_per_second) && Near(a.configured_rate, b.configured_rate) &&
         (a.who.kind != "provider" || (a.cache_hits == b.cache_hits && a.cache_misses == b.cache_misses));
}

bool Same(const control::Reply& a, const control::Reply& b) {
  return a.process == b.process && a.applied == b.applied && a.detail == b.detail &&
         a.status.has_value() == b.status.has_value() && (!a.status || Same(*a.status, *b.status));
}

// `parse` accepted `text`: what ToJson writes of it must parse back the same.
template <typename Parse>
void ExpectRoundTrip(std::string_view text, Parse parse) {
  auto first = parse(text);
  if (!first) return;
  auto again = parse(control::ToJson(*first));
  if (!again || !Same(*first, *again)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::Text(data, size);
  ExpectRoundTrip(text, [](std::string_view t) { return control::ParseCommand(t); });
  ExpectRoundTrip(text, [](std::string_view t) { return control::ParseStatus(t); });
  ExpectRoundTrip(text, [](std::string_view t) { return control::ParseReply(t); });
  return 0;
}
