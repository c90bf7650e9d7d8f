#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace provider_sim {

// A RapidJSON Writer with string_view keys and values, for building response bodies in
// one pass without a DOM. Only the provider_api implementations include this.
class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}

  JsonOut& Key(std::string_view key) {
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    return *this;
  }
  void Str(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  void Int(std::int64_t value) { writer_.Int64(value); }
  void Double(double value) { writer_.Double(value); }
  void Bool(bool value) { writer_.Bool(value); }
  void Null() { writer_.Null(); }
  void BeginObject() { writer_.StartObject(); }
  void EndObject() { writer_.EndObject(); }
  void BeginArray() { writer_.StartArray(); }
  void EndArray() { writer_.EndArray(); }

  // key: value shorthands.
  void Field(std::string_view key, std::string_view value) { Key(key).Str(value); }
  void Field(std::string_view key, const char* value) { Key(key).Str(value); }
  void Field(std::string_view key, const std::string& value) { Key(key).Str(value); }
  void Field(std::string_view key, std::int64_t value) { Key(key).Int(value); }
  void Field(std::string_view key, int value) { Key(key).Int(value); }
  void Field(std::string_view key, double value) { Key(key).Double(value); }
  void Field(std::string_view key, bool value) { Key(key).Bool(value); }
  void NullField(std::string_view key) { Key(key).Null(); }
  void EmptyArray(std::string_view key) {
    Key(key).BeginArray();
    EndArray();
  }

  std::string Take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace provider_sim
