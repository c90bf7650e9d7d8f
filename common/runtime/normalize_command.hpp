#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

// `tunefleet-<provider> normalize FILE`: what a saved provider answer normalizes to, in one
// output shape for every provider (docs/providers/*.md). The runtime reads the file, reports
// usage and read errors and writes the JSON; a provider only supplies a pure function from
// the body to a NormalizedAnswer.
namespace runtime {

// What a provider's parser makes of one saved answer.
struct NormalizedAnswer {
  std::string shape;  // which answer it is: "toptags", "search", "release", "error", ...
  // An error answer, classified as the runtime would classify it (core::ErrorKind), with the
  // provider's own error code when it has one (Last.fm's `error`, Spotify's `status`).
  std::optional<core::Error> error{};
  std::optional<long> error_code{};
  // The normalized record(s) as one JSON value (an object: a record, or the provider's
  // grouping of several); empty for errors and for answers that find nothing.
  std::string record_json{};
  // Search answers: how many hits there were; nullopt for lookups.
  std::optional<long> candidates{};
};

// Body text -> answer; an error means the body is malformed or of no known shape.
using NormalizeBody = std::function<core::Result<NormalizedAnswer>(std::string_view body)>;

// What the answer means for a job: "record", "not_found" (an error of kind kNotFound, or an
// answer with nothing in it), "permanent" (kInvalidInput: dead-lettered) or "transient".
std::string_view OutcomeOf(const NormalizedAnswer& answer);

// The one output shape, pretty-printed with a final newline:
// {"provider", "shape", "outcome", "candidates"?, "error"?: {"code"?, "kind", "message"}, "record"?}.
std::string NormalizedAnswerJson(std::string_view provider, const NormalizedAnswer& answer);

// The command, given the arguments after "normalize": prints NormalizedAnswerJson and
// returns 0; a wrong argument count prints usage and returns 2; an unreadable file or a
// body `normalize` refuses prints one line naming the file and returns 1.
int NormalizeCommand(std::string_view provider, const NormalizeBody& normalize, int argc, char* argv[]);

}  // namespace runtime
