#include "tests/integration/features/catalog_fixture.hpp"

#include <map>

namespace features_test {

void InsertCatalog(const test_support::TestDatabase& db) {
  auto conn = db.Connect();
  pqxx::work tx(*conn);
  tx.exec(R"SQL(
INSERT INTO tracks (id, identity_key, name_key, artist_name, title, album_title, isrc, spotify_id, discogs_id,
                    duration_ms, explicit, popularity, track_number, release_date, release_year,
                    genres, moods, audio_features, providers_done)
VALUES
 (1, 'isrc:USAAA0000001', 'a', 'Artist, One', 'Say "Hi"', 'Album 1', 'USAAA0000001', 'sp1', 11,
  212000, true, 64, 3, '1999-05-01', 1999, '{rock,jazz}', '{happy}',
  '{"danceability":0.5,"energy":0.25,"valence":0.75,"tempo":120.5,"acousticness":0.125,
    "instrumentalness":0,"liveness":0.375,"speechiness":0.0625,"loudness":-7.5}', '{spotify,lastfm}'),
 (2, 'name:b', 'b', 'Artist Two', 'Nothing Known', NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, '{}', '{}', NULL, '{}'),
 (3, 'name:c', 'c', 'Artist Three', E'Line\nBreak', NULL, NULL, NULL, NULL,
  180000, false, 10, 1, NULL, 2001, '{polka}', '{calm}', '{"energy":0.5,"tempo":"fast"}', '{lastfm}'),
 (4, 'name:d', 'd', 'Artist Four', 'Four', NULL, NULL, NULL, NULL,
  1000, NULL, 0, NULL, NULL, NULL, '{rock}', '{happy}', '{}', '{musicbrainz}'),
 (5, 'name:e', 'e', 'Artist Five', 'Five', NULL, NULL, NULL, NULL,
  2000, NULL, 100, NULL, NULL, NULL, '{rock,jazz}', '{}', NULL, '{}'),
 (6, 'name:f', 'f', 'Artist Six', 'Six, with comma', NULL, NULL, NULL, NULL,
  3000, true, NULL, NULL, NULL, NULL, '{}', '{happy}', NULL, '{}')
)SQL");
  tx.exec("SELECT setval(pg_get_serial_sequence('tracks', 'id'), 100)");
  tx.commit();
}

features::FeaturesSettings SmallSettings() {
  features::FeaturesSettings s;
  s.top_genres = 2;
  s.top_moods = 2;
  s.vocabulary_refresh = std::chrono::milliseconds{0};
  s.vocabulary_min_tracks = 1;
  s.vocabulary_margin = 0.1;
  s.background_chunk = 2;
  return s;
}

// Columns: duration_ms popularity track_number release_year explicit | 9 audio |
// genre:jazz genre:rock | mood:calm mood:happy
std::string ExpectedFeatures(int id) {
  static const std::map<int, std::string> kRows = {
      {1, "{212000,64,3,1999,1,0.5,0.25,0.75,120.5,0.125,0,0.375,0.0625,-7.5,1,1,0,1}"},
      {2, "{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}"},
      {3, "{180000,10,1,2001,0,0,0.5,0,0,0,0,0,0,0,0,0,1,0}"},
      {4, "{1000,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,1}"},
      {5, "{2000,100,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0,0}"},
      {6, "{3000,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,1}"},
  };
  return kRows.at(id);
}

std::string ExpectedMissing(int id) {
  static const std::map<int, std::string> kRows = {
      {1, "{f,f,f,f,f,f,f,f,f,f,f,f,f,f,f,f,f,f}"},
      {2, "{t,t,t,t,t,t,t,t,t,t,t,t,t,t,t,t,t,t}"},
      // audio: only energy is a number; polka is outside the vocabulary: known zeros.
      {3, "{f,f,f,f,f,t,f,t,t,t,t,t,t,t,f,f,f,f}"},
      {4, "{f,f,t,t,t,t,t,t,t,t,t,t,t,t,f,f,f,f}"},
      {5, "{f,f,t,t,t,t,t,t,t,t,t,t,t,t,f,f,t,t}"},
      {6, "{f,t,t,t,f,t,t,t,t,t,t,t,t,t,t,t,f,f}"},
  };
  return kRows.at(id);
}

}  // namespace features_test
