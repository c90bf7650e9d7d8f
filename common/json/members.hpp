#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>

// Reading the members of a parsed JSON object leniently (RapidJSON): a member that is absent
// or of another type reads as the fallback. For documents of our own or of a known API
// (management API, control channel), not for validating input: schemas do that.
namespace json {

inline std::string StringMember(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return "";
  return {it->value.GetString(), it->value.GetStringLength()};
}

inline std::int64_t IntMember(const rapidjson::Value& object, const char* name, std::int64_t fallback = 0) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsInt64()) return fallback;
  return it->value.GetInt64();
}

inline std::optional<double> NumberMember(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsNumber()) return std::nullopt;
  return it->value.GetDouble();
}

inline bool BoolMember(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

}  // namespace json
