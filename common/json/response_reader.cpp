#include "common/json/response_reader.hpp"

#include <rapidjson/error/en.h>

namespace json {

core::Error InvalidResponse(std::string_view where, const std::string& why) {
  return core::Error::InvalidInput(std::string(where) + ": " + why);
}

core::Error UnusableBody(std::string_view where, const std::string& why) {
  return core::Error::Transient(std::string(where) + ": " + why);
}

core::Result<std::shared_ptr<rapidjson::Document>> ParseResponseObject(std::string_view body, std::string_view where) {
  std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return UnusableBody(where, "empty body");
  if (body[first] == '<') return UnusableBody(where, "HTML instead of JSON (an error page?)");
  auto doc = std::make_shared<rapidjson::Document>();
  doc->Parse(body.data(), body.size());
  if (doc->HasParseError()) {
    return UnusableBody(where, std::string("malformed JSON: ") + rapidjson::GetParseError_En(doc->GetParseError()) +
                                      " at offset " + std::to_string(doc->GetErrorOffset()));
  }
  if (!doc->IsObject()) return UnusableBody(where, "expected a JSON object");
  return doc;
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

}  // namespace json
