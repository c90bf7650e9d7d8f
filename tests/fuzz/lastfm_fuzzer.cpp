// libFuzzer target: every Last.fm parse entry point and `normalize` (lastfm_parse.hpp) on any
// body, as a provider, a proxy or a man in the middle could send it.
#include "common/runtime/normalize_command.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "workers/lastfm/lastfm_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::Text(data, size);
  if (auto answer = lastfm::NormalizeAnswer(body)) (void)runtime::NormalizedAnswerJson("lastfm", *answer);
  (void)lastfm::ClassifyBody(body, "track.getInfo");
  (void)lastfm::ErrorCode(body);
  (void)lastfm::ParseTopTags(body, "track.getTopTags");
  (void)lastfm::ParseTrackInfo(body, "track.getInfo");
  (void)lastfm::ParseAlbumInfo(body, "album.getInfo");
  (void)lastfm::ParseArtistInfo(body, "artist.getInfo");
  return 0;
}
