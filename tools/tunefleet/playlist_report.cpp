#include "tools/tunefleet/playlist_report.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <string_view>

namespace playlist {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string Times(std::int64_t n) { return std::to_string(n) + (n == 1 ? " time" : " times"); }

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, std::string_view key) { w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())); }
void String(Writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// Names and reasons are one line each in the text rendering.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

std::string SimilarReason(const std::string& seed_artist, const std::string& seed_title, std::int64_t plays,
                          std::int64_t days_ago) {
  std::string when = days_ago <= 0 ? "today" : days_ago == 1 ? "1 day ago" : std::to_string(days_ago) + " days ago";
  return "similar to " + seed_artist + " - " + seed_title + " (played " + Times(plays) + ", last " + when + ")";
}

std::string DiscoveryReason(const std::vector<std::string>& genres, const std::vector<std::string>& moods) {
  std::string out = "shares ";
  if (!genres.empty()) out += Join(genres) + " with your top genres";
  if (!genres.empty() && !moods.empty()) out += " and ";
  if (!moods.empty()) out += Join(moods) + " with your top moods";
  return out;
}

std::string TrendingReason(std::int64_t plays, std::int64_t listeners, int days) {
  return "played " + Times(plays) + " by " + std::to_string(listeners) + (listeners == 1 ? " listener" : " listeners") +
         " in the last " + (days == 1 ? std::string("day") : std::to_string(days) + " days");
}

std::string FormatText(const Playlist& playlist) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "playlist %lld: %s for %s, last %d days, %zu of at most %d tracks (created %s)\n",
                static_cast<long long>(playlist.id), playlist.kind.c_str(), OneLine(playlist.user).c_str(),
                playlist.days, playlist.tracks.size(), playlist.size, playlist.created_at.c_str());
  out += line;
  out += "rank     score  track  [why]\n";
  for (const auto& e : playlist.tracks) {
    std::snprintf(line, sizeof line, "%4d  %8.4f  ", e.position, e.score);
    out += line;
    out += OneLine(e.track.artist + " - " + e.track.title) + "  [" + OneLine(e.reason) + "]\n";
  }
  return out;
}

std::string FormatJson(const Playlist& playlist) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "id");
  w.Int64(playlist.id);
  Key(w, "user");
  String(w, playlist.user);
  Key(w, "kind");
  String(w, playlist.kind);
  Key(w, "size");
  w.Int(playlist.size);
  Key(w, "days");
  w.Int(playlist.days);
  Key(w, "created_at");
  String(w, playlist.created_at);
  Key(w, "tracks");
  w.StartArray();
  for (const auto& e : playlist.tracks) {
    w.StartObject();
    Key(w, "position");
    w.Int(e.position);
    Key(w, "track_id");
    w.Int64(e.track.id);
    Key(w, "artist");
    String(w, e.track.artist);
    Key(w, "title");
    String(w, e.track.title);
    Key(w, "score");
    w.Double(e.score);
    Key(w, "reason");
    String(w, e.reason);
    Key(w, "seed_track_id");
    if (e.seed_track_id) {
      w.Int64(*e.seed_track_id);
    } else {
      w.Null();
    }
    Key(w, "shared_tags");
    w.StartArray();
    for (const auto& tag : e.shared_tags) String(w, tag);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

std::string FormatM3u(const Playlist& playlist) {
  std::vector<recommend::TrackSummary> tracks;
  tracks.reserve(playlist.tracks.size());
  for (const auto& e : playlist.tracks) tracks.push_back(e.track);
  return recommend::FormatM3u(tracks);
}

std::string FormatList(const std::string& user, const std::vector<PlaylistSummary>& playlists) {
  if (playlists.empty()) return "no playlists for " + OneLine(user) + "\n";
  std::string out = std::to_string(playlists.size()) + (playlists.size() == 1 ? " playlist for " : " playlists for ") +
                    OneLine(user) + ", newest first:\n";
  out += "    id  kind            tracks  size  days  created\n";
  char line[256];
  for (const auto& p : playlists) {
    std::snprintf(line, sizeof line, "%6lld  %-14s  %6lld  %4d  %4d  %s\n", static_cast<long long>(p.id),
                  p.kind.c_str(), static_cast<long long>(p.tracks), p.size, p.days, p.created_at.c_str());
    out += line;
  }
  return out;
}

std::string FormatListJson(const std::string& user, const std::vector<PlaylistSummary>& playlists) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "user");
  String(w, user);
  Key(w, "playlists");
  w.StartArray();
  for (const auto& p : playlists) {
    w.StartObject();
    Key(w, "id");
    w.Int64(p.id);
    Key(w, "kind");
    String(w, p.kind);
    Key(w, "size");
    w.Int(p.size);
    Key(w, "days");
    w.Int(p.days);
    Key(w, "created_at");
    String(w, p.created_at);
    Key(w, "tracks");
    w.Int64(p.tracks);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

}  // namespace playlist
