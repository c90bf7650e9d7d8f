// libFuzzer target: every MusicBrainz parse entry point and `normalize` (musicbrainz_parse.hpp)
// on any body, as a provider, a proxy or a man in the middle could send it.
#include "common/runtime/normalize_command.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "workers/musicbrainz/musicbrainz_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::Text(data, size);
  if (auto answer = musicbrainz::NormalizeAnswer(body)) {
    (void)runtime::NormalizedAnswerJson("musicbrainz", *answer);
  }
  (void)musicbrainz::ClassifyBody(body, "recording");
  (void)musicbrainz::ParseRecording(body, "recording");
  if (auto found = musicbrainz::ParseIsrc(body, "isrc")) (void)musicbrainz::BestRecording(*found, "title");
  if (auto found = musicbrainz::ParseRecordingSearch(body, "recording search")) {
    (void)musicbrainz::BestRecording(*found, "title");
  }
  (void)musicbrainz::ParseReleaseGroup(body, "release-group");
  if (auto found = musicbrainz::ParseReleaseGroupSearch(body, "release-group search")) {
    (void)musicbrainz::BestReleaseGroup(*found, "title");
  }
  return 0;
}
