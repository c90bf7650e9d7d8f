#include "tools/tunefleet/import_lastfm.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "tools/tunefleet/import_csv.hpp"
#include "workers/lastfm/lastfm_parse.hpp"

namespace scrobbles {
namespace {

constexpr std::string_view kEndpoint = "user.getRecentTracks";

// Last.fm sends numbers as strings ("200"); accept either.
std::optional<std::int64_t> Number(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return std::nullopt;
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return std::nullopt;
  if (it->value.IsInt64()) return it->value.GetInt64();
  if (!it->value.IsString()) return std::nullopt;
  std::int64_t value = 0;
  const char* begin = it->value.GetString();
  const char* end = begin + it->value.GetStringLength();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::string Text(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return {};
  if (it->value.IsString()) return {it->value.GetString(), it->value.GetStringLength()};
  // {"#text": ...} objects (artist, album).
  if (it->value.IsObject()) return Text(it->value, "#text");
  return {};
}

bool NowPlaying(const rapidjson::Value& track) {
  auto attr = track.FindMember("@attr");
  if (attr == track.MemberEnd() || !attr->value.IsObject()) return false;
  auto flag = attr->value.FindMember("nowplaying");
  return flag != attr->value.MemberEnd() &&
         ((flag->value.IsString() && std::string_view(flag->value.GetString()) == "true") ||
          (flag->value.IsBool() && flag->value.GetBool()));
}

std::string Fixed(double value, int digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

std::string Duration(double seconds) {
  const auto s = static_cast<std::int64_t>(std::llround(seconds));
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
}

}  // namespace

core::Result<RecentPage> ParseRecentTracks(std::string_view body) {
  if (auto error = lastfm::ClassifyBody(body, kEndpoint)) return *error;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return core::Error::Transient(std::string(kEndpoint) + ": the answer is not a JSON object");
  }
  auto root = doc.FindMember("recenttracks");
  if (root == doc.MemberEnd() || !root->value.IsObject()) {
    return core::Error::Transient(std::string(kEndpoint) + ": the answer has no recenttracks object");
  }
  const rapidjson::Value& recent = root->value;
  RecentPage page;
  auto attr = recent.FindMember("@attr");
  if (attr == recent.MemberEnd() || !attr->value.IsObject()) {
    return core::Error::Transient(std::string(kEndpoint) + ": the answer has no recenttracks.@attr");
  }
  const auto number = [&](const char* name) { return Number(attr->value, name); };
  if (!number("page") || !number("totalPages")) {
    return core::Error::Transient(std::string(kEndpoint) + ": recenttracks.@attr lacks page or totalPages");
  }
  page.page = static_cast<int>(*number("page"));
  page.total_pages = static_cast<int>(*number("totalPages"));
  page.total = number("total").value_or(0);
  auto tracks = recent.FindMember("track");
  if (tracks == recent.MemberEnd()) return page;  // an empty window
  // Last.fm answers one entry as an object instead of a list of one.
  std::vector<const rapidjson::Value*> entries;
  if (tracks->value.IsArray()) {
    for (const auto& entry : tracks->value.GetArray()) entries.push_back(&entry);
  } else if (tracks->value.IsObject()) {
    entries.push_back(&tracks->value);
  }
  for (const rapidjson::Value* entry : entries) {
    if (!entry->IsObject()) continue;
    if (NowPlaying(*entry)) {
      ++page.now_playing;
      continue;
    }
    db::ScrobbleRow row;
    row.artist = Text(*entry, "artist");
    row.title = Text(*entry, "name");
    row.album = Text(*entry, "album");
    row.mbid = Text(*entry, "mbid");
    auto date = entry->FindMember("date");
    const auto uts = date != entry->MemberEnd() ? Number(date->value, "uts") : std::nullopt;
    if (row.artist.empty() || row.title.empty() || !uts) continue;
    row.played_at = *uts;
    page.scrobbles.push_back(std::move(row));
  }
  return page;
}

db::ListenCursor PlanWindow(const std::optional<db::ListenCursor>& saved, std::optional<std::int64_t> since,
                            std::int64_t now) {
  if (saved && !saved->done) return *saved;
  db::ListenCursor cursor;
  cursor.window_from = saved ? std::optional(saved->window_to) : since;
  // A window never ends before it starts (two runs in the same second: an empty window).
  cursor.window_to = cursor.window_from ? std::max(now, *cursor.window_from) : now;
  return cursor;
}

db::ListenCursor AfterPage(db::ListenCursor cursor, int page, int total_pages) {
  cursor.total_pages = total_pages;
  cursor.next_page = page + 1;
  cursor.done = page >= total_pages;
  return cursor;
}

Failure DescribeFailure(std::string_view user, std::optional<int> code, const core::Error& error) {
  if (code && *code == lastfm::kErrorNotFound) {
    return {1, "Last.fm has no user \"" + std::string(user) + "\" (error 6: User not found)"};
  }
  if (code && lastfm::IsApiKeyError(*code)) {
    return {2, "Last.fm refuses the API key (error " + std::to_string(*code) +
                   "): set TUNEFLEET_LASTFM_API_KEY (or TUNEFLEET_LASTFM_API_KEY_FILE) to a valid key"};
  }
  if (error.kind == core::ErrorKind::kTransient) {
    return {1, "Last.fm did not answer after retries: " + error.message +
                   "; what is stored is kept, run the same command again to resume"};
  }
  return {1, "Last.fm refused the request: " + error.message};
}

std::string Thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string ProgressLine(const Counters& c, double elapsed_seconds) {
  std::string line = "page " + std::to_string(c.first_page + c.pages_done - 1);
  if (c.pages_total > 0) line += "/" + std::to_string(c.pages_total);
  line += ", " + Thousands(c.stored) + " scrobbles stored, " + Thousands(c.new_tracks) + " new tracks";
  if (elapsed_seconds > 0 && c.pages_done > 0) {
    const double rate = c.pages_done / elapsed_seconds;
    line += ", " + Fixed(rate, 1) + " pages/s";
    const int left = c.pages_total - (c.first_page + c.pages_done - 1);
    if (c.pages_total > 0 && left > 0 && rate > 0) line += ", ETA " + Duration(left / rate);
  }
  return line;
}

std::string SummaryLine(const Counters& c) {
  return "stored " + Thousands(c.stored) + " scrobbles (" + Thousands(c.already) + " already there), " +
         Thousands(c.new_tracks) + " new tracks, published " + Thousands(c.published) + " jobs";
}

std::string FormatTime(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return buffer;
}

core::Result<std::int64_t> ParseTime(std::string_view text) { return ParseScrobbleTime(text); }

}  // namespace scrobbles
