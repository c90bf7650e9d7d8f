#include "tools/tunefleet/publish_report.hpp"

#include <gtest/gtest.h>

namespace publish {
namespace {

TEST(PublishReport, FormatsCountsRatesAndDurations) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatRate(52634.2), "52,600");
  EXPECT_EQ(FormatRate(812.4), "812");
  EXPECT_EQ(FormatRate(3.14159), "3.14");
  EXPECT_EQ(FormatDuration(1.94), "1.9 s");
  EXPECT_EQ(FormatDuration(125), "2 min 05 s");
}

TEST(PublishReport, SummaryNamesExchangeRoutingAndRejects) {
  Counters counters{.lines = 100000, .rejected = 0, .published = 100000, .republished = 0, .confirmed = 100000,
                    .confirmed_lines = 100000};
  EXPECT_EQ(SummaryLine(counters, "tunefleet.jobs", "track.all", 1.9, "in.csv.rejects"),
            "published 100000 jobs (100000 confirmed) to tunefleet.jobs as track.all in 1.9 s (52,600/s); 0 rejected");
  counters.rejected = 3;
  EXPECT_NE(SummaryLine(counters, "tunefleet.jobs", "track.all", 1.9, "in.csv.rejects")
                .find("; 3 rejected (see in.csv.rejects)"),
            std::string::npos);
}

TEST(PublishReport, ProgressShowsEtaWhenTheSizeIsKnown) {
  Counters counters{.lines = 500, .rejected = 1, .published = 499, .republished = 0, .confirmed = 400,
                    .confirmed_lines = 400};
  EXPECT_EQ(ProgressLine(counters, 2.0, 0.5),
            "read 500 lines, published 499, confirmed 400, rejected 1, 200/s, 50%, ETA 2.0 s");
  EXPECT_EQ(ProgressLine(counters, 2.0, std::nullopt), "read 500 lines, published 499, confirmed 400, rejected 1, 200/s");
}

}  // namespace
}  // namespace publish
