#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

// Reading a provider's JSON response in a parser (.cpp files of workers/<provider>/ only;
// parsers work on RapidJSON values directly). `where` names the response in messages, e.g.
// "lastfm track.getInfo".
namespace json {

// kInvalidInput "<where>: <why>": a response this parser cannot use.
core::Error InvalidResponse(std::string_view where, const std::string& why);

// The body as a JSON object, or kInvalidInput naming what is wrong with it: an empty body,
// an HTML page instead of JSON, malformed JSON (with the offset), or not an object.
core::Result<std::shared_ptr<rapidjson::Document>> ParseResponseObject(std::string_view body, std::string_view where);

// object[name] (a null value included), or nullptr when absent or `object` is no object.
const rapidjson::Value* Member(const rapidjson::Value& object, const char* name);

}  // namespace json
