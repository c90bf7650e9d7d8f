#pragma once

// Compares the shape of a simulated body with a recorded one: the same keys with the same
// JSON types, level by level. Shared by the unit and the integration tests of provider-sim.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace provider_sim_test {

// The recorded responses copied into the repository (tests/data/<provider>/, permissive
// licences only, see each folder's SOURCES.md). GPL-licensed recordings are not copied: the
// repository has its own bodies of the same shape instead, named here. $TUNEFLEET_FIXTURES_DIR
// may point at ../shared/fixtures/providers/ to compare with the originals.
inline std::string FixturePath(const std::string& relative) {
  if (const char* dir = std::getenv("TUNEFLEET_FIXTURES_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/" + relative;
  }
  static const std::pair<const char*, const char*> kOwnShapes[] = {
      {"lastfm/navidrome-album-getinfo-cher-believe.json", "lastfm/own-album-getinfo-current.json"},
      {"musicbrainz/mbandroid-release-group-lookup-tags-rating.json",
       "musicbrainz/own-release-group-lookup-tags-rating.json"},
      {"musicbrainz/picard-recording-lookup-multi-artist-credit.json",
       "musicbrainz/own-recording-lookup-multi-artist-credit.json"},
      {"musicbrainz/picard-recording-lookup-tags-isrcs-relations.json",
       "musicbrainz/own-recording-lookup-tags-isrcs.json"},
  };
  std::string file = relative;
  for (const auto& [original, own] : kOwnShapes) {
    if (relative == original) file = own;
  }
  return std::string(TUNEFLEET_SOURCE_DIR) + "/tests/data/" + file;
}

inline std::string ReadFixture(const std::string& relative) {
  std::string path = FixturePath(relative);
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "fixture missing: " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string TypeName(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "bool";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  return "object";
}

// Keys and types of `actual` against `expected`, `depth` object levels deep (arrays compare
// their first elements). A null on either side matches any type: the real APIs send null
// for absent values (preview_url, next) that are set elsewhere. `exact` demands the same key
// set; otherwise every expected key must be present (the simulator may add keys).
inline void ExpectSameShape(const rapidjson::Value& actual, const rapidjson::Value& expected, int depth,
                            const std::string& where, bool exact) {
  if (actual.IsNull() || expected.IsNull()) return;
  ASSERT_EQ(TypeName(actual), TypeName(expected)) << "at " << where;
  if (depth <= 0) return;
  if (expected.IsArray()) {
    if (!expected.Empty() && !actual.Empty()) {
      ExpectSameShape(actual[0], expected[0], depth - 1, where + "[0]", exact);
    }
    return;
  }
  if (!expected.IsObject()) return;
  std::set<std::string> actual_keys;
  for (const auto& m : actual.GetObject()) actual_keys.insert(m.name.GetString());
  for (const auto& m : expected.GetObject()) {
    std::string key = m.name.GetString();
    ASSERT_TRUE(actual_keys.count(key) == 1) << "missing key " << where << "/" << key;
    ExpectSameShape(actual[m.name], m.value, depth - 1, where + "/" + key, exact);
    actual_keys.erase(key);
  }
  if (exact) {
    for (const auto& extra : actual_keys) ADD_FAILURE() << "extra key " << where << "/" << extra;
  }
}

struct ShapeOptions {
  std::string sim_pointer{};    // compare this part of the simulated body ("" = all; "/tracks/0")
  std::string fixture_pointer{};  // ... with this part of the fixture
  int depth = 3;                // levels of "every recorded key is there with its type"
  bool exact_top = true;        // and at the top level, no keys the recording lacks
  std::set<std::string> ignore{};  // top-level keys on either side to skip (inc= we do not serve)
};

// `sim` against the fixture file.
inline void ExpectFixtureShape(const std::string& sim, const std::string& fixture, const ShapeOptions& options = {}) {
  rapidjson::Document actual_doc;
  rapidjson::Document expected_doc;
  actual_doc.Parse(sim.c_str());
  ASSERT_FALSE(actual_doc.HasParseError()) << "simulated body is not JSON: " << sim.substr(0, 200);
  std::string recorded = ReadFixture(fixture);
  expected_doc.Parse(recorded.c_str());
  ASSERT_FALSE(expected_doc.HasParseError()) << fixture;
  SCOPED_TRACE(fixture);
  const rapidjson::Value* actual = rapidjson::Pointer(options.sim_pointer.c_str()).Get(actual_doc);
  const rapidjson::Value* expected = rapidjson::Pointer(options.fixture_pointer.c_str()).Get(expected_doc);
  ASSERT_NE(actual, nullptr) << "no " << options.sim_pointer << " in " << sim.substr(0, 200);
  ASSERT_NE(expected, nullptr) << "no " << options.fixture_pointer << " in " << fixture;
  // Copies without the ignored keys, so both checks below skip them.
  rapidjson::Document a;
  rapidjson::Document e;
  a.CopyFrom(*actual, a.GetAllocator());
  e.CopyFrom(*expected, e.GetAllocator());
  for (const auto& key : options.ignore) {
    if (a.IsObject()) a.RemoveMember(key.c_str());
    if (e.IsObject()) e.RemoveMember(key.c_str());
  }
  if (options.exact_top) ExpectSameShape(a, e, 1, options.sim_pointer, true);
  ExpectSameShape(a, e, options.depth, options.sim_pointer, false);
}

}  // namespace provider_sim_test
