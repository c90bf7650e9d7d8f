#include "tools/tunefleet/publish_job.hpp"

#include <gtest/gtest.h>

#include "common/json/job_parser.hpp"

namespace publish {
namespace {

Record MakeRecord(std::uint64_t line, std::initializer_list<std::pair<Field, std::string_view>> values) {
  Record record;
  record.line = line;
  for (const auto& [field, value] : values) record.values[static_cast<std::size_t>(field)] = value;
  return record;
}

std::string Reject(const JobBuilder& builder, const Record& record) {
  std::string body;
  std::string job_id;
  auto built = builder.Build(record, body, job_id);
  return built ? "" : built.error().message;
}

TEST(JobBuilder, BuildsATrackJobTheWorkersAccept) {
  JobBuilder builder({.kind = Kind::kTrack, .job_id_prefix = "run1", .requested_at = "2024-05-01T10:00:00Z"});
  auto record = MakeRecord(7, {{Field::kArtist, "Björk"},
                               {Field::kTitle, "Jóga \"live\""},
                               {Field::kIsrc, "GBAYE9200070"},
                               {Field::kDiscogsId, "123"}});
  std::string body;
  std::string job_id;
  ASSERT_TRUE(builder.Build(record, body, job_id).has_value());
  EXPECT_EQ(job_id, "run1-7");
  auto job = json::JobParser().Parse(body);
  ASSERT_TRUE(job.has_value());
  const auto& track = std::get<json::TrackJob>(*job);
  EXPECT_EQ(track.job_id, "run1-7");
  EXPECT_EQ(track.trace_id, "run1-7");
  EXPECT_EQ(track.artist, "Björk");
  EXPECT_EQ(track.title, "Jóga \"live\"");
  EXPECT_EQ(track.isrc, "GBAYE9200070");
  EXPECT_EQ(track.discogs_id, 123);
  EXPECT_EQ(track.album, std::nullopt);
  EXPECT_EQ(track.requested_at, "2024-05-01T10:00:00Z");
}

TEST(JobBuilder, BuildsAnAlbumJob) {
  JobBuilder builder({.kind = Kind::kAlbum, .job_id_prefix = "a", .requested_at = ""});
  auto record = MakeRecord(2, {{Field::kArtist, "Radiohead"}, {Field::kAlbum, "OK Computer"}, {Field::kYear, "1997"}});
  std::string body;
  std::string job_id;
  ASSERT_TRUE(builder.Build(record, body, job_id).has_value());
  auto job = json::JobParser().Parse(body);
  ASSERT_TRUE(job.has_value());
  const auto& album = std::get<json::AlbumJob>(*job);
  EXPECT_EQ(album.album, "OK Computer");
  EXPECT_EQ(album.year, 1997);
  EXPECT_EQ(album.job_id, "a-2");
}

TEST(JobBuilder, RejectsMissingNamesAndBadIdentifiersWithTheSchemaReason) {
  JobBuilder tracks({.kind = Kind::kTrack, .job_id_prefix = "p", .requested_at = ""});
  EXPECT_EQ(Reject(tracks, MakeRecord(2, {{Field::kTitle, "T"}})), "missing artist");
  EXPECT_EQ(Reject(tracks, MakeRecord(2, {{Field::kArtist, "A"}})), "missing title");
  EXPECT_EQ(Reject(tracks, MakeRecord(2, {{Field::kArtist, "A"}, {Field::kTitle, "T"}, {Field::kIsrc, "gb-aye"}})),
            "invalid tunefleet.track_job/1: /isrc violates \"pattern\": \"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$\"");
  EXPECT_EQ(Reject(tracks, MakeRecord(2, {{Field::kArtist, "A"}, {Field::kTitle, "T"}, {Field::kMbid, "nope"}})),
            "invalid tunefleet.track_job/1: /mbid violates \"pattern\": "
            "\"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$\"");
  EXPECT_EQ(Reject(tracks, MakeRecord(2, {{Field::kArtist, "A"}, {Field::kTitle, "T"}, {Field::kDiscogsId, "12x"}})),
            "discogs_id \"12x\" is not an integer");
  EXPECT_EQ(Reject(tracks, MakeRecord(2, {{Field::kArtist, "A"}, {Field::kTitle, "T"}, {Field::kDiscogsId, "0"}})),
            "invalid tunefleet.track_job/1: /discogs_id violates \"minimum\": 1");
  JobBuilder albums({.kind = Kind::kAlbum, .job_id_prefix = "p", .requested_at = ""});
  EXPECT_EQ(Reject(albums, MakeRecord(2, {{Field::kArtist, "A"}})), "missing album");
  EXPECT_EQ(Reject(albums, MakeRecord(2, {{Field::kArtist, "A"}, {Field::kAlbum, "B"}, {Field::kYear, "99"}})),
            "invalid tunefleet.album_job/1: /year violates \"minimum\": 1000");
}

TEST(JobBuilder, PassesOnAReaderError) {
  JobBuilder builder({.kind = Kind::kTrack, .job_id_prefix = "p", .requested_at = ""});
  Record record = MakeRecord(9, {{Field::kArtist, "A"}, {Field::kTitle, "T"}});
  record.error = "expected 2 fields as in the header, got 3";
  EXPECT_EQ(Reject(builder, record), "expected 2 fields as in the header, got 3");
}

TEST(CheckJobIdPrefix, AcceptsSchemaCharactersOnly) {
  EXPECT_TRUE(CheckJobIdPrefix("import-2024.05_a:1").has_value());
  EXPECT_FALSE(CheckJobIdPrefix("").has_value());
  EXPECT_FALSE(CheckJobIdPrefix("with space").has_value());
  EXPECT_FALSE(CheckJobIdPrefix(std::string(kMaxJobIdPrefix + 1, 'a')).has_value());
}

TEST(RejectEntry, PutsLineReasonAndRawTextOnOneEntry) {
  EXPECT_EQ(RejectEntry(12, "missing\ttitle", "a,,c"), "line 12: missing title\ta,,c\n");
}

}  // namespace
}  // namespace publish
