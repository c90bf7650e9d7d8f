// `tunefleet publish` end to end: the real binary, a real broker, one vhost per test.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/json/job_parser.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/endpoints.hpp"
#include "tests/support/metrics_probe.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_vhost.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/text.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::CliRun;
using test_support::FreePort;
using test_support::ReadFile;
using test_support::RunTunefleet;
using test_support::TempDir;

std::string UrlEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// Closes every client connection to `vhost` through the management API; how many it closed.
int CloseConnections(const std::string& vhost) {
  std::string body;
  if (test_support::ManagementRequest("GET", "/vhosts/" + UrlEncode(vhost) + "/connections", "", &body) != 200) {
    return 0;
  }
  rapidjson::Document connections;
  connections.Parse(body.c_str());
  if (!connections.IsArray()) return 0;
  int closed = 0;
  for (const auto& connection : connections.GetArray()) {
    std::string ignored;
    const std::string name = connection["name"].GetString();
    if (test_support::ManagementRequest("DELETE", "/connections/" + UrlEncode(name), "", &ignored) / 100 == 2) {
      ++closed;
    }
  }
  return closed;
}

// A track CSV of `count` data lines; line i + 2 (after the header) is track i.
std::string TrackCsv(int count, int bad_every = 0) {
  std::string csv = "artist,title,isrc,discogs_id\n";
  for (int i = 0; i < count; ++i) {
    if (bad_every > 0 && i % bad_every == bad_every - 1) {
      csv += (i / bad_every) % 2 == 0 ? "Artist " + std::to_string(i) + ",Title,not-an-isrc,\n"
                                      : "Artist " + std::to_string(i) + ",,,\n";  // missing title
      continue;
    }
    csv += "Artist " + std::to_string(i % 97) + ",\"Title " + std::to_string(i) + ", live\",GBAYE92" +
           std::to_string(10000 + i % 90000) + "," + std::to_string(i + 1) + "\n";
  }
  return csv;
}

std::size_t CountLines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class PublishCliTest : public testing::Test {
 protected:
  std::map<std::string, std::string> Env() const { return {{"TUNEFLEET_AMQP_URL", vhost_.amqp_url()}}; }

  test_support::TestVhost vhost_;
  TempDir scratch_;
};

