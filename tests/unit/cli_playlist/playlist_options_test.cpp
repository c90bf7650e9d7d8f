#include "tools/tunefleet/playlist_options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using playlist::Kind;
using playlist::Options;
using playlist::ParseArgs;

std::string ErrorOf(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args);
  if (parsed) return "(accepted)";
  EXPECT_EQ(parsed.error().kind, core::ErrorKind::kInvalidInput);
  return parsed.error().message;
}

TEST(PlaylistOptions, BuildTakesDefaults) {
  auto parsed = ParseArgs({"--user", "alice", "--kind", "discovery"});
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->action, Options::Action::kBuild);
  EXPECT_EQ(parsed->user, "alice");
  EXPECT_EQ(parsed->kind, Kind::kDiscovery);
  EXPECT_EQ(parsed->size, 25);
  EXPECT_EQ(parsed->days, 30);
  EXPECT_FALSE(parsed->json);
  EXPECT_TRUE(parsed->m3u.empty());
}

TEST(PlaylistOptions, BuildTakesEveryFlagInBothForms) {
  auto parsed = ParseArgs({"--kind=trending", "--user=Bob", "--size", "500", "--days=1", "--m3u", "out.m3u"});
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->kind, Kind::kTrending);
  EXPECT_EQ(parsed->user, "Bob");
  EXPECT_EQ(parsed->size, 500);
  EXPECT_EQ(parsed->days, 1);
  EXPECT_EQ(parsed->m3u, "out.m3u");
  parsed = ParseArgs({"--user", "a", "--kind", "similar-recent", "--json"});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->kind, Kind::kSimilarRecent);
  EXPECT_TRUE(parsed->json);
}

TEST(PlaylistOptions, SubcommandsTakeTheirIdAndFlags) {
  auto list = ParseArgs({"list", "--user", "alice", "--json"});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->action, Options::Action::kList);
  EXPECT_TRUE(list->json);
  auto show = ParseArgs({"show", "42"});
  ASSERT_TRUE(show);
  EXPECT_EQ(show->action, Options::Action::kShow);
  EXPECT_EQ(show->id, 42);
  auto exported = ParseArgs({"export", "--m3u", "x.m3u", "7"});
  ASSERT_TRUE(exported);
  EXPECT_EQ(exported->action, Options::Action::kExport);
  EXPECT_EQ(exported->id, 7);
  EXPECT_EQ(exported->m3u, "x.m3u");
}

TEST(PlaylistOptions, HelpWinsAnywhere) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"show", "--help"}, {"--size", "0", "-h"}}) {
    auto parsed = ParseArgs(args);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->action, Options::Action::kHelp);
  }
}

TEST(PlaylistOptions, RefusesBadFlagsWithOneLineNamingTheWord) {
  EXPECT_EQ(ErrorOf({}), "what? give --user NAME --kind KIND, or list, show or export");
  EXPECT_EQ(ErrorOf({"--kind", "discovery"}), "whose playlist? give --user NAME");
  EXPECT_EQ(ErrorOf({"--user", "alice"}), "which kind? give --kind similar-recent, discovery or trending");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "radio"}),
            "--kind \"radio\" is not similar-recent, discovery or trending");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "--size", "0"}),
            "--size \"0\" is not a whole number from 1 to 500");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "--size", "501"}),
            "--size \"501\" is not a whole number from 1 to 500");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "--size", "10x"}),
            "--size \"10x\" is not a whole number from 1 to 500");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "--days", "-3"}),
            "--days \"-3\" is not a whole number from 1 to 3650");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "--days"}), "--days needs a value");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "--limit", "3"}), "unknown option --limit");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "--json", "--m3u", "f"}),
            "give --m3u FILE or --json, not both");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "extra"}), "unexpected argument \"extra\"");
  EXPECT_EQ(ErrorOf({"--user", "a", "--kind", "trending", "--json=yes"}), "--json takes no value");
  EXPECT_EQ(ErrorOf({"list"}), "whose playlists? give --user NAME");
  EXPECT_EQ(ErrorOf({"list", "--user", "a", "--kind", "trending"}), "--kind does not apply to list");
  EXPECT_EQ(ErrorOf({"show"}), "which playlist? give its id (tunefleet playlist list --user NAME lists them)");
  EXPECT_EQ(ErrorOf({"show", "abc"}), "\"abc\" is not a playlist id (a positive whole number)");
  EXPECT_EQ(ErrorOf({"show", "0"}), "\"0\" is not a playlist id (a positive whole number)");
  EXPECT_EQ(ErrorOf({"show", "1", "2"}), "unexpected argument \"2\"");
  EXPECT_EQ(ErrorOf({"show", "1", "--m3u", "f"}), "--m3u does not apply to show");
  EXPECT_EQ(ErrorOf({"export", "1", "--user", "a"}), "--user does not apply to export");
}

TEST(PlaylistOptions, KindNamesRoundTrip) {
  for (Kind kind : {Kind::kSimilarRecent, Kind::kDiscovery, Kind::kTrending}) {
    EXPECT_EQ(playlist::ParseKind(playlist::KindName(kind)), kind);
  }
  EXPECT_FALSE(playlist::ParseKind("Discovery"));
}

}  // namespace
