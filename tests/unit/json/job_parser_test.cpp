#include "common/json/job_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace json {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string ReadData(const std::string& name) {
  std::ifstream file(std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/json/" + name, std::ios::binary);
  EXPECT_TRUE(file) << name;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// A minimal valid track job with `extra` (",\"isrc\":...") appended to its members.
std::string Track(const std::string& extra = "") {
  return R"({"type":"tunefleet.track_job/1","job_id":"j-1","trace_id":"t-1","artist":"A","title":"T")" + extra +
         "}";
}

std::string Album(const std::string& extra = "") {
  return R"({"type":"tunefleet.album_job/1","job_id":"j-1","trace_id":"t-1","artist":"A","album":"B")" + extra +
         "}";
}

std::string FollowUpMessage(const std::string& extra = "") {
  return R"({"type":"tunefleet.followup/1","job_id":"j-1","trace_id":"t-1","track_ids":[7],)"
         R"("provider":"lastfm","reason":"not_found","emitted_at":"2024-01-02T03:04:05Z")" +
         extra + "}";
}

// `message` with the first `from` replaced by `to`.
std::string Replace(std::string message, const std::string& from, const std::string& to) {
  const std::size_t at = message.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? message : message.replace(at, from.size(), to);
}

// The rejection message, after checking it is a one-line kInvalidInput; "<accepted>" otherwise.
std::string Rejection(const core::Result<Job>& result) {
  if (result) return "<accepted>";
  EXPECT_EQ(result.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_THAT(result.error().message, Not(HasSubstr("\n")));
  return result.error().message;
}

TEST(JobParser, AcceptsTrackJobWithEveryFieldTyped) {
  const auto result = JobParser{}.Parse(ReadData("track_job.json"));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_TRUE(std::holds_alternative<TrackJob>(*result));
  const TrackJob& job = std::get<TrackJob>(*result);
  EXPECT_EQ(job.job_id, "catalog-import:2024-06-01:000042");
  EXPECT_EQ(job.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(job.artist, "Sigur R\xC3\xB3s");
  EXPECT_EQ(job.title, "Hopp\xC3\xADpolla");
  EXPECT_EQ(job.album, "Takk...");
  EXPECT_EQ(job.isrc, "GBAYE0500674");
  EXPECT_EQ(job.mbid, "0b8d3c4f-6a59-4e8b-9d6e-4f3e2b1a0c9d");
  EXPECT_EQ(job.spotify_id, "6eTGxxQxiTFE6LfZHC33Wm");
  EXPECT_EQ(job.discogs_id, 1234567);
  EXPECT_EQ(job.duration_ms, 268000);
  EXPECT_EQ(job.requested_at, "2024-06-01T12:34:56.789Z");
  EXPECT_EQ(JobId(*result), "catalog-import:2024-06-01:000042");
  EXPECT_EQ(TraceId(*result), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(TypeName(*result), "tunefleet.track_job/1");
}

TEST(JobParser, AcceptsTrackJobWithOnlyRequiredFieldsLeavingOptionalsEmpty) {
  const auto result = JobParser{}.Parse(Track());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(std::get<TrackJob>(*result), (TrackJob{.job_id = "j-1", .trace_id = "t-1", .artist = "A", .title = "T"}));
}

TEST(JobParser, AcceptsAlbumJobWithEveryFieldTyped) {
  const auto result = JobParser{}.Parse(ReadData("album_job.json"));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_TRUE(std::holds_alternative<AlbumJob>(*result));
  const AlbumJob& job = std::get<AlbumJob>(*result);
  EXPECT_EQ(job.job_id, "catalog-import:2024-06-01:000043");
  EXPECT_EQ(job.trace_id, "4bf92f3577b34da6a3ce929d0e0e4737");
  EXPECT_EQ(job.artist, "Sigur R\xC3\xB3s");
  EXPECT_EQ(job.album, "Takk...");
  EXPECT_EQ(job.upc, "0634904019028");
  EXPECT_EQ(job.mbid, "7c1b2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e");
  EXPECT_EQ(job.spotify_id, "5Ep2I3hgAU6yZAB5hEhAHC");
  EXPECT_EQ(job.discogs_id, 40461);
  EXPECT_EQ(job.year, 2005);
  EXPECT_EQ(TypeName(*result), "tunefleet.album_job/1");
}

TEST(JobParser, AcceptsFollowUpWithEveryFieldTyped) {
  const auto result = JobParser{}.Parse(ReadData("followup.json"));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_TRUE(std::holds_alternative<FollowUp>(*result));
  EXPECT_EQ(std::get<FollowUp>(*result), (FollowUp{.job_id = "followup:spotify:987654",
                                                   .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                                                   .track_ids = {987654, 987655},
                                                   .provider = "spotify",
                                                   .reason = "enriched",
                                                   .emitted_at = "2024-06-01T12:35:02+02:00"}));
}

TEST(JobParser, AcceptsBoundaryValues) {
  const JobParser parser;
  std::string title;
  for (int i = 0; i < 1000; ++i) title += "\xF0\x9F\x8E\xB8";  // 1000 code points, 4000 bytes
  for (const std::string& message : {
           Track(R"(,"album":"","duration_ms":0,"discogs_id":9223372036854775807)"),
           Track(R"(,"requested_at":"2024-02-29T23:59:60+14:00")"),
           Replace(Track(), "\"T\"", "\"" + title + "\""),
           Replace(Track(), "\"j-1\"", "\"" + std::string(128, 'a') + "\""),
           Album(R"(,"year":1000,"upc":"12345678")"),
           Album(R"(,"year":3000,"upc":"12345678901234")"),
           Replace(FollowUpMessage(), "\"lastfm\"", "\"noop\""),
       }) {
    SCOPED_TRACE(message.substr(0, 200));
    EXPECT_EQ(Rejection(parser.Parse(message)), "<accepted>");
  }
}

TEST(JobParser, RejectsMissingArtistNamingTheField) {
  const std::string message = R"({"type":"tunefleet.track_job/1","job_id":"j-1","trace_id":"t-1","title":"T"})";
  EXPECT_EQ(Rejection(JobParser{}.Parse(message)),
            "invalid tunefleet.track_job/1: /artist is missing (violates \"required\")");
}

TEST(JobParser, RejectsAFollowUpWithoutTrackIds) {
  const JobParser parser;
  EXPECT_THAT(Rejection(parser.Parse(R"({"type":"tunefleet.followup/1","job_id":"j","trace_id":"t","track_ids":[],)"
                                     R"("provider":"noop","reason":"enriched","emitted_at":"2024-01-02T03:04:05Z"})")),
              HasSubstr("/track_ids violates \"minItems\""));
}

TEST(JobParser, RejectsMissingTraceIdAndTrackIdNamingTheField) {
  const JobParser parser;
  EXPECT_THAT(Rejection(parser.Parse(R"({"type":"tunefleet.album_job/1","job_id":"j","artist":"A","album":"B"})")),
              HasSubstr("/trace_id is missing"));
  EXPECT_THAT(Rejection(parser.Parse(R"({"type":"tunefleet.followup/1","job_id":"j","trace_id":"t",)"
                                     R"("provider":"noop","reason":"enriched","emitted_at":"2024-01-02T03:04:05Z"})")),
              HasSubstr("/track_ids is missing"));
}

TEST(JobParser, RejectsWrongTypeNamingTheFieldAndExpectedType) {
  EXPECT_EQ(Rejection(JobParser{}.Parse(Track(R"(,"discogs_id":"123")"))),
            "invalid tunefleet.track_job/1: /discogs_id violates \"type\": \"integer\"");
}

TEST(JobParser, RejectsFractionalAndOutOfRangeIntegers) {
  const JobParser parser;
  EXPECT_THAT(Rejection(parser.Parse(Track(R"(,"duration_ms":1.5)"))), HasSubstr("/duration_ms violates \"type\""));
  EXPECT_THAT(Rejection(parser.Parse(Track(R"(,"duration_ms":-1)"))), HasSubstr("/duration_ms violates \"minimum\""));
  EXPECT_THAT(Rejection(parser.Parse(Track(R"(,"discogs_id":0)"))), HasSubstr("/discogs_id violates \"minimum\": 1"));
  EXPECT_THAT(Rejection(parser.Parse(Track(R"(,"discogs_id":9223372036854775808)"))),
              HasSubstr("/discogs_id violates \"maximum\""));
  EXPECT_THAT(Rejection(parser.Parse(Album(R"(,"year":999)"))), HasSubstr("/year violates \"minimum\": 1000"));
  EXPECT_THAT(Rejection(parser.Parse(Album(R"(,"year":3001)"))), HasSubstr("/year violates \"maximum\": 3000"));
}

TEST(JobParser, RejectsBadIsrcNamingPointerKeywordAndPattern) {
  EXPECT_EQ(Rejection(JobParser{}.Parse(Track(R"(,"isrc":"us-abc-12-34567")"))),
            "invalid tunefleet.track_job/1: /isrc violates \"pattern\": \"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$\"");
}

// Every pattern must compile: RapidJSON silently drops a pattern its regex engine rejects.
TEST(JobParser, RejectsMalformedValueOfEveryPatternField) {
  const JobParser parser;
  struct Case {
    std::string message;
    std::string pointer;
  };
  const std::vector<Case> cases = {
      {Track(R"(,"isrc":"GBAYE050067")"), "/isrc"},
      {Track(R"(,"isrc":"GBAYE05006740")"), "/isrc"},
      {Track(R"(,"isrc":"xGBAYE0500674")"), "/isrc"},
      {Track(R"(,"mbid":"0B8D3C4F-6A59-4E8B-9D6E-4F3E2B1A0C9D")"), "/mbid"},
      {Track(R"(,"mbid":"0b8d3c4f6a594e8b9d6e4f3e2b1a0c9d")"), "/mbid"},
      {Track(R"(,"spotify_id":"6eTGxxQxiTFE6LfZHC33W")"), "/spotify_id"},
      {Track(R"(,"spotify_id":"6eTGxxQxiTFE6LfZHC33W!")"), "/spotify_id"},
      {Track(R"(,"requested_at":"2024-06-01 12:34:56Z")"), "/requested_at"},
      {Track(R"(,"requested_at":"2024-13-01T12:34:56Z")"), "/requested_at"},
      {Track(R"(,"requested_at":"2024-06-01T12:34:56")"), "/requested_at"},
      {Album(R"(,"upc":"1234567")"), "/upc"},
      {Album(R"(,"upc":"123456789012345")"), "/upc"},
      {Album(R"(,"mbid":"not-a-uuid")"), "/mbid"},
      {Album(R"(,"spotify_id":"")"), "/spotify_id"},
      {Replace(FollowUpMessage(), "2024-01-02", "2024-1-2"), "/emitted_at"},
      {Replace(Track(), "\"j-1\"", "\"job id\""), "/job_id"},
      {Replace(Track(), "\"t-1\"", "\"t/1\""), "/trace_id"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    EXPECT_THAT(Rejection(parser.Parse(c.message)), HasSubstr(c.pointer + " violates \"pattern\""));
  }
}

TEST(JobParser, RejectsLengthViolationsNamingTheField) {
  const JobParser parser;
  EXPECT_THAT(Rejection(parser.Parse(Replace(Track(), "\"A\"", "\"\""))),
              HasSubstr("/artist violates \"minLength\": 1"));
  EXPECT_THAT(Rejection(parser.Parse(Replace(Track(), "\"T\"", "\"" + std::string(1001, 'x') + "\""))),
              HasSubstr("/title violates \"maxLength\": 1000"));
  EXPECT_THAT(Rejection(parser.Parse(Replace(Track(), "\"j-1\"", "\"" + std::string(129, 'j') + "\""))),
              HasSubstr("/job_id violates \"maxLength\": 128"));
}

TEST(JobParser, RejectsValuesOutsideEnumsNamingTheField) {
  const JobParser parser;
  const std::string message = FollowUpMessage();
  EXPECT_THAT(Rejection(parser.Parse(Replace(message, "\"lastfm\"", "\"Spotify\""))),
              AllOf(HasSubstr("/provider violates \"enum\""), HasSubstr("\"musicbrainz\"")));
  EXPECT_THAT(Rejection(parser.Parse(Replace(message, "\"not_found\"", "\"done\""))),
              HasSubstr("/reason violates \"enum\""));
}

TEST(JobParser, RejectsExtraPropertyNamingIt) {
  EXPECT_EQ(Rejection(JobParser{}.Parse(Track(R"(,"isrcc":"GBAYE0500674")"))),
            "invalid tunefleet.track_job/1: /isrcc is not a known property (violates \"additionalProperties\")");
}

TEST(JobParser, RejectsPropertyOfAnotherMessageType) {
  EXPECT_THAT(Rejection(JobParser{}.Parse(Album(R"(,"title":"T")"))),
              HasSubstr("invalid tunefleet.album_job/1: /title is not a known property"));
}

TEST(JobParser, RejectsDuplicatePropertyNamingIt) {
  EXPECT_EQ(Rejection(JobParser{}.Parse(Track(R"(,"artist":"B")"))),
            "invalid tunefleet.track_job/1: /artist appears more than once");
}

TEST(JobParser, RejectsFiveMegabyteBodyBeforeParsing) {
  const std::string body(5 * 1024 * 1024, ' ');
  EXPECT_EQ(Rejection(JobParser{}.Parse(body)),
            "body is 5242880 bytes, over the 262144-byte limit (TUNEFLEET_MAX_BODY_BYTES)");
}

TEST(JobParser, HonoursConfiguredBodyLimit) {
  const JobParser parser{{.max_body_bytes = Track().size()}};
  EXPECT_EQ(Rejection(parser.Parse(Track())), "<accepted>");
  EXPECT_THAT(Rejection(parser.Parse(Track() + " ")),
              HasSubstr("over the " + std::to_string(Track().size()) + "-byte limit"));
}

TEST(JobParser, RejectsEmptyBody) { EXPECT_EQ(Rejection(JobParser{}.Parse("")), "empty message body"); }

TEST(JobParser, RejectsInvalidUtf8NamingTheByteOffset) {
  const std::string message = Replace(Track(), "\"T\"", "\"ab\xC3\x28\"");
  EXPECT_EQ(Rejection(JobParser{}.Parse(message)),
            "invalid UTF-8 at byte offset " + std::to_string(message.find('\xC3')));
}

TEST(JobParser, RejectsOverlongAndSurrogateUtf8) {
  const JobParser parser;
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "\xE2\x82"}) {
    const std::string message = Replace(Track(), "\"T\"", "\"" + bad + "\"");
    EXPECT_THAT(Rejection(parser.Parse(message)), StartsWith("invalid UTF-8 at byte offset ")) << message;
  }
}

TEST(JobParser, RejectsUnpairedSurrogateEscape) {
  const JobParser parser;
  EXPECT_EQ(Rejection(parser.Parse(Replace(Track(), "\"T\"", R"("a\udc00b")"))),
            "invalid tunefleet.track_job/1: /title contains an unpaired UTF-16 surrogate escape");
  EXPECT_THAT(Rejection(parser.Parse(Replace(Track(), "\"T\"", R"("a\ud800b")"))),
              StartsWith("invalid JSON at byte offset"));
  EXPECT_EQ(Rejection(parser.Parse(Replace(Track(), "\"T\"", R"("\ud83c\udfb8")"))), "<accepted>");
}

// PostgreSQL text cannot hold U+0000, and a NUL would end the string for C APIs downstream.
TEST(JobParser, RejectsNulCharacters) {
  const JobParser parser;
  EXPECT_EQ(Rejection(parser.Parse(Replace(Track(), "\"T\"", R"("a\u0000b")"))),
            "invalid tunefleet.track_job/1: /title contains U+0000");
  EXPECT_EQ(Rejection(parser.Parse(Track(R"(,"isrc":"GBAYE0500674\u0000x")"))),
            "invalid tunefleet.track_job/1: /isrc violates \"pattern\": \"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$\"");
  std::string raw = Track();
  raw.push_back('\0');
  raw += "garbage";
  EXPECT_EQ(Rejection(parser.Parse(raw)),
            "invalid JSON at byte offset " + std::to_string(Track().size()) + ": raw NUL byte");
}

TEST(JobParser, RejectsNonJsonNamingOffsetAndCause) {
  const JobParser parser;
  EXPECT_EQ(Rejection(parser.Parse("hello")), "invalid JSON at byte offset 0: Invalid value.");
  EXPECT_EQ(Rejection(parser.Parse(R"({"type" "tunefleet.track_job/1"})")),
            "invalid JSON at byte offset 8: Missing a colon after a name of object member.");
  EXPECT_THAT(Rejection(parser.Parse(Track() + Track())), AllOf(StartsWith("invalid JSON at byte offset "),
                                                               HasSubstr("must not be followed by other values")));
  EXPECT_THAT(Rejection(parser.Parse(Track(R"(,"duration_ms":NaN)"))), StartsWith("invalid JSON at byte offset"));
}

TEST(JobParser, RejectsNonObjectMessage) {
  const JobParser parser;
  EXPECT_EQ(Rejection(parser.Parse("[]")), "message is an array, not a JSON object");
  EXPECT_EQ(Rejection(parser.Parse("\"tunefleet.track_job/1\"")), "message is a string, not a JSON object");
  EXPECT_EQ(Rejection(parser.Parse("null")), "message is null, not a JSON object");
}

TEST(JobParser, RejectsMissingTypeListingKnownTypes) {
  EXPECT_EQ(Rejection(JobParser{}.Parse(R"({"job_id":"j-1"})")),
            "message has no \"type\"; expected one of \"tunefleet.track_job/1\", \"tunefleet.album_job/1\", "
            "\"tunefleet.followup/1\"");
}

TEST(JobParser, RejectsUnknownTypeQuotingIt) {
  const JobParser parser;
  EXPECT_EQ(Rejection(parser.Parse(R"({"type":"x"})")),
            "unknown message type \"x\"; expected one of \"tunefleet.track_job/1\", \"tunefleet.album_job/1\", "
            "\"tunefleet.followup/1\"");
  EXPECT_THAT(Rejection(parser.Parse(Replace(Track(), "/1", "/2"))),
              StartsWith("unknown message type \"tunefleet.track_job/2\";"));
  EXPECT_THAT(Rejection(parser.Parse(R"({"type":42})")), StartsWith("unknown message type 42;"));
  EXPECT_THAT(Rejection(parser.Parse(R"({"type":"a\nb\"c"})")), StartsWith(R"(unknown message type "a\u000ab\"c";)"));
  EXPECT_THAT(Rejection(parser.Parse(R"({"type":")" + std::string(10000, 'y') + "\"}")),
              StartsWith("unknown message type \"" + std::string(80, 'y') + "...\";"));
}

TEST(JobParser, RejectsDeepNestingWithoutExhaustingTheStack) {
  const JobParser parser;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(Rejection(parser.Parse(deep)), "message is an array, not a JSON object");
  EXPECT_EQ(Rejection(parser.Parse(Track(",\"x\":" + deep))), "message nests deeper than 32 levels");
  EXPECT_THAT(Rejection(parser.Parse(Track(R"(,"x":[[1]])"))), HasSubstr("/x is not a known property"));
}

TEST(JobParser, NeverCrashesOnTruncatedMessages) {
  const JobParser parser;
  for (const std::string& message :
       {ReadData("track_job.json"), ReadData("album_job.json"), ReadData("followup.json")}) {
    ASSERT_EQ(Rejection(parser.Parse(message)), "<accepted>");
    // Every proper prefix either is empty or stops inside the top-level object.
    for (std::size_t length = 0; length < message.rfind('}'); ++length) {
      const auto result = parser.Parse(std::string_view(message).substr(0, length));
      EXPECT_FALSE(result) << "prefix of " << length << " bytes was accepted";
      if (!result) {
        EXPECT_EQ(result.error().kind, core::ErrorKind::kInvalidInput);
      }
    }
  }
}

TEST(JobParser, NeverCrashesOnCorruptedBytes) {
  const JobParser parser;
  const std::string message = ReadData("track_job.json");
  for (std::size_t i = 0; i < message.size(); ++i) {
    for (const char replacement : {'\0', '"', '\\', '{', '}', '[', '1', '\x80', '\xFF', ' '}) {
      std::string corrupted = message;
      corrupted[i] = replacement;
      const auto result = parser.Parse(corrupted);
      if (!result) {
        EXPECT_EQ(result.error().kind, core::ErrorKind::kInvalidInput);
      }
    }
  }
}

TEST(JobParser, ParsesConcurrentlyFromOneInstance) {
  const JobParser parser;
  const std::string valid = ReadData("track_job.json");
  const std::string invalid = Track(R"(,"isrc":"nope")");
  std::vector<std::thread> threads;
  std::vector<int> accepted(4, 0);
  for (std::size_t t = 0; t < accepted.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (parser.Parse(valid)) ++accepted[t];
        if (parser.Parse(invalid)) ++accepted[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const int count : accepted) EXPECT_EQ(count, 200);
}

TEST(JobParser, CopiesParseLikeTheOriginal) {
  const JobParser original{{.max_body_bytes = 1000}};
  const JobParser copy = original;  // NOLINT(performance-unnecessary-copy-initialization): copy is the subject
  EXPECT_TRUE(copy.Parse(Track()));
  EXPECT_THAT(Rejection(copy.Parse(std::string(1001, ' '))), HasSubstr("over the 1000-byte limit"));
}

}  // namespace
}  // namespace json