TEST_F(PublishCliTest, PublishesHundredThousandLinesAllConfirmed) {
  const auto input = scratch_.Write("tracks.csv", TrackCsv(100'000));
  const CliRun run = RunTunefleet({"publish", input.string(), "--providers", "noop"}, Env());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("published 100000 jobs (100000 confirmed) to tunefleet.jobs as track.noop in "),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("; 0 rejected"), std::string::npos) << run.out;
  // Confirmed means enqueued: the queue holds every job at once, and nothing else got any.
  EXPECT_EQ(vhost_.Depth("tunefleet.noop"), 100'000u);
  EXPECT_EQ(vhost_.Depth("tunefleet.spotify"), 0u);
  EXPECT_FALSE(fs::exists(input.string() + ".rejects"));
}

TEST_F(PublishCliTest, BadLinesGoToTheRejectsFileAndTheRestIsPublished) {
  const auto input = scratch_.Write("tracks.csv", TrackCsv(10'000, 100));
  const CliRun run = RunTunefleet({"publish", input.string(), "--providers", "noop", "--job-id-prefix", "bad"}, Env());
  ASSERT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.out.find("published 9900 jobs (9900 confirmed)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("; 100 rejected (see " + input.string() + ".rejects)"), std::string::npos) << run.out;
  const std::string rejects = ReadFile(input.string() + ".rejects");
  EXPECT_EQ(CountLines(rejects), 100u);
  // Track 99 is on line 101 (after the header): a bad ISRC; track 199 lacks its title.
  EXPECT_NE(rejects.find("line 101: invalid tunefleet.track_job/1: /isrc violates \"pattern\": "
                         "\"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$\"\tArtist 99,Title,not-an-isrc,\n"),
            std::string::npos)
      << rejects.substr(0, 500);
  EXPECT_NE(rejects.find("line 201: missing title\tArtist 199,,,\n"), std::string::npos) << rejects.substr(0, 500);
  EXPECT_EQ(vhost_.Depth("tunefleet.noop"), 9'900u);
}

TEST_F(PublishCliTest, UnreachableBrokerFailsNamingHostPortAndVariable) {
  const int port = FreePort();
  const auto input = scratch_.Write("tracks.csv", TrackCsv(10));
  const CliRun run = RunTunefleet({"publish", input.string(), "--give-up-after", "1s"},
                               {{"TUNEFLEET_AMQP_URL", "amqp://guest:guest@127.0.0.1:" + std::to_string(port) + "/"}});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("TUNEFLEET_AMQP_URL"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("gave up after"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("nothing was published"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(PublishCliTest, DryRunPublishesNothing) {
  vhost_.DeclareFleetTopology();
  const auto input = scratch_.Write("tracks.csv", TrackCsv(1'000, 100));
  const CliRun run = RunTunefleet({"publish", input.string(), "--dry-run", "--providers", "noop"}, Env());
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.out.find("validated 1000 lines"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("990 valid, nothing published"), std::string::npos) << run.out;
  EXPECT_EQ(CountLines(ReadFile(input.string() + ".rejects")), 10u);
  EXPECT_EQ(vhost_.Depth("tunefleet.noop"), 0u);
  EXPECT_EQ(vhost_.Depth("tunefleet.spotify"), 0u);
}

TEST_F(PublishCliTest, ProvidersListPublishesOneMessagePerProvider) {
  const auto input = scratch_.Write("tracks.csv", TrackCsv(50));
  const CliRun run =
      RunTunefleet({"publish", input.string(), "--providers", "spotify,lastfm"}, Env());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("published 100 jobs (100 confirmed) to tunefleet.jobs as track.spotify,track.lastfm"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(vhost_.Depth("tunefleet.spotify"), 50u);
  EXPECT_EQ(vhost_.Depth("tunefleet.lastfm"), 50u);
  EXPECT_EQ(vhost_.Depth("tunefleet.discogs"), 0u);
}

TEST_F(PublishCliTest, DefaultAllReachesEveryProviderQueue) {
  const auto input = scratch_.Write("tracks.csv", TrackCsv(20));
  const CliRun run = RunTunefleet({"publish", input.string()}, Env());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("published 20 jobs (20 confirmed) to tunefleet.jobs as track.all"), std::string::npos)
      << run.out;
  for (const char* provider : {"spotify", "lastfm", "musicbrainz", "discogs", "aoty"}) {
    EXPECT_EQ(vhost_.Depth(std::string("tunefleet.") + provider), 20u) << provider;
  }
  EXPECT_EQ(vhost_.Depth("tunefleet.noop"), 0u);
  EXPECT_EQ(vhost_.Depth("tunefleet.cyanite"), 0u) << "cyanite takes only the jobs published to it by name";
}

TEST_F(PublishCliTest, AlbumJsonLinesFromStdinCarryJobIdsFromLineNumbers) {
  const auto input = scratch_.Write(
      "albums.jsonl",
      "{\"artist\":\"Radiohead\",\"album\":\"OK Computer\",\"year\":1997}\n"
      "\n"
      "{\"artist\":\"Björk\",\"album\":\"Homogenic\",\"upc\":\"0731453925621\"}\n");
  const CliRun run = RunTunefleet({"publish", "-", "--kind", "album", "--providers", "noop", "--job-id-prefix", "alb",
                                "--rejects", (scratch_.path() / "r").string()},
                               Env(), {.stdin_path = input});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto messages = vhost_.Take("tunefleet.noop", 2, 10s);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].message_id, "alb-1");
  EXPECT_EQ(messages[1].message_id, "alb-3");
  EXPECT_EQ(messages[1].routing_key, "album.noop");
  auto job = json::JobParser().Parse(messages[1].body);
  ASSERT_TRUE(job.has_value()) << job.error().message;
  const auto& album = std::get<json::AlbumJob>(*job);
  EXPECT_EQ(album.artist, "Björk");
  EXPECT_EQ(album.upc, "0731453925621");
  EXPECT_EQ(album.trace_id, "alb-3");
}

TEST_F(PublishCliTest, SkipLinesResumesAfterTheGivenLine) {
  const auto input = scratch_.Write("tracks.csv", TrackCsv(100));
  const CliRun run = RunTunefleet(
      {"publish", input.string(), "--providers", "noop", "--job-id-prefix", "res", "--skip-lines", "61"}, Env());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("published 40 jobs (40 confirmed)"), std::string::npos) << run.out;
  auto messages = vhost_.Take("tunefleet.noop", 1, 10s);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message_id, "res-62");
}

TEST_F(PublishCliTest, UnknownCsvColumnIsAUsageError) {
  const auto input = scratch_.Write("tracks.csv", "artist,title,genre\nA,T,rock\n");
  const CliRun run = RunTunefleet({"publish", input.string()}, Env());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown column \"genre\""), std::string::npos) << run.err;
  EXPECT_EQ(CountLines(run.err), 1u) << run.err;
}

TEST_F(PublishCliTest, ReconnectsAndRepublishesWhenTheConnectionDrops) {
  constexpr int kLines = 20'000;
  const auto input = scratch_.Write("tracks.csv", TrackCsv(kLines));
  // Paced, so the run lasts long enough (about 10 s) to lose its connection in the middle even on a
  // loaded machine, where the management API can take seconds to list a new connection.
  test_support::CliProcess publisher(
      {"publish", input.string(), "--providers", "noop", "--job-id-prefix", "drop", "--rate", "2000/s"}, Env());
  // The management API lists a connection once its statistics are in (after a second or so).
  const bool closed = test_support::WaitUntil([&] { return CloseConnections(vhost_.name()) > 0; }, 8s,
                                              "the publisher's connection to show up and be closed");
  const CliRun run = publisher.Wait();
  ASSERT_TRUE(closed);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("CONNECTION_FORCED"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("reconnected to "), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("published 20000 jobs (20000 confirmed)"), std::string::npos) << run.out;
  // At least once: every job is there; a few may be there twice.
  const std::uint32_t depth = vhost_.Depth("tunefleet.noop");
  ASSERT_GE(depth, static_cast<std::uint32_t>(kLines));
  auto messages = vhost_.Take("tunefleet.noop", depth, 60s);
  std::set<std::string> ids;
  for (const auto& message : messages) ids.insert(message.message_id);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kLines));
}

// Refused messages (basic.nack; here the queue is full: max-length with reject-publish) are not
// republished in a tight loop on the same channel: the publisher reconnects after a nap that
// doubles, and gives up after --give-up-after with the reason.
TEST_F(PublishCliTest, RefusedMessagesAreRetriedWithGrowingNapsThenGivenUpWithTheReason) {
  vhost_.DeclareFleetTopology();
  vhost_.SetPolicy("full", "^tunefleet\\.noop$", R"({"max-length":10,"overflow":"reject-publish"})");
  vhost_.FillUntilRefused("tunefleet.noop", 30s);
  const auto input = scratch_.Write("tracks.csv", TrackCsv(100));
  const auto start = std::chrono::steady_clock::now();
  const CliRun run = RunTunefleet({"publish", input.string(), "--providers", "noop", "--give-up-after", "5s"}, Env());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.err.find("RabbitMQ refused every message for 5"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("basic.nack"), std::string::npos) << run.err;
  const std::size_t reconnects = test_support::CountOccurrences(run.err, "reconnecting for a new channel");
  // Naps of 0.1, 0.2, 0.4 ... s: about six reconnects in 5 s, not thousands of republishes.
  EXPECT_GE(reconnects, 2u) << run.err;
  EXPECT_LE(reconnects, 12u) << run.err;
  EXPECT_GE(seconds, 5.0);
  EXPECT_LE(vhost_.Depth("tunefleet.noop"), 20u);
}

}  // namespace
