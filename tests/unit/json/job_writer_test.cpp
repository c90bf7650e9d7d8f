#include "common/json/job_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "common/json/job_parser.hpp"

namespace json {
namespace {

// Serialize -> Parse must give back an equal job, and serializing that again the same bytes.
void ExpectRoundTrip(const Job& job) {
  const std::string text = Serialize(job);
  const auto parsed = JobParser{}.Parse(text);
  ASSERT_TRUE(parsed) << parsed.error().message << "\n" << text;
  EXPECT_EQ(*parsed, job);
  EXPECT_EQ(Serialize(*parsed), text);
}

TEST(Serialize, WritesCompactJsonWithTypeFirstAndOptionalsLeftOut) {
  const Job job = TrackJob{.job_id = "j-1", .trace_id = "t-1", .artist = "A", .title = "T", .duration_ms = 1000};
  EXPECT_EQ(Serialize(job),
            R"({"type":"tunefleet.track_job/1","job_id":"j-1","trace_id":"t-1","artist":"A","title":"T",)"
            R"("duration_ms":1000})");
}

TEST(Serialize, RoundTripsHostileTitleByteForByte) {
  const std::string title =
      "\"Quoted\" \\back\\slash\\ '); DROP TABLE tracks; -- \xF0\x9F\x8E\xB8\xF0\x9F\x94\xA5 "
      "caf\xC3\xA9 \xE2\x80\xA8line\tsep\r\n</script>\x01\x1F\x7F \\u0000 %s {{x}}";
  const Job job = TrackJob{.job_id = "j-1", .trace_id = "t-1", .artist = "Bj\xC3\xB6rk \"\\\"", .title = title};
  const std::string text = Serialize(job);
  EXPECT_NE(text.find("\xF0\x9F\x8E\xB8"), std::string::npos) << "non-ASCII must stay UTF-8, not \\u escapes";
  EXPECT_NE(text.find(R"(\u0001\u001F)"), std::string::npos) << text;
  const auto parsed = JobParser{}.Parse(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(std::get<TrackJob>(*parsed).title, title);
  ExpectRoundTrip(job);
}

TEST(Serialize, RoundTripsEveryFieldOfEveryJobKind) {
  ExpectRoundTrip(TrackJob{.job_id = "catalog:1",
                           .trace_id = "trace.1",
                           .artist = "Sigur R\xC3\xB3s",
                           .title = "Hopp\xC3\xADpolla",
                           .album = "",
                           .isrc = "GBAYE0500674",
                           .mbid = "0b8d3c4f-6a59-4e8b-9d6e-4f3e2b1a0c9d",
                           .spotify_id = "6eTGxxQxiTFE6LfZHC33Wm",
                           .discogs_id = std::numeric_limits<std::int64_t>::max(),
                           .duration_ms = 0,
                           .requested_at = "2024-06-01T12:34:56.789Z"});
  ExpectRoundTrip(AlbumJob{.job_id = "a",
                           .trace_id = "b",
                           .artist = "c",
                           .album = "d",
                           .upc = "0634904019028",
                           .mbid = "7c1b2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
                           .spotify_id = "5Ep2I3hgAU6yZAB5hEhAHC",
                           .discogs_id = 1,
                           .year = 2005});
  ExpectRoundTrip(FollowUp{.job_id = "f",
                           .trace_id = "g",
                           .track_ids = {42, 43},
                           .provider = "musicbrainz",
                           .reason = "not_found",
                           .emitted_at = "2024-06-01T12:35:02-05:30"});
}

}  // namespace
}  // namespace json
