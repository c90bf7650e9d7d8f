#include "tools/tunefleet/identity_report.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;

// 2026-12-07T18:00:00Z
const std::chrono::system_clock::time_point kNow = std::chrono::sys_days{std::chrono::year{2026} / 12 / 7} + 18h;

TEST(IdentitySince, DatesAndTimesAreUtc) {
  EXPECT_EQ(identity::ParseSince("2026-12-07", kNow), "2026-12-07 00:00:00+00");
  EXPECT_EQ(identity::ParseSince("2024-02-29T23:59:59Z", kNow), "2024-02-29 23:59:59+00");
}

TEST(IdentitySince, AgesCountBackFromNow) {
  EXPECT_EQ(identity::ParseSince("7d", kNow), "2026-11-30 18:00:00+00");
  EXPECT_EQ(identity::ParseSince("24h", kNow), "2026-12-06 18:00:00+00");
  EXPECT_EQ(identity::ParseSince("30m", kNow), "2026-12-07 17:30:00+00");
}

TEST(IdentitySince, AnythingElseIsRefused) {
  for (const char* bad : {"", "yesterday", "7", "d", "7x", "-1d", "2026-02-30", "2026-13-01", "2026-12-07T25:00:00Z",
                          "2026-12-07T18:00:00", "2026-12-07 18:00:00Z", "2026/12/07", "12026-12-07"}) {
    EXPECT_EQ(identity::ParseSince(bad, kNow), std::nullopt) << bad;
  }
}

TEST(IdentityReport, MergesTextPrintsANameKeysSeparatorAsABar) {
  identity::MergeList list;
  list.merges.push_back({"track", 17, "name:air\x1fkelly", 12, "Air - Kelly", "isrc", "FRZ019800040",
                         "2026-12-07T18:00:00Z"});
  list.totals.push_back({"track", "isrc", 1});
  const std::string text = identity::FormatMerges(list);
  EXPECT_NE(text.find("track 17 (name:air|kelly) -> 12 \"Air - Kelly\"  isrc FRZ019800040"), std::string::npos)
      << text;
  rapidjson::Document d;
  const std::string json = identity::FormatMergesJson(list);
  ASSERT_FALSE(d.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_STREQ(d["merges"][0]["identity_key"].GetString(), "name:air\x1fkelly");  // JSON keeps the key as stored
}

TEST(IdentityReport, AConflictWhoseRowIsGoneSaysSo) {
  identity::Conflict c;
  c.entity = "album";
  c.low = {5, "", "1"};
  c.high = {6, "Air - Moon Safari", "2"};
  c.shared_kind = "upc";
  c.shared_value = "724384497828";
  c.conflict_kind = "discogs_id";
  c.seen = 2;
  c.last_seen = "2026-12-07T18:00:00Z";
  const std::string text = identity::FormatConflicts({c});
  EXPECT_NE(text.find("album 5 (row gone) and 6 \"Air - Moon Safari\": share upc 724384497828, differ on "
                      "discogs_id (5: 1, 6: 2); seen 2 times"),
            std::string::npos)
      << text;
  rapidjson::Document d;
  const std::string json = identity::FormatConflictsJson({c});
  ASSERT_FALSE(d.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_TRUE(d["conflicts"][0]["low"]["label"].IsNull());
}

}  // namespace
