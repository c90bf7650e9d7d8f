#include "common/json/job_parser.hpp"

// RapidJSON 1.1's own regex engine keeps its match state in `mutable` members of the compiled
// schema, so two threads validating against one SchemaDocument would race, and it stops
// matching at the first NUL. std::regex matches a const pattern over (pointer, length).
// Must come before the first RapidJSON include; no other file of ours includes schema.h.
// Careful: 1.1's schema.h turns std::regex OFF when RAPIDJSON_SCHEMA_USE_STDREGEX is defined
// at all (to any value), and then silently ignores every "pattern"; the static_assert below
// guards against that.
#define RAPIDJSON_SCHEMA_USE_INTERNALREGEX 0

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

static_assert(RAPIDJSON_SCHEMA_USE_STDREGEX == 1 && RAPIDJSON_SCHEMA_USE_INTERNALREGEX == 0,
              "schema patterns must be matched with std::regex");

#include <array>
#include <cassert>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/json/embedded_schemas.hpp"
#include "common/json/schema_text.hpp"
#include "common/json/utf8.hpp"

namespace json {

namespace {

using rapidjson::Value;

// Iterative parsing: a body of 200k '[' must not exhaust the stack.
constexpr unsigned kParseFlags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
// Our messages are flat objects; the cap only protects the recursive Accept() used to validate.
constexpr std::size_t kMaxDepth = 32;
// How much of an untrusted value an error message quotes.
constexpr std::size_t kMaxQuotedBytes = 80;

std::string_view View(const Value& value) { return {value.GetString(), value.GetStringLength()}; }

// Cuts `text` after kMaxQuotedBytes, at a character boundary, so error messages stay short.
std::string Truncated(std::string text) {
  if (text.size() <= kMaxQuotedBytes) return text;
  std::size_t end = kMaxQuotedBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "...";
}

// Escapes quotes, backslashes and control characters, so an error message stays on one line.
std::string Escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::string Quoted(std::string_view text) { return '"' + Escaped(Truncated(std::string(text))) + '"'; }

// One JSON Pointer reference token ("a/b" -> "/a~1b"), made printable for an error message.
std::string PointerTo(std::string_view name) {
  std::string token = "/";
  for (const char c : name) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return Escaped(Truncated(std::move(token)));
}

std::string Compact(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ExpectedTypes() {
  std::string out = "expected one of ";
  for (const std::string_view type : KnownTypes()) {
    if (out.back() != ' ') out += ", ";
    out += '"';
    out += type;
    out += '"';
  }
  return out;
}

const char* KindName(const Value& value) {
  static constexpr std::array<const char*, 7> kNames = {"null", "false", "true", "an object", "an array",
                                                        "a string", "a number"};
  return kNames[static_cast<std::size_t>(value.GetType())];
}

bool NestsDeeperThan(const Value& root, std::size_t max_depth) {
  std::vector<std::pair<const Value*, std::size_t>> pending = {{&root, 1}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (depth > max_depth) return true;
    if (value->IsObject()) {
      for (const auto& member : value->GetObject()) pending.emplace_back(&member.value, depth + 1);
    } else if (value->IsArray()) {
      for (const Value& element : value->GetArray()) pending.emplace_back(&element, depth + 1);
    }
  }
  return false;
}

const Value& Member(const Value& object, const char* name) {
  const auto it = object.FindMember(name);
  assert(it != object.MemberEnd());  // the schema requires it
  return it->value;
}

std::string String(const Value& object, const char* name) { return std::string(View(Member(object, name))); }

std::int64_t Int64(const Value& object, const char* name) {
  const Value& value = Member(object, name);
  assert(value.IsInt64());  // the schema's "integer" with a maximum of INT64_MAX
  return value.GetInt64();
}

std::optional<std::string> OptionalString(const Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return std::nullopt;
  return std::string(View(it->value));
}

std::optional<std::int64_t> OptionalInt64(const Value& object, const char* name) {
  if (!object.HasMember(name)) return std::nullopt;
  return Int64(object, name);
}

TrackJob ToTrackJob(const Value& object) {
  return TrackJob{
      .job_id = String(object, "job_id"),
      .trace_id = String(object, "trace_id"),
      .artist = String(object, "artist"),
      .title = String(object, "title"),
      .album = OptionalString(object, "album"),
      .isrc = OptionalString(object, "isrc"),
      .mbid = OptionalString(object, "mbid"),
      .spotify_id = OptionalString(object, "spotify_id"),
      .discogs_id = OptionalInt64(object, "discogs_id"),
      .duration_ms = OptionalInt64(object, "duration_ms"),
      .requested_at = OptionalString(object, "requested_at"),
  };
}

AlbumJob ToAlbumJob(const Value& object) {
  return AlbumJob{
      .job_id = String(object, "job_id"),
      .trace_id = String(object, "trace_id"),
      .artist = String(object, "artist"),
      .album = String(object, "album"),
      .upc = OptionalString(object, "upc"),
      .mbid = OptionalString(object, "mbid"),
      .spotify_id = OptionalString(object, "spotify_id"),
      .discogs_id = OptionalInt64(object, "discogs_id"),
      .year = OptionalInt64(object, "year"),
  };
}

std::vector<std::int64_t> Int64Array(const Value& object, const char* name) {
  std::vector<std::int64_t> out;
  for (const auto& item : Member(object, name).GetArray()) {
    assert(item.IsInt64());  // the schema's integer items with a maximum of INT64_MAX
    out.push_back(item.GetInt64());
  }
  return out;
}

FollowUp ToFollowUp(const Value& object) {
  return FollowUp{
      .job_id = String(object, "job_id"),
      .trace_id = String(object, "trace_id"),
      .track_ids = Int64Array(object, "track_ids"),
      .provider = String(object, "provider"),
      .reason = String(object, "reason"),
      .emitted_at = String(object, "emitted_at"),
  };
}

}  // namespace

// The compiled schemas, immutable after construction and shared by copies of the parser.
class JobParser::Schemas {
 public:
  struct Entry {
    std::string_view type;
    rapidjson::Document source;  // kept to name missing and unknown properties in errors
    std::unique_ptr<rapidjson::SchemaDocument> compiled;
    Job (*convert)(const Value&) = nullptr;
  };

