// libFuzzer target: every Discogs parse entry point and `normalize` (discogs_parse.hpp) on any
// body, as a provider, a proxy or a man in the middle could send it.
#include "common/runtime/normalize_command.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "workers/discogs/discogs_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::Text(data, size);
  if (auto answer = discogs::NormalizeSaved(body)) (void)runtime::NormalizedAnswerJson("discogs", *answer);
  (void)discogs::CheckBody(body, "release");
  if (auto page = discogs::ParseSearch(body)) {
    (void)page->HasNext();
    (void)discogs::RankedHits(*page, "artist", "title", 1999, 3);
  }
  if (auto artist = discogs::ParseArtist(body)) (void)discogs::AnswersTo(*artist, "artist");
  if (auto release = discogs::ParseRelease(body)) (void)discogs::FindTrack(*release, "title", "artist");
  (void)discogs::ParseMaster(body);
  (void)discogs::ParseErrorMessage(body);
  (void)discogs::ParseDuration(body);
  (void)discogs::ReleaseDate(body, 1999);
  (void)discogs::CleanName(body);
  return 0;
}
