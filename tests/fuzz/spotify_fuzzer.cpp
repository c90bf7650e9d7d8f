// libFuzzer target: every Spotify parse entry point and `normalize` (spotify_parse.hpp) on
// any body, as a provider, a proxy or a man in the middle could send it.
#include "common/runtime/normalize_command.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "workers/spotify/spotify_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::Text(data, size);
  if (auto answer = spotify::NormalizeResponse(body)) (void)runtime::NormalizedAnswerJson("spotify", *answer);
  (void)spotify::ParseToken(body);
  (void)spotify::ParseTrackSearch(body);
  (void)spotify::ParseTrack(body);
  (void)spotify::ParseTracks(body);
  (void)spotify::ParseAlbumSearch(body);
  (void)spotify::ParseAlbum(body);
  (void)spotify::ParseArtist(body);
  (void)spotify::ParseArtists(body);
  (void)spotify::ParseAudioFeatures(body);
  (void)spotify::ParseError(body);
  return 0;
}
