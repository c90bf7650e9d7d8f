// Issue 14: on a catalog where Spotify refuses audio features (403 for new apps), the feature
// matrix's audio columns fill from Cyanite (docs/providers/CYANITE.md, "Precedence"): the
// catalog writer merges Cyanite's audio_features in, and the builder reads energy, valence
// and tempo from the merged row.
#include <gtest/gtest.h>

#include "common/db/catalog_writer.hpp"
#include "common/resilience/clock.hpp"
#include "tests/integration/features/catalog_fixture.hpp"
#include "tests/support/test_database.hpp"
#include "workers/features/features_builder.hpp"
#include "workers/fleet/fleet.hpp"

namespace {

const resilience::SteadyClock kClock;

catalog::TrackRecord Track(const std::string& provider, const std::string& title) {
  catalog::TrackRecord r;
  r.ref.artist = "Air";
  r.ref.title = title;
  r.provider = provider;
  r.job_id = provider + ":" + title;
  r.fields.duration_ms = 200000;
  return r;
}

TEST(FeaturesFromCyanite, AudioColumnsFillFromCyaniteWhereSpotifyHasNoAudioFeatures) {
  test_support::TestDatabase db;
  db::CatalogWriter writer(db.dsn(), fleet::MergePriority());
  // Spotify found both tracks but was refused their audio features; Cyanite analysed one.
  auto cyanite = Track("cyanite", "Sexy Boy");
  cyanite.fields.audio_features_json = R"({"energy":0.5,"valence":0.75,"tempo":96.0,"key":7,"mode":1,"source":"cyanite"})";
  ASSERT_TRUE(writer.WriteTracks({Track("spotify", "Sexy Boy"), Track("spotify", "Talisman")}));
  ASSERT_TRUE(writer.WriteTracks({cyanite}));

  auto builder = features::MakeFeaturesBuilder(db.dsn(), features_test::SmallSettings(), kClock);
  auto ids = db.Rows("SELECT id FROM tracks ORDER BY title");
  ASSERT_EQ(ids.size(), 2u);
  auto stats = builder->Rebuild({std::stoll(ids[0][0]), std::stoll(ids[1][0])});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rebuilt, 2u);

  // Columns 6..9: danceability, energy, valence, tempo (features_row.hpp's order).
  auto audio = [&db](const std::string& title) {
    return db.Scalar(
        "SELECT f.features[7]::text || ' ' || f.features[8]::text || ' ' || f.features[9]::text || ' ' || "
        "f.missing[6]::text || f.missing[7]::text || f.missing[8]::text || f.missing[9]::text "
        "FROM track_features f JOIN tracks t ON t.id = f.track_id WHERE t.title = '" + title + "'");
  };
  EXPECT_EQ(audio("Sexy Boy"), "0.5 0.75 96 truefalsefalsefalse") << "energy, valence, tempo from Cyanite; no danceability";
  EXPECT_EQ(audio("Talisman"), "0 0 0 truetruetruetrue") << "no audio features from anyone";
}

}  // namespace
