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

// kInvalidInput "<where>: <why>": a well-formed answer that rejects the request or that this
// parser cannot use (a field of the wrong type). Permanent: the job is dead-lettered.
core::Error InvalidResponse(std::string_view where, const std::string& why);

// kTransient "<where>: <why>": a body that is not a usable document at all (empty, an HTML
// page, truncated or garbled JSON). The network's or the provider's fault, not the job's:
// retried like a 503 (docs/GATEWAY.md, "Provider faults").
core::Error UnusableBody(std::string_view where, const std::string& why);

// The body as a JSON object, or kTransient (UnusableBody) naming what is wrong with it: an
// empty body, an HTML page instead of JSON, malformed JSON (with the offset), or not an object.
core::Result<std::shared_ptr<rapidjson::Document>> ParseResponseObject(std::string_view body, std::string_view where);

// object[name] (a null value included), or nullptr when absent or `object` is no object.
const rapidjson::Value* Member(const rapidjson::Value& object, const char* name);

}  // namespace json