  Schemas() {
    Add(TrackJob::kType, [](const Value& object) -> Job { return ToTrackJob(object); });
    Add(AlbumJob::kType, [](const Value& object) -> Job { return ToAlbumJob(object); });
    Add(FollowUp::kType, [](const Value& object) -> Job { return ToFollowUp(object); });
  }

  const Entry* Find(std::string_view type) const {
    for (const auto& entry : entries_) {
      if (entry->type == type) return entry.get();
    }
    return nullptr;
  }

 private:
  void Add(std::string_view type, Job (*convert)(const Value&)) {
    const std::string_view text = SchemaText(type);
    // The build embeds every schema and checks it is JSON, so failing here is a build bug.
    if (text.empty()) throw std::logic_error("no embedded schema for " + std::string(type));
    auto entry = std::make_unique<Entry>();
    entry->type = type;
    entry->source.Parse(text.data(), text.size());
    if (entry->source.HasParseError() || !entry->source.IsObject()) {
      throw std::logic_error("embedded schema for " + std::string(type) + " is not a JSON object");
    }
    entry->compiled = std::make_unique<rapidjson::SchemaDocument>(entry->source);
    entry->convert = convert;
    entries_.push_back(std::move(entry));
  }

  std::vector<std::unique_ptr<Entry>> entries_;
};

namespace {

// Names the first property of `object` that `schema` does not list under "properties".
std::string FirstUnknownProperty(const Value& schema, const Value& object) {
  const Value& properties = Member(schema, "properties");
  for (const auto& member : object.GetObject()) {
    if (!properties.HasMember(member.name)) return std::string(View(member.name));
  }
  return {};
}

// Names the first property `schema` lists under "required" that `object` lacks.
std::string FirstMissingProperty(const Value& schema, const Value& object) {
  for (const Value& name : Member(schema, "required").GetArray()) {
    if (!object.HasMember(name)) return std::string(View(name));
  }
  return {};
}

// `schema` is the source of the schema `validator` rejected `document` against.
std::string DescribeViolation(std::string_view type, const Value& schema, const Value& document,
                              const rapidjson::SchemaValidator& validator) {
  const std::string keyword = validator.GetInvalidSchemaKeyword();
  const std::string prefix = "invalid " + std::string(type) + ": ";
  if (keyword == "required" && validator.GetInvalidDocumentPointer().GetTokenCount() == 0) {
    return prefix + PointerTo(FirstMissingProperty(schema, document)) + " is missing (violates \"required\")";
  }
  if (keyword == "additionalProperties" && validator.GetInvalidDocumentPointer().GetTokenCount() <= 1) {
    return prefix + PointerTo(FirstUnknownProperty(schema, document)) +
           " is not a known property (violates \"additionalProperties\")";
  }
  rapidjson::StringBuffer pointer;
  validator.GetInvalidDocumentPointer().Stringify(pointer);
  const std::string where = pointer.GetSize() == 0 ? "(root)" : Escaped(Truncated(pointer.GetString()));
  std::string message = prefix + where + " violates \"" + keyword + "\"";
  // Quote the constraint itself, e.g. `"pattern": "^[A-Z]{2}..."`, so the reader needs no schema.
  const Value* failed = validator.GetInvalidSchemaPointer().Get(schema);
  if (failed != nullptr && failed->IsObject()) {
    if (const auto it = failed->FindMember(keyword.c_str()); it != failed->MemberEnd()) {
      message += ": " + Compact(it->value);
    }
  }
  return message;
}

}  // namespace

JobParser::JobParser(JobParserSettings settings)
    : settings_(settings), schemas_(std::make_shared<const Schemas>()) {
  assert(settings_.max_body_bytes > 0);
}

JobParser::~JobParser() = default;
JobParser::JobParser(const JobParser&) = default;
JobParser& JobParser::operator=(const JobParser&) = default;
JobParser::JobParser(JobParser&&) noexcept = default;
JobParser& JobParser::operator=(JobParser&&) noexcept = default;

core::Result<Job> JobParser::Parse(std::string_view body) const {
  using core::Error;
  if (body.empty()) return Error::InvalidInput("empty message body");
  if (body.size() > settings_.max_body_bytes) {
    return Error::InvalidInput("body is " + std::to_string(body.size()) + " bytes, over the " +
                               std::to_string(settings_.max_body_bytes) +
                               "-byte limit (TUNEFLEET_MAX_BODY_BYTES)");
  }
  // RapidJSON reads a NUL byte as the end of input and would ignore whatever follows it.
  if (const void* nul = std::memchr(body.data(), '\0', body.size())) {
    const auto offset = static_cast<const char*>(nul) - body.data();
    return Error::InvalidInput("invalid JSON at byte offset " + std::to_string(offset) + ": raw NUL byte");
  }

  rapidjson::Document document;
  document.Parse<kParseFlags>(body.data(), body.size());
  if (document.HasParseError()) {
    if (document.GetParseError() == rapidjson::kParseErrorStringInvalidEncoding) {
      // RapidJSON reports where it stopped reading; name the first bad byte instead.
      std::size_t offset = FindInvalidUtf8(body);
      if (offset == std::string_view::npos) offset = document.GetErrorOffset();
      return Error::InvalidInput("invalid UTF-8 at byte offset " + std::to_string(offset));
    }
    return Error::InvalidInput("invalid JSON at byte offset " + std::to_string(document.GetErrorOffset()) + ": " +
                               rapidjson::GetParseError_En(document.GetParseError()));
  }
  if (!document.IsObject()) {
    return Error::InvalidInput(std::string("message is ") + KindName(document) + ", not a JSON object");
  }
  if (NestsDeeperThan(document, kMaxDepth)) {
    return Error::InvalidInput("message nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }

  const auto type_member = document.FindMember("type");
  if (type_member == document.MemberEnd()) return Error::InvalidInput("message has no \"type\"; " + ExpectedTypes());
  const Value& type = type_member->value;
  const Schemas::Entry* entry = type.IsString() ? schemas_->Find(View(type)) : nullptr;
  if (entry == nullptr) {
    const std::string shown = type.IsString() ? Quoted(View(type)) : Escaped(Truncated(Compact(type)));
    return Error::InvalidInput("unknown message type " + shown + "; " + ExpectedTypes());
  }

  rapidjson::SchemaValidator validator(*entry->compiled);
  if (!document.Accept(validator)) {
    return Error::InvalidInput(DescribeViolation(entry->type, entry->source, document, validator));
  }

  // What the schema cannot say: RapidJSON keeps duplicate names (which one counts differs
  // between parsers), and escapes can spell U+0000 or a lone surrogate, which PostgreSQL's
  // text type rejects.
  std::array<std::string_view, 16> seen{};
  std::size_t seen_count = 0;
  for (const auto& member : document.GetObject()) {
    const std::string_view name = View(member.name);
    for (std::size_t i = 0; i < seen_count; ++i) {
      if (seen[i] == name) {
        return Error::InvalidInput("invalid " + std::string(entry->type) + ": " + PointerTo(name) +
                                   " appears more than once");
      }
    }
    // additionalProperties: false bounds the distinct names by the schema's property count.
    assert(seen_count < seen.size());
    seen[seen_count++] = name;
    if (!member.value.IsString()) continue;
    const std::string_view text = View(member.value);
    if (text.find('\0') != std::string_view::npos) {
      return Error::InvalidInput("invalid " + std::string(entry->type) + ": " + PointerTo(name) +
                                 " contains U+0000");
    }
    if (FindInvalidUtf8(text) != std::string_view::npos) {
      return Error::InvalidInput("invalid " + std::string(entry->type) + ": " + PointerTo(name) +
                                 " contains an unpaired UTF-16 surrogate escape");
    }
  }
  return entry->convert(document);
}

}  // namespace json
