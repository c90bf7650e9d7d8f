#include "common/runtime/normalize_command.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cassert>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "common/core/redact.hpp"

namespace runtime {

std::string_view OutcomeOf(const NormalizedAnswer& answer) {
  if (answer.error) {
    switch (answer.error->kind) {
      case core::ErrorKind::kNotFound: return "not_found";
      case core::ErrorKind::kTransient: return "transient";
      case core::ErrorKind::kInvalidInput: return "permanent";
    }
  }
  return answer.record_json.empty() ? "not_found" : "record";
}

std::string NormalizedAnswerJson(std::string_view provider, const NormalizedAnswer& answer) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  auto str = [&w](const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  str("provider", provider);
  str("shape", answer.shape);
  str("outcome", OutcomeOf(answer));
  if (answer.candidates) {
    w.Key("candidates");
    w.Int64(*answer.candidates);
  }
  if (answer.error) {
    w.Key("error");
    w.StartObject();
    if (answer.error_code) {
      w.Key("code");
      w.Int64(*answer.error_code);
    }
    str("kind", core::ToString(answer.error->kind));
    str("message", core::Redact(answer.error->message));
    w.EndObject();
  }
  if (!answer.record_json.empty()) {
    rapidjson::Document record;
    record.Parse(answer.record_json.data(), answer.record_json.size());
    // The providers build record_json with a JSON writer; anything else is a bug of ours.
    assert(!record.HasParseError());
    w.Key("record");
    if (record.HasParseError()) w.Null();
    else record.Accept(w);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

int NormalizeCommand(std::string_view provider, const NormalizeBody& normalize, int argc, char* argv[]) {
  std::string program = "tunefleet-" + std::string(provider);
  if (argc != 1) {
    std::fprintf(stderr, "usage: %s normalize FILE   (a saved %s answer)\n", program.c_str(),
                 std::string(provider).c_str());
    return 2;
  }
  std::ifstream in(argv[0], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s normalize: cannot read %s\n", program.c_str(), argv[0]);
    return 1;
  }
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    std::fprintf(stderr, "%s normalize: cannot read %s\n", program.c_str(), argv[0]);
    return 1;
  }
  auto answer = normalize(body);
  if (!answer) {
    std::fprintf(stderr, "%s normalize: %s: %s\n", program.c_str(), argv[0], core::Redact(answer.error().message).c_str());
    return 1;
  }
  std::fputs(NormalizedAnswerJson(provider, *answer).c_str(), stdout);
  return 0;
}

}  // namespace runtime
