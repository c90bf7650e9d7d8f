#include "common/json/job.hpp"

#include <type_traits>

namespace json {

std::string_view TypeName(const Job& job) {
  return std::visit([](const auto& message) { return std::decay_t<decltype(message)>::kType; }, job);
}

std::string_view JobId(const Job& job) {
  return std::visit([](const auto& message) -> std::string_view { return message.job_id; }, job);
}

std::string_view TraceId(const Job& job) {
  return std::visit([](const auto& message) -> std::string_view { return message.trace_id; }, job);
}

}  // namespace json
